"""The hot read path's mechanism: bounded worker memories, the change-log head, kept bytes.

Reads dominate, and published content changes rarely, so each worker keeps what it served
recently (bytes, ETag, Last-Modified) and answers repeat requests without touching the database
or DRF's request machinery. What a worker keeps is valid for one state of the publication
change log: the newest entry (its sequence and time) is the *generation*. Each worker re-reads
the change-log head at most every `PUBLIC_MEMORY_TTL` seconds (1 by default; one indexed query)
and drops everything it kept when the head moved. So:

- a publish, unpublish, delete, revert, category or slug change in this process is seen at once
  (`api.live.receivers` makes the worker re-read the head on its next request);
- one made by another worker (or another machine) is seen within `PUBLIC_MEMORY_TTL` seconds;
- nothing expires while nothing is published, however many documents a fleet rotates over.

A move of the head forgets only what it changed: the head is re-read together with the entries
since the last one seen (the same one query), and a memory drops the entries *tagged* with a
treatment those entries name (or kept under one of their slugs), and every untagged entry (list
pages and searches, which any change may alter). When the worker cannot tell what changed (more
than `MAX_TRACKED_CHANGES` entries at once, a rolled-back number, a race between two reads),
everything is dropped, as before.

Set `PUBLIC_MEMORY_TTL` to 0 to turn the memory off (every request then reads the database).
The memories themselves (documents, pages, parsed documents) are `api.live.memories`.
"""

import datetime as dt
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from cachetools import Cache, LRUCache, TTLCache
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

from treatments import selectors

from .conditional import VARY, VARY_LANGUAGE, is_not_modified_raw

logger = logging.getLogger(__name__)

# The newest change-log entry: (sequence, created_at); (0, None) before anything was published.
# The time is part of it because SQLite can hand a rolled-back sequence number out again.
Generation = tuple[int, dt.datetime | None]

# At most this many entries are read with the head; more at once, and memories drop everything.
MAX_TRACKED_CHANGES = 256
# The head remembers this many of its last moves, for memories that were not asked since.
MOVES_KEPT = 64


@dataclass(frozen=True, slots=True)
class Changed:
    """What a move of the head changed: the treatments (tags) and the slugs they were under."""

    tags: frozenset[Hashable]
    keys: frozenset[Hashable]

    def __or__(self, other: "Changed") -> "Changed":
        return Changed(tags=self.tags | other.tags, keys=self.keys | other.keys)


# (from, to, what changed in between; None: unknown, so everything).
Move = tuple[Generation, Generation, Changed | None]


def read_head_since(known: Generation) -> tuple[Generation, Changed | None]:
    """The change-log head, and what changed since `known` (None when that cannot be told)."""
    if known[0] == 0:
        return selectors.change_log_head_marker(), None
    rows = selectors.change_log_since(sequence=known[0], limit=MAX_TRACKED_CHANGES + 1)
    if not rows:
        return (0, None), None
    head: Generation = (rows[0].sequence, rows[0].created_at)
    oldest = rows[-1]
    if len(rows) > MAX_TRACKED_CHANGES or (oldest.sequence, oldest.created_at) != known:
        return head, None
    newer = rows[:-1]
    return head, Changed(
        tags=frozenset(row.treatment_id for row in newer),
        keys=frozenset(row.slug for row in newer),
    )


