"""The DRF exception handler: every error leaves as application/problem+json."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from treatments.services import (
    ConflictError,
    ContentInvalidError,
    ForbiddenError,
    IdentityConflictError,
    NotFoundError,
    PublishRefusedError,
    ServiceError,
    StateError,
)

from .live.documents import quiet_gone
from .live.memories import serve_last_served
from .outage import database_unavailable, retry_after, unavailable_response
from .problems import PROBLEM_CONTENT_TYPE, problem_body

SERVICE_STATUS: dict[type[ServiceError], tuple[int, str]] = {
    ContentInvalidError: (400, "validation-error"),
    ForbiddenError: (403, "forbidden"),
    NotFoundError: (404, "not-found"),
    ConflictError: (409, "edit-conflict"),
    PublishRefusedError: (409, "publish-refused"),
    StateError: (409, "invalid-state"),
    IdentityConflictError: (409, "identity-conflict"),
}


def _pointer(path: list[str]) -> str:
    return "/" + "/".join(path) if path else ""


def flatten_errors(detail: Any, path: list[str] | None = None) -> list[dict[str, str]]:
    """Turn DRF's nested error detail into a list of {field, pointer, message}."""
    path = path or []
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            sub = path if key in ("non_field_errors",) else [*path, str(key)]
            out.extend(flatten_errors(value, sub))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [
                {"field": ".".join(path) or "(root)", "pointer": _pointer(path), "message": str(m)}
                for m in detail
            ]
        out = []
        for index, item in enumerate(detail):
            out.extend(flatten_errors(item, [*path, str(index)]))
        return out
    return [
        {"field": ".".join(path) or "(root)", "pointer": _pointer(path), "message": str(detail)}
    ]


def problem_exception_handler(
    exc: Exception, context: dict[str, Any]
) -> Response | HttpResponse | None:
    """Shape every exception a DRF view raises into a problem document."""
    request = context.get("request")
    if request is not None and database_unavailable(exc):
        set_rollback()
        # A live document this worker served lately is still the best answer we have.
        served = serve_last_served(request._request, retry_after=retry_after())
        return served or unavailable_response(request._request, exc)
    instance = request.path if request is not None else None
    headers: dict[str, str] = {}
    errors = None
    extra: dict[str, Any] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ServiceError):
        code_status, service_code = SERVICE_STATUS.get(type(exc), (400, "bad-request"))
        if isinstance(exc, ContentInvalidError):
            errors = exc.errors
        if isinstance(exc, ConflictError):
            extra["current_version"] = exc.current_version
        if exc.code:
            # The precise reason (e.g. approval_void) names the problem type and is given as is.
            service_code = exc.code.replace("_", "-")
        body = problem_body(
            status=code_status,
            code=service_code,
            title=exc.title,
            detail=exc.detail,
            instance=instance,
            errors=errors,
            **extra,
        )
        if exc.code:
            body["code"] = exc.code
        set_rollback()
        return Response(body, status=code_status, content_type=PROBLEM_CONTENT_TYPE)

    if not isinstance(exc, exceptions.APIException):
        return None

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "current_etag", None):
        headers["ETag"] = exc.current_etag  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]

    code: str | None = None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = (
            f"{len(errors)} problem(s) in the request; first at {errors[0]['field']}: "
            f"{errors[0]['message']}"
            if errors
            else "The request is invalid."
        )
        code = "validation-error"
    elif isinstance(exc.detail, (list, dict)):
        errors = flatten_errors(exc.detail)
        detail = "; ".join(e["message"] for e in errors)
    else:
        detail = str(exc.detail)
    body = problem_body(
        status=exc.status_code,
        code=code,
        detail=detail,
        instance=instance,
        errors=errors,
        **getattr(exc, "extra", {}),
    )
    set_rollback()
    response = Response(
        body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )
    if exc.status_code == 410:
        quiet_gone(response, instance or "")  # polled by fleets: logged once per interval
    return response
