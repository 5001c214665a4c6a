"""Middleware that keeps every error under /api/ in the problem+json envelope."""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .outage import database_unavailable, unavailable_response
from .problems import PROBLEM_CONTENT_TYPE, default_detail, problem_response

API_PREFIX = "/api/"
UNPREFIXED_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")  # the headers WSGI names without HTTP_


class ProblemDetailsMiddleware:
    """Refuse malformed API requests up front and turn non-problem API errors into problems.

    DRF views already answer with problems; this catches what happens outside them: an unknown
    URL, Django's own 4xx/5xx pages, NUL anywhere in the URL or a header (400), a body sent
    without Content-Length (411) and bodies larger than the upload limit (413). Refused
    requests never reach a view, so nothing is written.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = _refused_framing(request)
        if refused is not None:
            return refused
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
        if not (length.isascii() and length.isdigit()):
            return problem_response(status=400, detail="Content-Length must be a whole number.")
        # Compare lengths first: int() of thousands of digits is slow, then refused outright.
        significant = length.lstrip("0")
        if limit is not None and (
            len(significant) > len(str(limit)) or int(significant or "0") > limit
        ):
            shown = length if len(length) <= 20 else f"a {len(significant)}-digit number of"
            return problem_response(
                status=413,
                detail=f"The request body is {shown} bytes; the limit is {limit} bytes.",
                instance=request.path,
            )
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            PROBLEM_CONTENT_TYPE
        ):
            converted = problem_response(
                status=response.status_code,
                detail=default_detail(response.status_code),
                instance=request.path,
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response


def _nul_location(request: HttpRequest) -> str | None:
    """Where a request carries a NUL character (U+0000), or None when it carries none.

    No URL, parameter or header of this API can hold NUL, and PostgreSQL refuses it in any text
    value, so it is refused here once instead of failing deep inside a query. WSGI servers hand
    over PATH_INFO percent-decoded and QUERY_STRING raw, hence the two spellings. This runs on
    every API request, the hot detail GET included, so the common case is one pass of substring
    tests over the environ's strings (PATH_INFO and every header among them); nothing is parsed.
    """
    meta = request.META
    query = meta.get("QUERY_STRING", "")
    if "%00" in query:
        return "the query string"
    for value in meta.values():
        if type(value) is str and "\x00" in value:
            break
    else:
        return None
    # Rare from here on: say where, so the client can fix it.
    if "\x00" in request.path:
        return "the URL path"
    if "\x00" in query:
        return "the query string"
    for key, value in meta.items():
        is_header = key.startswith("HTTP_") or key in UNPREFIXED_HEADERS
        if is_header and "\x00" in str(value):
            return f"the {_header_name(key)} header"
    return "the request"


def _header_name(meta_key: str) -> str:
    """The HTTP spelling of a META key: HTTP_IF_MATCH -> If-Match."""
    return meta_key.removeprefix("HTTP_").replace("_", "-").title()


def _refused_framing(request: HttpRequest) -> HttpResponse | None:
    """A problem for a request that has NUL in it or a body this server would not read whole."""
    where = _nul_location(request)
    if where is not None:
        return problem_response(
            status=400,
            code="nul-character",
            detail=f"NUL (%00, U+0000) is not allowed in {where}; remove it and retry.",
            instance=request.path.replace("\x00", "%00"),
        )
    meta = request.META
    if meta.get("HTTP_TRANSFER_ENCODING"):
        # Django reads exactly CONTENT_LENGTH bytes of a body. A chunked body without it would be
        # read as empty, and a write would succeed with none of the client's changes.
        if meta.get("CONTENT_LENGTH"):
            return problem_response(
                status=400,
                detail="Send either Content-Length or Transfer-Encoding, not both.",
                instance=request.path,
            )
        return problem_response(
            status=411,
            detail="Send the body with a Content-Length header; Transfer-Encoding "
            "(chunked bodies) is not accepted here.",
            instance=request.path,
        )
    return None


REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


class RequestIdMiddleware:
    """Give every request an id (the caller's X-Request-ID if sane), echo it, audit with it.

    An X-Request-ID with NUL in it is not sane, so the request gets a fresh id here, and under
    /api/ ProblemDetailsMiddleware then refuses it with a 400 like NUL in any other header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(REQUEST_ID_HEADER, "")
        sane = 0 < len(given) <= 64 and all(c.isalnum() or c in "-_.:" for c in given)
        request.request_id = given if sane else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when a view fails because the database cannot answer now.

    DRF views get the same answer from the exception handler (api/errors.py) and failures
    outside views from handler500 (api/handlers.py); this covers Django views (the admin).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
