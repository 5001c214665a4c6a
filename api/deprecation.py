"""Deprecations: one registry, the response headers that announce them, and their OpenAPI marks.

Each entry of `DEPRECATIONS` names a deprecated operation, query parameter or response field,
when it was deprecated, when it goes (its sunset) and the changelog entry that explains what to
use instead. From that one list:

- `DeprecationHeadersMiddleware` writes, on every successful answer (2xx, 304) of a deprecated
  operation or of one whose body carries a deprecated field, and on any answer to a request
  that uses a deprecated query parameter:

      Deprecation: @1796428800                       (RFC 9745: a date, as seconds since 1970)
      Sunset: Tue, 05 Dec 2028 00:00:00 GMT          (RFC 8594: an HTTP-date)
      Link: </api/v1/changelog/#2026-12-05-bundle-sync-token>; rel="deprecation"

  It sits outside the worker-memory fast paths, so answers served from memory get them too.
- `mark_deprecated` (a drf-spectacular post-processing hook) sets `deprecated: true` on those
  operations, parameters and component properties in openapi.yaml, and declares the headers.

The policy (how long a deprecation lasts, how clients react) is docs/reference/api-evolution.md.
"""

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from api.v1.changelog import CHANGES

DEPRECATION_HEADER = "Deprecation"
SUNSET_HEADER = "Sunset"
LINK_HEADER = "Link"


@dataclass(frozen=True)
class Deprecated:
    """A deprecated operation, query parameter or response field of one operation."""

    operation_id: str
    method: str
    # The request paths of the operation (a regular expression matched from the start).
    path: str
    # The changelog entry (api/v1/changelog.py) that says what to use instead.
    change: str
    deprecated_at: dt.datetime
    sunset: dt.datetime
    # A query parameter: the headers go only on answers to requests that use it.
    parameter: str = ""
    # Response fields ("Component.property" in openapi.yaml): always sent, so always announced.
    fields: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        assert self.deprecated_at.tzinfo and self.sunset.tzinfo, "give aware UTC datetimes"
        assert self.sunset > self.deprecated_at, "the sunset comes after the deprecation"
        assert not (self.parameter and self.fields), "one kind per entry"
        object.__setattr__(self, "pattern", re.compile(self.path))

    @property
    def target(self) -> str:
        """What is deprecated: `operation`, `parameter` or `field`."""
        return "parameter" if self.parameter else "field" if self.fields else "operation"

    @property
    def link(self) -> str:
        return next(c.link for c in CHANGES if c.id == self.change)

    def applies(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        """Whether this answer concerns the deprecated thing (the path already matched)."""
        method = "GET" if request.method == "HEAD" else request.method
        if method != self.method or not self.pattern.match(request.path_info):
            return False
        if self.parameter:
            return self.parameter in request.GET
        return 200 <= response.status_code < 300 or response.status_code == 304


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)


# Two years from deprecation to sunset: a mobile app in the field can be that old.
SUNSET_2028 = _utc(2028, 12, 5)


def _absolute_page_links(operation_id: str, path: str, component: str) -> Deprecated:
    """A list whose pages still send the absolute `next`/`previous` beside `links`."""
    return Deprecated(
        operation_id=operation_id,
        method="GET",
        path=path,
        change="2026-12-05-page-absolute-links",
        deprecated_at=_utc(2026, 12, 5),
        sunset=SUNSET_2028,
        fields=(f"{component}.next", f"{component}.previous"),
    )


DEPRECATIONS: tuple[Deprecated, ...] = (
    Deprecated(
        operation_id="bundle",
        method="GET",
        path=r"/api/v1/bundle/$",
        change="2026-12-05-bundle-sync-token",
        deprecated_at=_utc(2026, 12, 5),
        sunset=SUNSET_2028,
        fields=("Bundle.sync_token",),
    ),
    _absolute_page_links(
        "treatments_list", r"/api/v1/treatments/$", "PaginatedTreatmentSummaryList"
    ),
    _absolute_page_links("categories_list", r"/api/v1/categories/$", "PaginatedCategoryList"),
    _absolute_page_links(
        "treatments_revisions_list", r"/api/v1/treatments/[^/]+/revisions/$", "RevisionPage"
    ),
    _absolute_page_links(
        "editor_treatments_list", r"/api/v1/editor/treatments/$", "WorkingCopyPage"
    ),
)


