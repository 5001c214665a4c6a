"""The offline bundle, built once per public change and stored gzip-compressed in the database.

A part is the bundle of one scope (every document, one category, one language, or both), or
one page of a category's (`BundleSlice`: the manifest lists a large category in pages).
Building streams the documents page by page through one gzip compressor into fixed-size
chunks (`events.models.BundleChunk`), so neither the worker nor a web worker ever holds the
whole bundle: memory is bounded by a page of documents and a chunk, whatever the catalogue.

Who builds: the task worker, after every public change (`bundle.rebuild`, registered by
`bundle_register`), rebuilds the parts whose scope changed since they were built. A request
that finds no part it may serve (a fresh install, or a withdrawal since the part was built and
the worker has not caught up yet) builds that part itself, once, and stores it.

Which part may be served: the newest complete part of the scope, unless a treatment left the
scope after the part's sequence (withdrawn, or moved to another category): a withdrawn document
is never served from a stored part once its withdrawal committed; nor is a part built more
than half SYNC_LOG_RETENTION_DAYS ago (its token would outlive the log). A part that only misses
updates or new documents is still served while the worker rebuilds it: its `next_sync_token`
starts at its sequence, so the client's first delta sync brings what came after. With
BUNDLE_PREBUILD off (no worker rebuilds parts), any change in scope makes a part out of date.
"""

import datetime as dt
import functools
import hashlib
import logging
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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


# The most pages one scope is cut into (a power of two, as every page count is).
MAX_PAGES = 1024
# Treatment ids are 128-bit UUIDs; page k of n holds the ids of the k-th of n equal ranges.
ID_SPACE = 1 << 128


@dataclass(frozen=True)
class BundleSlice:
    """A scope, or one page of it: page `page` of `pages` equal ranges of treatment ids.

    Membership depends on a treatment's id alone, so a page holds the same treatments in
    every build: pages downloaded from different builds never miss one that did not change.
    Ids are random (UUID 4), so the pages of a scope hold about as many documents each.
    """

    scope: SyncScope
    pages: int = 1
    page: int = 1

    def __post_init__(self) -> None:
        if not (1 <= self.pages <= MAX_PAGES and self.pages & (self.pages - 1) == 0):
            raise ValueError(f"pages must be a power of two from 1 to {MAX_PAGES}")
        if not 1 <= self.page <= self.pages:
            raise ValueError("page must be from 1 to pages")

    def bounds(self) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """The page's ids as (after, below), both excluded; None: no bound on that side."""
        low = (self.page - 1) * ID_SPACE // self.pages
        high = self.page * ID_SPACE // self.pages
        return (
            uuid.UUID(int=low - 1) if low else None,
            uuid.UUID(int=high) if high < ID_SPACE else None,
        )

    def holds(self, treatment_id: uuid.UUID) -> bool:
        """Whether a treatment of the scope falls on this page (by its id)."""
        return treatment_id.int * self.pages // ID_SPACE == self.page - 1


def pages_for(documents: int) -> int:
    """How many pages a scope of `documents` is cut into for the manifest: the fewest (a
    power of two, at most MAX_PAGES) that keep a page at BUNDLE_PAGE_DOCUMENTS or fewer on
    average."""
    pages = 1
    while pages * settings.BUNDLE_PAGE_DOCUMENTS < documents and pages < MAX_PAGES:
        pages *= 2
    return pages


def _scope_fields(scope: SyncScope) -> dict[str, str]:
    return {"category": scope.category or "", "language": scope.language or ""}


def _fields(piece: BundleSlice) -> dict[str, object]:
    return {**_scope_fields(piece.scope), "pages": piece.pages, "page": piece.page}


def _document(row: dict[str, object]) -> str:
    return with_links(
        str(row["document_json"]),
        document_links(str(row["slug"]), int(row["revision_number"])),  # type: ignore[call-overload]
    )


def bundle_pieces(piece: BundleSlice, *, sequence: int) -> Iterator[tuple[str, int]]:
    """The bundle's JSON in pieces, each with its number of documents: a head, the live
    documents of the slice a page at a time, a tail.

    The token continues from `sequence`, read before the documents: a change that lands in
    between is in the documents and again in the first delta (harmless, never lost). It
    covers the whole scope, whichever page it comes with.
    """
    scope = piece.scope
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
    (after, below), first = piece.bounds(), True
    while True:
        rows = selectors.sync_live_page(scope=scope, after=after, below=below, limit=BUILD_PAGE)
        page = rows[:BUILD_PAGE]
        if page:
            yield ("" if first else ",") + ",".join(_document(r) for r in page), len(page)
            first = False
        if len(rows) <= BUILD_PAGE:
            break
        after = page[-1]["treatment_id"]
    yield "]}", 0


def bundle_part_build(piece: BundleSlice) -> BundlePart:
    """Build the part of `piece` at the change log's head, store it, and return it.

    Chunks are written as they fill; the part becomes visible (`complete`) in one short
    transaction at the end, which also deletes all but the previous part of the slice (kept
    so that downloads in progress finish).
    """
    sequence = selectors.change_log_head()
    part = BundlePart.objects.create(**_fields(piece), sequence=sequence, chunk_bytes=CHUNK_BYTES)
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

    for text, count in bundle_pieces(piece, sequence=sequence):
        raw = text.encode()
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
        same_slice = BundlePart.objects.filter(**_fields(piece)).exclude(pk=part.pk)
        previous = same_slice.filter(complete=True, sequence__lte=sequence).order_by(
            "-sequence", "-id"
        )
        keep = list(previous.values_list("pk", flat=True)[:1])
        same_slice.filter(complete=True, sequence__lte=sequence).exclude(pk__in=keep).delete()
        same_slice.filter(complete=False, built_at__lt=timezone.now() - ABANDONED_AFTER).delete()
    logger.info("Built %s: %s bytes of gzip", part, size)
    return part


