"""Each worker's memories of live content, bounded, valid until the change log moves on.

Documents and pages are bounded by number and by bytes (PUBLIC_MEMORY_MAX_BYTES,
PUBLIC_MEMORY_MAX_PAGE_BYTES; least recently used first), so a worker's memory does not grow
with the catalogue. Parsed documents and withdrawn keys are bounded by number.

- `hot_documents()`: live documents as served, by the key they were asked for;
- `hot_pages()`: list pages and searches as served, by `api.hot.page_key`;
- `parsed_documents()`: parsed live documents (`api.live.documents.LiveDocument`), which the
  renditions, the card and oEmbed render from;
- `withdrawn_documents()`: keys found withdrawn (their slug and when), so that a 410 is
  answered without a query once known, until the change log moves on.

Created here, rebuilt when the settings change (tests), and cleared on a publication in this
process by `api.live.receivers`. The mechanism (`WorkerMemory`, the change-log head, serving
the kept bytes) is `api.hot`.
"""

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from api.hot import WorkerMemory, accepts_json_plainly, change_log_head, live_memory, serve_hot

# Per worker: a parsed document takes some tens of kB.
PARSED_DOCUMENTS = 256


def _configured() -> tuple[WorkerMemory, WorkerMemory]:
    return (
        live_memory(
            maxsize=settings.PUBLIC_MEMORY_MAX_DOCUMENTS,
            maxbytes=settings.PUBLIC_MEMORY_MAX_BYTES,
        ),
        live_memory(
            maxsize=settings.PUBLIC_MEMORY_MAX_PAGES,
            maxbytes=settings.PUBLIC_MEMORY_MAX_PAGE_BYTES,
        ),
    )


def _configured_parsed() -> WorkerMemory:
    maxsize = max(min(settings.PUBLIC_MEMORY_MAX_DOCUMENTS, PARSED_DOCUMENTS), 1)
    return live_memory(maxsize=maxsize)


_hot, _pages = _configured()
_parsed = _configured_parsed()
_withdrawn = live_memory(maxsize=settings.PUBLIC_MEMORY_MAX_DOCUMENTS)


def hot_documents() -> WorkerMemory:
    """This worker's memory of live documents, by the key they were asked for."""
    return _hot


def hot_pages() -> WorkerMemory:
    """This worker's memory of list pages and searches, by `page_key`."""
    return _pages


def parsed_documents() -> WorkerMemory:
    """This worker's memory of parsed live documents (`LiveDocument`), by the key asked for."""
    return _parsed


def withdrawn_documents() -> WorkerMemory:
    """This worker's memory of withdrawn treatments: (slug, withdrawn at), by the key asked for."""
    return _withdrawn


@receiver(setting_changed)
def _reconfigure(setting: str, **kwargs: Any) -> None:
    global _hot, _pages, _parsed, _withdrawn
    if setting in (
        "PUBLIC_MEMORY_TTL",
        "PUBLIC_MEMORY_MAX_DOCUMENTS",
        "PUBLIC_MEMORY_MAX_PAGES",
        "PUBLIC_MEMORY_MAX_BYTES",
        "PUBLIC_MEMORY_MAX_PAGE_BYTES",
    ):
        change_log_head().forget()
        _hot, _pages = _configured()
    if setting in ("PUBLIC_MEMORY_TTL", "PUBLIC_MEMORY_MAX_DOCUMENTS"):
        _parsed = _configured_parsed()
        _withdrawn = live_memory(maxsize=settings.PUBLIC_MEMORY_MAX_DOCUMENTS)


# Longer Accept-Language headers are never a memory key: they would only crowd real ones out.
MAX_KEYED_ACCEPT_LANGUAGE = 200


def document_memory_key(key: Any, meta: Any) -> Any:
    """The key of a live document in `hot_documents()`: the key it was asked for, with the
    Accept-Language it was negotiated on (an English answer is never kept for a Spanish
    request); None (never kept) for an unusually long header."""
    accept_language = meta.get("HTTP_ACCEPT_LANGUAGE")
    if accept_language is None:
        return key
    if len(accept_language) > MAX_KEYED_ACCEPT_LANGUAGE:
        return None
    return (key, accept_language.strip())


DETAIL_ROUTE = "treatment-detail"
DETAIL_ALLOW = "GET, HEAD, OPTIONS"


def serve_last_served(request: HttpRequest, *, retry_after: int) -> HttpResponse | None:
    """While the database is down: a live document this worker holds in memory, or None.

    The memory outlives a database outage (the change-log head keeps its last value when it
    cannot be read), so this answers the requests that reached DRF anyway (e.g. the hot path's
    rate-limit check failed over to DRF). Only for a plain GET/HEAD of a document's URL. Shared
    caches are told to keep it no longer than the client is told to wait before retrying.
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
    key = document_memory_key(match.kwargs.get("key", ""), request.META)
    if key is None:
        return None
    try:
        document = _hot.get(key)
    except DatabaseError:
        return None
    if document is None:
        return None
    response = serve_hot(request, document, DETAIL_ALLOW)
    response["Cache-Control"] = f"public, max-age={retry_after}"
    return response
