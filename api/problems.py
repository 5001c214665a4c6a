"""RFC 9457 problem details: the one error envelope of the API."""

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(code: str) -> str:
    """The URI that identifies a kind of problem (a URN: stable, and no host to keep alive)."""
    return f"urn:treatment-knowledge:problem:{code}"


def problem_body(
    *,
    status: int,
    detail: str,
    code: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem document for a status, with a title that defaults to the status phrase."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": problem_type(code or phrase.lower().replace(" ", "-").replace("'", "")),
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(*, status: int, detail: str, **kwargs: Any) -> HttpResponse:
    """A plain Django response carrying a problem document (for errors outside DRF views)."""
    body = problem_body(status=status, detail=detail, **kwargs)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def default_detail(status: int) -> str:
    """The problem detail for a status when nothing more precise is known."""
    return {
        400: "The request could not be understood; check the URL, headers and body.",
        403: "You are not allowed to do this.",
        404: "Nothing exists at this URL. The API's paths are listed at /api/docs/.",
        405: "This method is not allowed here; see the Allow header.",
        500: "The server failed to answer this request. It has been logged; try again later.",
    }.get(status, "The request failed.")
