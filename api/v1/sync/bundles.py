"""The offline bundle, built once per public change and stored gzip-compressed in the database.

A part is the bundle of one scope (every document, one category, one language, or both).
Building streams the documents page by page through one gzip compressor into fixed-size
chunks (`events.models.BundleChunk`), so neither the worker nor a web worker ever holds the
whole bundle: memory is bounded by a page of documents and a chunk, whatever the catalogue.

Who builds: the task worker, after every public change (`bundle.rebuild`, registered by
`bundle_register`), rebuilds the parts whose scope changed since they were built. A request
that finds no part it may serve (a fresh install, or a withdrawal since the part was built and
the worker has not caught up yet) builds that part itself, once, and stores it.

Which part may be served: the newest complete part of the scope, unless a treatment left the
scope after the part's sequence (withdrawn, or moved to another category): a withdrawn document
is never served from a stored part once its withdrawal committed. A part that only misses
updates or new documents is still served while the worker rebuilds it: its `next_sync_token`
starts at its sequence, so the client's first delta sync brings what came after. With
BUNDLE_PREBUILD off (no worker rebuilds parts), any change in scope makes a part out of date.
"""

import datetime as dt
import hashlib
import logging
import zlib
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.hot import WorkerMemory
from events.handlers import EventHandler, handler_register, handler_unregister
from events.models import BundleChunk, BundlePart, OutboxEvent
from events.types import TREATMENT_EVENT_TYPES
from treatments import selectors
from treatments.documents.build import etag_of, to_json
from treatments.selectors import SyncScope

from ..links import document_links, with_links
from .tokens import SyncToken

logger = logging.getLogger("api.bundles")

# Bytes of gzip per stored chunk: what a web worker holds at most while it streams a part.
CHUNK_BYTES = 256 * 1024
# Chunks fetched per query while a part is served.
CHUNKS_PER_READ = 4
# Documents read per query while building (a page of documents is what the builder holds).
BUILD_PAGE = 500
# An unfinished part older than this was left by a builder that died: it is deleted.
ABANDONED_AFTER = dt.timedelta(hours=1)
HANDLER_NAME = "bundle.rebuild"


def _scope_fields(scope: SyncScope) -> dict[str, str]:
    return {"category": scope.category or "", "language": scope.language or ""}


def _document(row: dict[str, object]) -> str:
    return with_links(
        str(row["document_json"]),
        document_links(str(row["slug"]), int(row["revision_number"])),  # type: ignore[call-overload]
    )


def bundle_pieces(scope: SyncScope, *, sequence: int) -> Iterator[tuple[str, int]]:
    """The bundle's JSON in pieces, each with its number of documents: a head, the live
    documents in scope a page at a time, a tail.

    The token continues from `sequence`, read before the documents: a change that lands in
    between is in the documents and again in the first delta (harmless, never lost).
    """
    token = SyncToken(mode="delta", since=sequence, scope=scope).encode()
    yield (
        '{"next_sync_token":'
        + to_json(token)
        # The deprecated alias (api/deprecation.py), sent until its sunset.
        + ',"sync_token":'
        + to_json(token)
        + ',"language":'
        + to_json(scope.language)
        + ',"category":'
        + to_json(scope.category)
        + ',"documents":[',
        0,
    )
    after, first = None, True
    while True:
        rows = selectors.sync_live_page(scope=scope, after=after, limit=BUILD_PAGE)
        page = rows[:BUILD_PAGE]
        if page:
            yield ("" if first else ",") + ",".join(_document(r) for r in page), len(page)
            first = False
        if len(rows) <= BUILD_PAGE:
            break
        after = page[-1]["treatment_id"]
    yield "]}", 0


def bundle_part_build(scope: SyncScope) -> BundlePart:
    """Build the part of `scope` at the change log's head, store it, and return it.

    Chunks are written as they fill; the part becomes visible (`complete`) in one short
    transaction at the end, which also deletes all but the previous part of the scope (kept so
    that downloads in progress finish).
    """
    sequence = selectors.change_log_head()
    part = BundlePart.objects.create(
        **_scope_fields(scope), sequence=sequence, chunk_bytes=CHUNK_BYTES
    )
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip framing, mtime 0: deterministic
    digest = hashlib.sha256()
    buffer = bytearray()
    index = raw_size = documents = size = 0

    def flush(final: bool) -> None:
        nonlocal index, size
        while len(buffer) >= CHUNK_BYTES or (final and buffer):
            data = bytes(buffer[:CHUNK_BYTES])
            del buffer[:CHUNK_BYTES]
            BundleChunk.objects.create(part=part, index=index, data=data)
            index += 1
            size += len(data)

    for piece, count in bundle_pieces(scope, sequence=sequence):
        raw = piece.encode()
        digest.update(raw)
        raw_size += len(raw)
        documents += count
        buffer += compressor.compress(raw)
        flush(final=False)
    buffer += compressor.flush()
    flush(final=True)

    part.etag, part.size, part.raw_size, part.documents = etag_of(digest), size, raw_size, documents
    part.complete = True
    with transaction.atomic():
        part.save(update_fields=["etag", "size", "raw_size", "documents", "complete"])
        same_scope = BundlePart.objects.filter(**_scope_fields(scope)).exclude(pk=part.pk)
        previous = same_scope.filter(complete=True, sequence__lte=sequence).order_by(
            "-sequence", "-id"
        )
        keep = list(previous.values_list("pk", flat=True)[:1])
        same_scope.filter(complete=True, sequence__lte=sequence).exclude(pk__in=keep).delete()
        same_scope.filter(complete=False, built_at__lt=timezone.now() - ABANDONED_AFTER).delete()
    logger.info("Built %s: %s bytes of gzip", part, size)
    return part