class ChangeLogHead:
    """This worker's view of the change-log head, re-read at most every `interval()` seconds."""

    def __init__(
        self,
        *,
        interval: float | None = None,
        timer: Callable[[], float] = time.monotonic,
        read: Callable[[], Generation] | None = None,
    ) -> None:
        self._interval = interval  # None: settings.PUBLIC_MEMORY_TTL, read on every use
        self.timer = timer  # replaceable in tests
        # A `read` of the head alone cannot tell what changed: its moves forget everything.
        self._read: Callable[[Generation], tuple[Generation, Changed | None]] = (
            read_head_since if read is None else lambda known: (read(), None)
        )
        self._value: Generation = (0, None)
        self._read_at = -math.inf
        self._moves: deque[Move] = deque(maxlen=MOVES_KEPT)
        self._lock = threading.Lock()

    def interval(self) -> float:
        return settings.PUBLIC_MEMORY_TTL if self._interval is None else self._interval

    @property
    def enabled(self) -> bool:
        return self.interval() > 0

    def current(self) -> Generation | None:
        """The head if it was read within the interval, else None."""
        if self.timer() - self._read_at < self.interval():
            return self._value
        return None

    def generation(self) -> Generation:
        """The head: remembered, or read from the database (one query) when it is too old."""
        value = self.current()
        if value is None:
            # Stamped with the time *before* the read: the value is at least that fresh.
            started = self.timer()
            known = self._value
            changed: Changed | None = None
            try:
                value, changed = self._read(known)
            except DatabaseError:
                if connection.in_atomic_block:
                    raise  # the caller's transaction is broken: let it fail as it must
                # The database is unreachable: keep the last head seen, so that what this
                # worker holds is still served while the outage lasts (requests that need
                # the database fail as they would anyway); try again after the interval.
                logger.warning("Cannot read the change-log head; serving from memory.")
                value = known
            with self._lock:
                if started >= self._read_at:
                    if value != self._value:
                        # What was read covers `known` -> `value`; if another read moved the
                        # head meanwhile, this move's changes are not known exactly.
                        exact = changed if known == self._value else None
                        self._moves.append((self._value, value, exact))
                    self._value, self._read_at = value, started
        return value

    def changed_between(self, old: Generation | None, new: Generation) -> Changed | None:
        """What changed from generation `old` to `new`, or None when this head cannot tell."""
        if old is None:
            return None
        with self._lock:
            moves = list(self._moves)
        changed = Changed(tags=frozenset(), keys=frozenset())
        at = old
        for start, end, what in moves:
            if start != at:
                continue  # an earlier move (the deque keeps the last few, in order)
            if what is None:
                return None
            changed, at = changed | what, end
            if at == new:
                return changed
        return None

    def forget(self, **kwargs: Any) -> None:
        """Re-read the head on the next request (a change was committed in this process)."""
        with self._lock:
            self._read_at = -math.inf


_head = ChangeLogHead()


def change_log_head() -> ChangeLogHead:
    """This worker's view of the change-log head (shared by every in-memory cache)."""
    return _head


@dataclass(frozen=True, slots=True)
class _Tagged:
    value: Any
    tag: Hashable | None


# What an entry costs beyond the bytes it holds (key, object headers, headers to send), roughly.
ENTRY_OVERHEAD = 512


def approximate_size(value: Any) -> int:
    """The bytes an entry holds, roughly: its body (or the bytes and strings of a tuple) plus
    a fixed overhead. Objects of other kinds count the overhead only (bound them by number)."""
    if isinstance(value, _Tagged):
        value = value.value
    parts = value if isinstance(value, tuple) else (getattr(value, "body", value),)
    return ENTRY_OVERHEAD + sum(len(p) for p in parts if isinstance(p, str | bytes))