def deprecation_headers(entries: Iterable[Deprecated]) -> dict[str, str]:
    """The three headers for the deprecations an answer concerns (earliest dates first)."""
    found = list(entries)
    if not found:
        return {}
    deprecated_at = min(d.deprecated_at for d in found)
    sunset = min(d.sunset for d in found)
    links = dict.fromkeys(f'<{d.link}>; rel="deprecation"' for d in found)
    return {
        DEPRECATION_HEADER: f"@{int(deprecated_at.timestamp())}",
        SUNSET_HEADER: format_datetime(sunset, usegmt=True),
        LINK_HEADER: ", ".join(links),
    }


def stamp_deprecations(
    request: HttpRequest, response: HttpResponseBase, entries: Iterable[Deprecated]
) -> None:
    """Write the headers of the deprecations this answer concerns; a Link already set stays."""
    headers = deprecation_headers(d for d in entries if d.applies(request, response))
    for name, value in headers.items():
        if name == LINK_HEADER and response.has_header(LINK_HEADER):
            value = f"{response[LINK_HEADER]}, {value}"
        response[name] = value


class DeprecationHeadersMiddleware:
    """Announce deprecations on the answers they concern, fast paths included."""

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponseBase],
        entries: tuple[Deprecated, ...] = DEPRECATIONS,
    ) -> None:
        self.get_response = get_response
        self.entries = entries
        # One pattern for every deprecated path: most answers are settled by one match.
        self.any_path = re.compile("|".join(f"(?:{d.path})" for d in entries) or r"(?!)")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.any_path.match(request.path_info):
            stamp_deprecations(request, response, self.entries)
        return response


def _header(description: str) -> dict[str, Any]:
    return {"schema": {"type": "string"}, "description": description}


DOCUMENTED_HEADERS = {
    DEPRECATION_HEADER: _header(
        "RFC 9745: when what this answer concerns was deprecated, `@` and seconds since 1970."
    ),
    SUNSET_HEADER: _header("RFC 8594: when it goes away (an HTTP-date)."),
}
DEPRECATION_LINK = _header(
    'The changelog entry of each deprecation: `<…/changelog/#id>; rel="deprecation"`.'
)


def mark_deprecated(
    result: dict[str, Any], generator: Any, request: Any, public: bool, **kwargs: Any
) -> dict[str, Any]:
    """Mark the registry's entries `deprecated: true` in the OpenAPI document, and their headers.

    A drf-spectacular post-processing hook. It fails the generation when an entry names an
    operation, parameter or field the document does not have: the registry cannot drift.
    """
    operations = {
        op["operationId"]: op
        for item in result.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    schemas = result.get("components", {}).get("schemas", {})
    if not any(entry.operation_id in operations for entry in DEPRECATIONS):
        # A document of a few routes (a test's own SchemaGenerator(patterns=…)), not the API's.
        return result
    for entry in DEPRECATIONS:
        operation = operations.get(entry.operation_id)
        assert operation is not None, f"api/deprecation.py: no operation {entry.operation_id!r}"
        if entry.target == "operation":
            operation["deprecated"] = True
        elif entry.target == "parameter":
            parameter = next(
                (p for p in operation.get("parameters", []) if p.get("name") == entry.parameter),
                None,
            )
            assert parameter is not None, f"{entry.operation_id} has no {entry.parameter!r}"
            parameter["deprecated"] = True
        for name in entry.fields:
            component, _, prop = name.partition(".")
            properties = schemas.get(component, {}).get("properties", {})
            assert prop in properties, f"api/deprecation.py: openapi.yaml has no {name}"
            properties[prop]["deprecated"] = True
        for status, response in operation.get("responses", {}).items():
            if entry.target == "parameter" or str(status).startswith(("2", "304")):
                headers = response.setdefault("headers", {})
                headers.update(copy.deepcopy(DOCUMENTED_HEADERS))
                headers.setdefault(LINK_HEADER, copy.deepcopy(DEPRECATION_LINK))
    return result
