"""The hot read path: live documents kept in each worker's memory for a few seconds.

Reads dominate, and a published document changes rarely, so each worker keeps the documents it
served recently (bytes, ETag, Last-Modified) in a bounded TTL cache and answers repeat requests
without touching the database or DRF's request machinery. A publish, unpublish or delete in this
process clears the entries at once; other workers see the change within `PUBLIC_MEMORY_TTL`
seconds (2 by default), well inside the `max-age` shared caches are allowed anyway. Set it to
0 to turn the cache off.
"""

import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from cachetools import Cache, LRUCache, TTLCache
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

from treatments.signals import publication_changed

from .conditional import VARY, is_not_modified_raw


@dataclass(frozen=True, slots=True)
class HotDocument:
    """A live document ready to send: its bytes and the headers that go with them."""

    body: bytes
    etag: str
    last_modified: str  # an HTTP date
    last_modified_epoch: int
    cache_control: str
    language: str


class WorkerMemory:
    """A thread-safe, bounded cache in this worker: with a TTL, or LRU only (`ttl=None`)."""

    def __init__(
        self, *, ttl: float | None, maxsize: int, timer: Callable[[], float] = time.monotonic
    ):
        self.enabled = ttl is None or ttl > 0
        self._cache: Cache[Hashable, Any] = (
            LRUCache(maxsize=max(maxsize, 1))
            if ttl is None
            else TTLCache(maxsize=max(maxsize, 1), ttl=max(ttl, 0.001), timer=timer)
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        if not self.enabled:
            return None
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if self.enabled:
            with self._lock:
                self._cache[key] = value

    def discard(self, *keys: Hashable) -> None:
        with self._lock:
            for key in keys:
                self._cache.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


class HotDocuments(WorkerMemory):
    """Hot documents by key, and the copy last served of each, for when the database is down.

    The hot entries expire after `PUBLIC_MEMORY_TTL`. The last-served copies are kept (LRU)
    with the time they were read from the database, and are used only while the database cannot
    answer, and only while younger than `PUBLIC_MAX_AGE`: no older than what a shared cache
    may serve anyway. A publish, unpublish or delete in this process forgets both at once.
    """

    def __init__(
        self, *, ttl: float | None, maxsize: int, timer: Callable[[], float] = time.monotonic
    ):
        super().__init__(ttl=ttl, maxsize=maxsize, timer=timer)
        self._timer = timer
        self._last_served: LRUCache[Hashable, tuple[float, HotDocument]] = LRUCache(
            maxsize=max(maxsize, 1)
        )

    def put(self, key: Hashable, value: Any) -> None:
        if self.enabled:
            with self._lock:
                self._cache[key] = value
                self._last_served[key] = (self._timer(), value)

    def discard(self, *keys: Hashable) -> None:
        with self._lock:
            for key in keys:
                self._cache.pop(key, None)
                self._last_served.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._last_served.clear()

    def last_served(self, key: Hashable, *, max_age: float) -> HotDocument | None:
        """The copy of `key` last read from the database, if younger than `max_age` seconds."""
        with self._lock:
            found = self._last_served.get(key)
        if found is None or self._timer() - found[0] > max_age:
            return None
        return found[1]


def _configured() -> HotDocuments:
    return HotDocuments(
        ttl=settings.PUBLIC_MEMORY_TTL, maxsize=settings.PUBLIC_MEMORY_MAX_DOCUMENTS
    )


_hot = _configured()


def hot_documents() -> HotDocuments:
    """This worker's cache of hot documents."""
    return _hot


@receiver(setting_changed)
def _reconfigure(setting: str, **kwargs: Any) -> None:
    global _hot
    if setting in ("PUBLIC_MEMORY_TTL", "PUBLIC_MEMORY_MAX_DOCUMENTS"):
        _hot = _configured()


@receiver(publication_changed)
def _forget_changed(sender: Any, slugs: tuple[str, ...] = (), **kwargs: Any) -> None:
    _hot.discard(*slugs)


def hot_document_for(
    *, body: str, etag: str, last_modified: dt.datetime, cache_control: str, language: str
) -> HotDocument:
    """Prepare a stored document for the hot path (encode once, format the date once)."""
    return HotDocument(
        body=body.encode(),
        etag=etag,
        last_modified=http_date(last_modified.timestamp()),
        last_modified_epoch=int(last_modified.timestamp()),
        cache_control=cache_control,
        language=language,
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
    """The response for a hot document: 304 when the client's copy is current, else the bytes."""
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
    response["Content-Language"] = document.language
    return response


DETAIL_ROUTE = "treatment-detail"
DETAIL_ALLOW = "GET, HEAD, OPTIONS"


def serve_last_served(request: HttpRequest, *, retry_after: int) -> HttpResponse | None:
    """While the database is down: a live document this worker served lately, or None.

    Only for a plain GET/HEAD of a document's URL (what the hot path answers). The copy may be
    up to `PUBLIC_MAX_AGE` old, so shared caches are told to keep it no longer than the client
    is told to wait before retrying.
    """
    match = request.resolver_match
    if (
        match is None
        or match.url_name != DETAIL_ROUTE
        or request.method not in ("GET", "HEAD")
        or request.META.get("QUERY_STRING")
        or not accepts_json_plainly(request.META.get("HTTP_ACCEPT"))
    ):
        return None
    document = _hot.last_served(match.kwargs.get("key", ""), max_age=settings.PUBLIC_MAX_AGE)
    if document is None:
        return None
    response = serve_hot(request, document, DETAIL_ALLOW)
    response["Cache-Control"] = f"public, max-age={retry_after}"
    return response
