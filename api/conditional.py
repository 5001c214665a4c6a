"""HTTP conditional requests and caching headers for stored representations."""

import datetime as dt

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from api.compression import identity_etag

VARY = "Accept, Accept-Encoding"
# A document negotiated on its language as well (api/v1/languages.py).
VARY_LANGUAGE = f"{VARY}, Accept-Language"


def is_not_modified(request: HttpRequest, *, etag: str, last_modified: dt.datetime) -> bool:
    """True when the client's cached copy is current (If-None-Match wins over If-Modified-Since)."""
    return is_not_modified_raw(
        request.META.get("HTTP_IF_NONE_MATCH"),
        request.META.get("HTTP_IF_MODIFIED_SINCE"),
        etag=etag,
        last_modified_epoch=int(last_modified.timestamp()),
    )


def is_not_modified_raw(
    if_none_match: str | None,
    if_modified_since: str | None,
    *,
    etag: str,
    last_modified_epoch: int,
) -> bool:
    """The conditional-GET decision from the raw header values."""
    if if_none_match:
        if if_none_match == etag:  # the common case, without parsing
            return True
        # Weak comparison for GET/HEAD (RFC 9110 §13.1.2); either encoding's tag matches.
        tags = {identity_etag(tag.removeprefix("W/")) for tag in parse_etags(if_none_match)}
        return "*" in tags or etag in tags
    if not if_modified_since:  # the common case, without a failed parse of ""
        return False
    since = parse_http_date_safe(if_modified_since)
    return since is not None and last_modified_epoch <= since


def not_modified(*, etag: str, last_modified: dt.datetime, cache_control: str) -> HttpResponse:
    response = HttpResponseNotModified()
    stamp(response, etag=etag, last_modified=last_modified, cache_control=cache_control)
    return response


def stamp(
    response: HttpResponse, *, etag: str, last_modified: dt.datetime, cache_control: str
) -> HttpResponse:
    """Set the validators and caching headers of a stored representation."""
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = cache_control
    response["Vary"] = VARY
    return response


def json_bytes_response(body: str | bytes, *, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="application/json")
