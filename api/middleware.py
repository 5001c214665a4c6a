"""Middleware that keeps every error under /api/ in the problem+json envelope."""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .problems import PROBLEM_CONTENT_TYPE, problem_response

API_PREFIX = "/api/"


class ProblemDetailsMiddleware:
    """Refuse oversized API bodies with 413 and turn non-problem API errors into problems.

    DRF views already answer with problems; this catches what happens outside them: an unknown
    URL, Django's own 4xx/5xx pages, and bodies larger than the upload limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if not length.isdigit():
            return problem_response(status=400, detail="Content-Length must be a whole number.")
        if limit is not None and int(length) > limit:
            return problem_response(
                status=413,
                detail=f"The request body is {length} bytes; the limit is {limit} bytes.",
                instance=request.path,
            )
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            PROBLEM_CONTENT_TYPE
        ):
            converted = problem_response(
                status=response.status_code,
                detail=_detail_for(response.status_code),
                instance=request.path,
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response


def _detail_for(status: int) -> str:
    return {
        400: "The request could not be understood; check the URL, headers and body.",
        403: "You are not allowed to do this.",
        404: "Nothing exists at this URL. The API's paths are listed at /api/docs/.",
        405: "This method is not allowed here; see the Allow header.",
        500: "The server failed to answer this request. It has been logged; try again later.",
    }.get(status, "The request failed.")


REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


class RequestIdMiddleware:
    """Give every request an id (the caller's X-Request-ID if sane), echo it, audit with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(REQUEST_ID_HEADER, "")
        sane = 0 < len(given) <= 64 and all(c.isalnum() or c in "-_.:" for c in given)
        request.request_id = given if sane else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
