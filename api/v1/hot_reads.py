"""Repeat reads answered before URL resolution: the hot path of the busiest public URLs.

A repeat read of a live document, a list page or a search is answered from this worker's
memory (`api.hot`) by the view's own `answer_from_memory`, so the rate limit, the memory keys
and the headers are the view's; so is an app's poll of the sync feed with a token already at
the change log's head (an empty delta, most often a 304). Doing it here skips Django's URL
resolution (three nested `include()`s) and the view wrapper, the largest costs a hit still
paid in the view's `dispatch`. A plain miss (a live document by its slug, a plain catalogue
page) is answered here too, by the view's own `answer_plain_miss`, as its `dispatch` would
answer it (tests/api/test_miss_paths_over_http.py). Place the middleware last: every other
middleware still sees the request and the response. Anything it does not answer continues down
the ordinary path, and the view does not try either again (`tried_early`).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from api.replica import public_reads

from . import views
from .base import PublicView, tried_early
from .sync.views import SyncView


@functools.cache
def _paths() -> tuple[str, str, str]:
    return reverse("v1:treatment-list"), reverse("v1:category-list"), reverse("v1:sync")


def hot_route(path: str) -> tuple[type[PublicView], dict[str, Any]] | None:
    """The view (and its URL keyword arguments) a path would resolve to, for hot-path views."""
    treatments, categories, sync = _paths()
    if path.startswith(treatments):
        rest = path[len(treatments) :]
        if not rest:
            return views.TreatmentListView, {}
        # `treatments/<str:key>/`: one non-empty segment without "/".
        if len(rest) > 1 and rest.endswith("/") and "/" not in rest[:-1]:
            return views.TreatmentDetailView, {"key": rest[:-1]}
        return None
    if path == categories:
        return views.CategoryListView, {}
    if path == sync:
        return SyncView, {}
    return None


class HotReadMiddleware:
    """Answer repeat reads of documents, pages and searches from memory (place it last)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in ("GET", "HEAD"):
            route = hot_route(request.path_info)
            if route is not None:
                view_class, kwargs = route
                view = view_class()
                failed = False
                with public_reads(request):  # as the view's own dispatch does
                    response = view.answer_from_memory(request, kwargs)
                    if response is None:
                        try:
                            response = view.answer_plain_miss(request, kwargs)
                        except DatabaseError:
                            # The view meets it again and answers as it always has
                            # (api/outage.py: 503, or the copy it last served).
                            failed = True
                if response is not None:
                    return response
                if not failed:
                    # The view's dispatch does not try again, and learns what this one found.
                    tried_early(request, view)
        return self.get_response(request)
