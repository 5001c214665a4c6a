"""Surrogate keys and an edge TTL on public answers, for a shared cache that purges by key.

With EDGE_PURGE_URL set (a Varnish with config/edge/default.vcl in front of the API), every
anonymous, public, cacheable GET/HEAD answer (200, 301, 404, 410) gets

    xkey: all treatment:<key> ...             what the answer shows, as surrogate keys
    Surrogate-Control: max-age=EDGE_MAX_AGE  how long the edge may keep it (clients never see it)

and the worker purges exactly the keys a public change makes stale (events/edge.py, which
names the keys). The edge keeps only what carries Surrogate-Control, so anything this
middleware does not mark (the editor API, the admin, errors, keyed or session answers, answers
that set a cookie or say `private`/`no-store`) is never shared: the VCL passes keyed requests
too, and this is the second lock.

The keys come from the request path alone (no URL resolution): it runs on the hot read path.
Place it right after SecurityMiddleware, so that answers made by any middleware below it
(HotReadMiddleware's from memory included) get the headers. Without EDGE_PURGE_URL it removes
itself from the chain (MiddlewareNotUsed) and costs nothing.

An edge fetch (a cache miss) carries `Surrogate-Capability` (set by the VCL): the answer may be
kept for a day, so this worker re-reads the change-log head first instead of answering from a
memory up to PUBLIC_MEMORY_TTL old, which could put a just-withdrawn document back in the cache
right after its purge. One indexed query per edge miss.
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.urls import reverse

from api.hot import change_log_head
from events.edge import (
    KEY_ALL,
    KEY_BUNDLE,
    KEY_CATEGORIES,
    KEY_STATIC,
    KEY_SYNC,
    KEY_TREATMENTS,
    category_key,
    treatment_keys_of_url_key,
)

# The answers an edge may share: documents, lists, redirects from former slugs, misses, and
# withdrawn treatments (410), which must be purged when they come back.
SHAREABLE_STATUSES = frozenset({200, 301, 404, 410})
EDGE_FETCH_META = "HTTP_SURROGATE_CAPABILITY"
KEY_HEADER = "xkey"
# The list filter whose answer depends on today's date (as api.hot.page_key knows): not shared.
DATED_FILTER = "review_status"
CONTROL_HEADER = "Surrogate-Control"


@functools.cache
def _routes() -> tuple[str, dict[str, str], str, str]:
    """(treatments prefix, exact paths → key, embed card prefix, oEmbed path), resolved once."""
    exact = {
        reverse("v1:category-list"): KEY_CATEGORIES,
        reverse("v1:sync"): KEY_SYNC,
        reverse("v1:bundle"): KEY_BUNDLE,
        reverse("v1:root"): KEY_STATIC,
        reverse("v1:schema-treatment-document"): KEY_STATIC,
        reverse("openapi-schema"): KEY_STATIC,
    }
    card = reverse("embed:treatment-card", kwargs={"key": "k"}).removesuffix("k/")
    return reverse("v1:treatment-list"), exact, card, reverse("oembed")


def _first_segment(rest: str) -> str:
    return rest.split("/", 1)[0]


def _oembed_keys(query: QueryDict, treatments: str, card: str) -> list[str]:
    """The treatment an oEmbed request asks about: the key in its `url` parameter."""
    url = query.get("url") or ""
    for prefix in (treatments, card):
        at = url.find(prefix)
        if at >= 0:
            key = _first_segment(url[at + len(prefix) :].split("?", 1)[0].split("#", 1)[0])
            if key:
                return treatment_keys_of_url_key(key)
    return []


def surrogate_keys_for(path: str, query: QueryDict) -> list[str]:
    """The surrogate keys of a public answer at `path` (empty: never shared at the edge)."""
    treatments, exact, card, oembed = _routes()
    keys: list[str]
    if path.startswith(treatments):
        rest = path[len(treatments) :]
        if not rest:
            if DATED_FILTER in query:
                return []  # its answer changes with the date, not with a publication
            categories = query.getlist("category")
            key = category_key(categories[0]) if len(categories) == 1 else None
            keys = [key or KEY_TREATMENTS]
        else:
            keys = treatment_keys_of_url_key(_first_segment(rest))
    elif path in exact:
        keys = [exact[path]]
    elif path.startswith(card):
        keys = treatment_keys_of_url_key(_first_segment(path[len(card) :]))
    elif path == oembed:
        keys = _oembed_keys(query, treatments, card)
    else:
        return []
    return [KEY_ALL, *keys]


def is_anonymous(request: HttpRequest) -> bool:
    """No partner key, no credentials, no session: an answer anyone could have had."""
    meta = request.META
    return (
        "HTTP_X_API_KEY" not in meta
        and "HTTP_AUTHORIZATION" not in meta
        and ("HTTP_COOKIE" not in meta or settings.SESSION_COOKIE_NAME not in request.COOKIES)
    )


def is_shareable(response: HttpResponseBase) -> bool:
    """An answer a shared cache may keep: a shareable status, no cookie, nothing private."""
    if response.status_code not in SHAREABLE_STATUSES or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return "private" not in cache_control and "no-store" not in cache_control


class SurrogateKeyMiddleware:
    """Mark anonymous public answers for the edge cache (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not settings.EDGE_PURGE_URL:
            raise MiddlewareNotUsed("EDGE_PURGE_URL is not set: no edge cache to mark for.")
        self.get_response = get_response
        self.surrogate_control = f"max-age={int(settings.EDGE_MAX_AGE)}"

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if EDGE_FETCH_META in request.META:
            change_log_head().forget()  # the edge keeps this answer: build it from the newest
        response = self.get_response(request)
        if is_shareable(response) and is_anonymous(request):
            keys = surrogate_keys_for(request.path_info, request.GET)
            if keys:
                response[KEY_HEADER] = " ".join(keys)
                response[CONTROL_HEADER] = self.surrogate_control
        return response