class WorkerMemory:
    """A thread-safe, bounded cache in this worker.

    With `head`, entries are valid until the change log changes what they show (LRU in
    between): when the head moves, an entry put with the `tag` of a treatment the move changed,
    or under a key that is one of the changed slugs, is dropped, and so is every entry put
    without a tag. Without `head`: a TTL cache (`ttl`) or LRU only.
    Bounded by number (`maxsize`) and, with `maxbytes`, also by size (`approximate_size`): the
    least recently used entries go first, and an entry bigger than the whole budget is not kept.
    """

    def __init__(
        self,
        *,
        maxsize: int,
        maxbytes: int | None = None,
        ttl: float | None = None,
        head: ChangeLogHead | None = None,
        timer: Callable[[], float] = time.monotonic,
    ):
        self.head = head
        self.enabled = head.enabled if head is not None else (ttl is None or ttl > 0)
        self.maxsize = max(maxsize, 1)
        self.maxbytes = maxbytes
        self._cache: Cache[Hashable, Any]
        if maxbytes is not None:
            self._cache = LRUCache(maxsize=max(maxbytes, 1), getsizeof=approximate_size)
        elif ttl is not None and head is None:
            self._cache = TTLCache(maxsize=self.maxsize, ttl=max(ttl, 0.001), timer=timer)
        else:
            self._cache = LRUCache(maxsize=self.maxsize)
        self._generation: Generation | None = None
        self._lock = threading.Lock()

    def generation(self) -> Generation | None:
        """The generation entries are kept for now (dropping older ones); None without a head.

        Read it *before* querying what you will `put`, and pass it to `put`: an entry built
        from data older than a head this worker already saw is then never kept.
        """
        if self.head is None or not self.enabled:
            return None
        head = self.head
        generation = head.generation()
        if generation != self._generation:
            with self._lock:
                if generation != self._generation:
                    changed = head.changed_between(self._generation, generation)
                    if changed is None:
                        self._cache.clear()
                    else:
                        self._drop(changed.tags, changed.keys)
                    self._generation = generation
        return generation

    def get(self, key: Hashable) -> Any:
        if not self.enabled:
            return None
        self.generation()
        with self._lock:
            entry: _Tagged | None = self._cache.get(key)
        return None if entry is None else entry.value

    def put(
        self,
        key: Hashable,
        value: Any,
        *,
        generation: Generation | None = None,
        tag: Hashable | None = None,
    ) -> None:
        """Keep `value`; `tag` names the one treatment it shows (None: it may show any)."""
        if not self.enabled:
            return
        with self._lock:
            if generation is not None and generation != self._generation:
                return  # built from an older state than this worker has seen since
            try:
                self._cache[key] = _Tagged(value, tag)
            except ValueError:  # bigger than the whole byte budget: served, not kept
                self._cache.pop(key, None)
                return
            while len(self._cache) > self.maxsize:
                self._cache.popitem()  # the least recently used

    @property
    def currsize(self) -> int:
        """Bytes held (approximate_size) with a byte budget, else the number of entries."""
        return int(self._cache.currsize)

    def discard(self, *keys: Hashable) -> None:
        with self._lock:
            for key in keys:
                self._cache.pop(key, None)

    def forget_changed(self, *, tags: Iterable[Hashable], keys: Iterable[Hashable]) -> None:
        """Drop the entries tagged with one of `tags` or kept under one of `keys`, and every
        entry kept without a tag."""
        with self._lock:
            self._drop(frozenset(tags), frozenset(keys))

    def _drop(self, tags: frozenset[Hashable], keys: frozenset[Hashable]) -> None:
        cache = self._cache
        # Cache.__getitem__ reads without refreshing the LRU order (LRUCache's would).
        doomed = [
            key
            for key in list(cache.keys())
            if key in keys
            or (entry := Cache.__getitem__(cache, key)).tag is None
            or entry.tag in tags
        ]
        for key in doomed:
            del cache[key]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)


# Hot documents by slug, hot list pages by `page_key` (HotDocument values).
HotDocuments = WorkerMemory


def live_memory(*, maxsize: int, maxbytes: int | None = None) -> WorkerMemory:
    """A memory of live content in this worker, valid until the change log moves on."""
    return WorkerMemory(maxsize=maxsize, maxbytes=maxbytes, head=_head)