def bundle_part_stored(scope: SyncScope) -> BundlePart | None:
    """The newest complete part of `scope`, if it may be served (see the module's rule)."""
    part = (
        BundlePart.objects.filter(**_scope_fields(scope), complete=True)
        .order_by("-sequence", "-id")
        .first()
    )
    if part is None:
        return None
    if not settings.BUNDLE_PREBUILD:
        # No worker rebuilds parts: any change in scope since makes this one out of date.
        if selectors.sync_first_change_after(scope=scope, since=part.sequence) is not None:
            return None
    elif selectors.sync_removed_since(scope=scope, since=part.sequence):
        return None
    return part


def bundle_part(scope: SyncScope) -> BundlePart:
    """The part to serve for `scope`: the stored one if it may be served, else built now."""
    return bundle_part_stored(scope) or bundle_part_build(scope)


def bundle_chunks(part: BundlePart, *, first: int, last: int) -> Iterator[bytes]:
    """Bytes `first` to `last` (included) of a stored part's gzip, read a few chunks at a time.

    A part deleted while it is read (two rebuilds later) ends the stream early: the client
    sees fewer bytes than Content-Length said and downloads again.
    """
    index, stop = first // part.chunk_bytes, last // part.chunk_bytes
    offset = index * part.chunk_bytes
    memory = chunk_memory()
    while index <= stop:
        # A stored part never changes: its chunks are remembered by part, ETag and index.
        rows: list[tuple[int, bytes]] = []
        while index + len(rows) <= stop and len(rows) < CHUNKS_PER_READ:
            kept = memory.get((part.pk, part.etag, part.chunk_bytes, index + len(rows)))
            if kept is None:
                break
            rows.append((index + len(rows), kept))
        if not rows:
            batch = (
                BundleChunk.objects.filter(part_id=part.pk, index__gte=index, index__lte=stop)
                .order_by("index")
                .values_list("index", "data")[:CHUNKS_PER_READ]
            )
            rows = [(number, bytes(data)) for number, data in batch]
            for number, data in rows:
                memory.put((part.pk, part.etag, part.chunk_bytes, number), data)
        if not rows:
            return
        for number, chunk in rows:
            if number != index:
                return
            yield chunk[max(first - offset, 0) : min(last - offset + 1, len(chunk))]
            offset += len(chunk)
            index += 1


_chunks: WorkerMemory | None = None


def chunk_memory() -> WorkerMemory:
    """This worker's memory of stored chunks (hot parts served without reading them again),
    bounded by BUNDLE_MEMORY_MAX_BYTES (least recently used first)."""
    global _chunks
    if _chunks is None or _chunks.maxbytes != settings.BUNDLE_MEMORY_MAX_BYTES:
        _chunks = WorkerMemory(
            maxsize=4096, maxbytes=max(settings.BUNDLE_MEMORY_MAX_BYTES, 1), ttl=None
        )
    return _chunks


def bundle_scopes(*, language: str | None = None) -> list[SyncScope]:
    """The scopes worth storing: each with at least one live document (one language's only)."""
    pairs = {(c, lang) for c, lang in selectors.sync_live_scopes() if language in (None, lang)}
    categories = {c for c, _ in pairs}
    languages = {lang for _, lang in pairs}
    scopes = {SyncScope(category=None, language=language)}
    if language is None:
        scopes |= {SyncScope(language=lang) for lang in languages}
        scopes |= {SyncScope(category=c) for c in categories}
    scopes |= {SyncScope(category=c, language=lang) for c, lang in pairs}
    return sorted(scopes, key=lambda s: (s.category or "", s.language or ""))


def bundles_refresh() -> list[BundlePart]:
    """Rebuild every stored part whose scope changed since it was built; drop parts of scopes
    with no live document left. Returns the parts built (none when all were current)."""
    wanted = bundle_scopes()
    built = []
    for scope in wanted:
        part = (
            BundlePart.objects.filter(**_scope_fields(scope), complete=True)
            .order_by("-sequence", "-id")
            .first()
        )
        if part is None or (
            selectors.sync_first_change_after(scope=scope, since=part.sequence) is not None
        ):
            built.append(bundle_part_build(scope))
    kept = {(s.category or "", s.language or "") for s in wanted}
    for pk, category, language in BundlePart.objects.values_list("pk", "category", "language"):
        if (category, language) not in kept:
            BundlePart.objects.filter(pk=pk).delete()
    return built


def bundle_rebuild(event: OutboxEvent) -> None:
    """The handler: bring the stored parts up to date after a public change.

    Outside any transaction (a long read; idempotent): several queued changes coalesce, as the
    first run builds up to the head and the next ones find their parts current.
    """
    built = bundles_refresh()
    logger.info("Event #%s: %s bundle part(s) rebuilt", event.pk, len(built))


def bundle_register() -> bool:
    """Register the rebuild handler when BUNDLE_PREBUILD is on; True if registered.

    Called from ApiConfig.ready(). Off, parts are built by the first request that needs one.
    """
    if not settings.BUNDLE_PREBUILD:
        handler_unregister(HANDLER_NAME)
        return False
    handler_register(
        EventHandler(
            name=HANDLER_NAME,
            func=bundle_rebuild,
            event_types=frozenset(str(t) for t in TREATMENT_EVENT_TYPES),
            atomic=False,
        )
    )
    return True