def _stale(part: BundlePart) -> bool:
    """Built more than half the change log's retention ago: rebuilt even if nothing in its
    scope changed, so that a token taken from it (or from a manifest listing it) is never
    older than the sync keeps changes for (a 410 at the first sync after an install)."""
    kept_for = dt.timedelta(days=settings.SYNC_LOG_RETENTION_DAYS / 2)
    return part.built_at < timezone.now() - kept_for


def _servable(scope: SyncScope, sequence: int) -> bool:
    """Whether a part of `scope` built at `sequence` may still be served (the module's rule)."""
    if not settings.BUNDLE_PREBUILD:
        # No worker rebuilds parts: any change in scope since makes it out of date.
        return selectors.sync_first_change_after(scope=scope, since=sequence) is None
    return not selectors.sync_removed_since(scope=scope, since=sequence)


def bundle_part_stored(piece: BundleSlice) -> BundlePart | None:
    """The newest complete part of `piece`, if it may be served (see the module's rule)."""
    part = (
        BundlePart.objects.filter(**_fields(piece), complete=True)
        .order_by("-sequence", "-id")
        .first()
    )
    if part is None or _stale(part) or not _servable(piece.scope, part.sequence):
        return None
    return part


def bundle_part(piece: BundleSlice) -> BundlePart:
    """The part to serve for `piece`: the stored one if it may be served, else built now."""
    return bundle_part_stored(piece) or bundle_part_build(piece)


def _pages(
    scope: SyncScope, pages: int, *, usable: Callable[[int], bool]
) -> tuple[list[BundlePart], list[BundlePart]]:
    """Every page of `scope` cut into `pages`, in order, and those of them built now: the
    newest stored part of each page (all read in one query) if `usable(its sequence)`, checked
    once per build, else a new one."""
    stored = BundlePart.objects.filter(**_scope_fields(scope), pages=pages, complete=True)
    newest: dict[int, BundlePart] = {}
    for part in stored.order_by("page", "-sequence", "-id"):
        newest.setdefault(part.page, part)
    checked: dict[int, bool] = {}
    parts, built = [], []
    for number in range(1, pages + 1):
        kept = newest.get(number)
        if kept is not None and kept.sequence not in checked:
            checked[kept.sequence] = usable(kept.sequence)
        if kept is None or not checked[kept.sequence] or _stale(kept):
            kept = bundle_part_build(BundleSlice(scope, pages=pages, page=number))
            built.append(kept)
        parts.append(kept)
    return parts, built


def bundle_pages(scope: SyncScope, *, pages: int) -> list[BundlePart]:
    """Every page of `scope` cut into `pages`, in order: the stored ones that may be served,
    the others built now."""
    return _pages(scope, pages, usable=functools.partial(_servable, scope))[0]


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


def bundle_layout(*, language: str | None = None) -> dict[SyncScope, int]:
    """The scopes worth storing, each with the pages it is cut into: the whole bundle (of one
    language, or of all), and every other scope with at least one live document (one
    language's only). A category's scope is cut as `pages_for` its documents (the manifest
    lists its pages); the others are kept whole."""
    documents: dict[SyncScope, int] = {SyncScope(language=language): 0}
    for (category, lang), count in selectors.sync_live_counts().items():
        if language not in (None, lang):
            continue
        scopes = [SyncScope(language=language), SyncScope(category=category, language=lang)]
        if language is None:
            scopes += [SyncScope(language=lang), SyncScope(category=category)]
        for scope in scopes:
            documents[scope] = documents.get(scope, 0) + count
    ordered = sorted(documents, key=lambda s: (s.category or "", s.language or ""))
    return {s: pages_for(documents[s]) if s.category is not None else 1 for s in ordered}


def bundles_refresh() -> list[BundlePart]:
    """Rebuild every stored part whose scope changed since it was built; drop parts of scopes
    with no live document left, and pages of a cut the manifest no longer uses. Returns the
    parts built (none when all were current).

    Kept up to date: each scope of `bundle_layout` in its pages, and whole if it was stored
    whole (a category asked for without `page`).
    """
    layout = bundle_layout()
    stored = set(
        BundlePart.objects.filter(complete=True, pages=1)
        .order_by()
        .values_list("category", "language")
        .distinct()
    )
    built: list[BundlePart] = []
    kept: set[tuple[str, str, int]] = set()
    for scope, pages in layout.items():
        fields = _scope_fields(scope)
        key = (fields["category"], fields["language"])
        cuts = {pages} | ({1} if key in stored else set())
        unchanged = functools.partial(_unchanged, scope)
        for cut in sorted(cuts):
            kept.add((*key, cut))
            built += _pages(scope, cut, usable=unchanged)[1]
    # Finished parts only (and builds abandoned long ago): a request may be building one now.
    done = Q(complete=True) | Q(built_at__lt=timezone.now() - ABANDONED_AFTER)
    rows = BundlePart.objects.filter(done).values_list("pk", "category", "language", "pages")
    dropped = [pk for pk, *cut in rows if tuple(cut) not in kept]
    if dropped:
        BundlePart.objects.filter(pk__in=dropped).delete()
    return built


def _unchanged(scope: SyncScope, sequence: int) -> bool:
    return selectors.sync_first_change_after(scope=scope, since=sequence) is None


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