def _url_meta() -> tuple[str, ...]:
    """The request META keys an absolute URL built from the request depends on (DRF's `next`
    links): the host and scheme, and the proxy headers only where the settings trust them (an
    untrusted X-Forwarded-Host must not split the memory into useless copies)."""
    names = ["wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT"]
    if settings.USE_X_FORWARDED_HOST:
        names.append("HTTP_X_FORWARDED_HOST")
    if settings.USE_X_FORWARDED_PORT:
        names.append("HTTP_X_FORWARDED_PORT")
    if settings.SECURE_PROXY_SSL_HEADER:
        names.append(settings.SECURE_PROXY_SSL_HEADER[0])
    return tuple(names)


def page_key(request: HttpRequest, collection: str) -> tuple[Any, ...] | None:
    """The memory key of a list page: the collection, the query as a sorted list of pairs
    (order and percent-encoding do not matter) and what absolute links are built from.

    None for a query whose answer depends on the date (`review_status`), never kept.
    """
    meta = request.META
    query = meta.get("QUERY_STRING", "")
    try:
        pairs = (
            tuple(sorted(parse_qsl(query, keep_blank_values=True, errors="strict")))
            if query
            else ()
        )
    except UnicodeDecodeError:
        return None  # not UTF-8: a 400 from DRF, and never the key of a kept page
    if any(name == "review_status" for name, _ in pairs):
        return None
    return (collection, pairs, *(meta.get(name) for name in _url_meta()))


@dataclass(frozen=True, slots=True)
class HotDocument:
    """A live representation ready to send: its bytes and the headers that go with them."""

    body: bytes
    etag: str
    last_modified: str  # an HTTP date
    last_modified_epoch: int
    cache_control: str
    language: str = ""  # Content-Language, when the representation has one
    # Further headers of the representation (a document's language links, Content-Location).
    headers: tuple[tuple[str, str], ...] = ()


def hot_document_for(
    *,
    body: str | bytes,
    etag: str,
    last_modified: dt.datetime,
    cache_control: str,
    language: str = "",
    headers: dict[str, str] | None = None,
) -> HotDocument:
    """Prepare a stored representation for the hot path (encode once, format the date once)."""
    return HotDocument(
        body=body.encode() if isinstance(body, str) else body,
        etag=etag,
        last_modified=http_date(last_modified.timestamp()),
        last_modified_epoch=int(last_modified.timestamp()),
        cache_control=cache_control,
        language=language,
        headers=tuple((headers or {}).items()),
    )


class AnonymousReader:
    """What a throttle needs to see of a public request: its address, and that it is anonymous.

    Public views authenticate no one (DRF gives them an AnonymousUser); touching Django's lazy
    `request.user` here would load the session and add `Vary: Cookie` for nothing.
    """

    __slots__ = ("META", "auth", "headers", "user")

    def __init__(self, request: HttpRequest) -> None:
        self.META = request.META
        self.headers = request.headers
        self.user = AnonymousUser()
        self.auth: Any = None  # the partner's ApiKey when the request carries a valid key


def accepts_json_plainly(accept: str | None) -> bool:
    """True for the Accept headers DRF would answer with JSON without negotiation surprises."""
    return accept is None or accept.strip() in {"", "*/*", "application/json", "application/*"}


def serve_hot(request: HttpRequest, document: HotDocument, allow: str) -> HttpResponse:
    """The response for a hot representation: 304 when the client's copy is current, else it."""
    if is_not_modified_raw(
        request.META.get("HTTP_IF_NONE_MATCH"),
        request.META.get("HTTP_IF_MODIFIED_SINCE"),
        etag=document.etag,
        last_modified_epoch=document.last_modified_epoch,
    ):
        response: HttpResponse = HttpResponseNotModified()
    else:
        body = b"" if request.method == "HEAD" else document.body
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = document.etag
    response["Last-Modified"] = document.last_modified
    response["Cache-Control"] = document.cache_control
    response["Vary"] = VARY
    response["Allow"] = allow
    if document.language:
        # A representation with a language is negotiated on Accept-Language (api/v1/languages).
        response["Content-Language"] = document.language
        response["Vary"] = VARY_LANGUAGE
    for name, value in document.headers:
        response[name] = value
    return response
