"""OpenAPI of the webhooks API: the operation decorator, its errors and examples, in one place."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from api import openapi

TAG = "webhooks"
ID = OpenApiParameter(
    "endpoint_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The endpoint's id."
)
ERRORS = {
    400: "The body or a parameter is invalid, or the URL is refused (not https, or an address "
    "that is not public); `errors` points at the field.",
    401: "No API key, or one that is malformed, unknown, expired or revoked.",
    403: "A publishable key (use your secret key, from your server), or a key sent from a browser.",
    404: "None of your endpoints has this id.",
    415: "Send the body as application/json.",
    429: "Too many requests; retry after Retry-After seconds.",
}

ENDPOINT = {
    "id": 7,
    "url": "https://hooks.clinic.example/treatments",
    "description": "Withdrawals for the clinic site",
    "event_types": ["treatment.withdrawn"],
    "enabled": True,
    "disabled_reason": "",
    "disabled_at": None,
    "consecutive_failures": 0,
    "previous_secret_expires_at": None,
    "created_at": "2026-12-05T08:00:00Z",
    "updated_at": "2026-12-05T08:00:00Z",
}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DELIVERY = {
    "id": 31,
    "webhook_id": "msg_2f1c0a7e9b5d4c3a8e6f1b2a3c4d5e6f",
    "event_type": "treatment.withdrawn",
    "sequence": 42,
    "state": "delivered",
    "attempts": 2,
    "next_attempt_at": None,
    "last_status_code": 204,
    "last_error": "",
    "created_at": "2026-12-05T08:10:00Z",
    "finished_at": "2026-12-05T08:10:06Z",
    "attempt_log": [
        {
            "at": "2026-12-05T08:10:01Z",
            "status_code": 503,
            "latency_ms": 120,
            "succeeded": False,
            "error": "",
            "response_excerpt": "Service Unavailable",
        },
        {
            "at": "2026-12-05T08:10:06Z",
            "status_code": 204,
            "latency_ms": 85,
            "succeeded": True,
            "error": "",
            "response_excerpt": "",
        },
    ],
}
EXAMPLES = {
    "endpoint": OpenApiExample("An endpoint", value=ENDPOINT),
    "endpoints": OpenApiExample("Your endpoints", value=[ENDPOINT]),
    "created": OpenApiExample("A new endpoint", value={**ENDPOINT, "secret": SECRET}),
    "rotated": OpenApiExample(
        "A new secret",
        value={
            "secret": "whsec_c2VjcmV0LWV4YW1wbGUtbm90LXJlYWwtMTIzNDU2Nzg=",
            "previous_secret_expires_at": "2026-12-06T08:00:00Z",
        },
    ),
    "ping": OpenApiExample(
        "A queued ping",
        value={
            **DELIVERY,
            "event_type": "webhook.ping",
            "sequence": None,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": "2026-12-05T08:20:00Z",
            "last_status_code": None,
            "finished_at": None,
            "attempt_log": [],
        },
    ),
    "deliveries": OpenApiExample("Deliveries, newest first", value=DELIVERY),
}


def webhook_operation(
    *,
    operation_id: str,
    description: str,
    ok: Any,
    ok_status: int = 200,
    request: Any = None,
    errors: tuple[int, ...] = (401, 403, 404, 429),
    parameters: list[OpenApiParameter] | None = None,
    example: str | None = None,
    location: bool = False,
) -> Any:
    """The schema of a webhooks operation, with every status it can return."""
    responses: dict[Any, Any] = {
        ok_status: OpenApiResponse(ok, description="Done.")
        if ok is not None
        else OpenApiResponse(description="Done; no body."),
    }
    for code in sorted(errors):
        responses[(code, openapi.PROBLEM_MEDIA_TYPE)] = openapi.problem(ERRORS[code])
    headers = [openapi.LOCATION.on(ok_status)] if location else []
    return extend_schema(
        operation_id=operation_id,
        tags=[TAG],
        description=description,
        request=request,
        responses=responses,
        parameters=[*(parameters or []), *headers],
        examples=[EXAMPLES[example]] if example else [],
    )
