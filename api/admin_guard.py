"""The admin's answers to hostile input: any sign-in username, invalid filter lookups.

- `axes_username` (django-axes' AXES_USERNAME_CALLABLE): the username a failed sign-in is
  recorded under, cut to the 255 characters axes can store. Without it a longer username (the
  sign-in form is unauthenticated) was a 500 on PostgreSQL, and the attempt was not counted.
- `AdminLookupGuardMiddleware`: a changelist filter the database refuses (`?title__regex=(`,
  an invalid regular expression) is a 400 page naming the filter, not a 500. Django already
  answers unknown filters itself; this covers values only the database can judge.
"""

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from .outage import database_unavailable

# django-axes' AccessAttempt.username (and AccessLog's) is a CharField(max_length=255).
AXES_USERNAME_MAX = 255
USERNAME_FIELD = "username"
# Changelist parameters that are not field lookups (django.contrib.admin.views.main).
ADMIN_RESERVED = frozenset(
    {"q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters"}
)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username of a sign-in attempt as axes records it: at most 255 characters."""
    if credentials:
        username = credentials.get(USERNAME_FIELD)
    else:
        username = getattr(request, "data", request.POST).get(USERNAME_FIELD)
    if not isinstance(username, str):
        return None
    return username[:AXES_USERNAME_MAX]


def _admin_prefix() -> str | None:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


def lookup_parameters(request: HttpRequest) -> list[str]:
    """The changelist filter lookups a request names (`title__regex`, `status`, ...)."""
    return sorted(name for name in request.GET if name not in ADMIN_RESERVED)


class AdminLookupGuardMiddleware:
    """Answer 400, not 500, when the database refuses an admin list's filter value."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError) or database_unavailable(exception):
            return None
        prefix = _admin_prefix()
        if prefix is None or not request.path.startswith(prefix) or request.method != "GET":
            return None
        names = lookup_parameters(request)
        if not names:
            return None  # not caused by a filter: a real error, let it be one
        body = format_html(
            "<!doctype html><html lang=en><title>Invalid filter</title>"
            "<h1>Invalid filter</h1><p>The database could not apply the filter {} to this "
            "list: {}.</p><p>Correct the value (a regular expression must be valid), or "
            '<a href="{}">show the list without filters</a>.</p></html>',
            ", ".join(names),
            str(exception).strip().splitlines()[0] if str(exception).strip() else "refused",
            request.path,
        )
        return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")
