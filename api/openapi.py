"""Shared OpenAPI helpers: operation decorators, the errors they document, common parameters."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from api.v1.serializers import ProblemSerializer

PROBLEM_MEDIA_TYPE = "application/problem+json"
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="An ETag you hold; if it is current the answer is 304 with no body.",
)


KEY_PARAMETER = OpenApiParameter(
    "key",
    str,
    OpenApiParameter.PATH,
    description="The treatment's slug, its UUID, or a former slug.",
)
NUMBER_PARAMETER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="A revision number (1, 2, ...)."
)


def problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


def read_operation(
    *,
    operation_id: str,
    tag: str,
    description: str,
    ok: Any,
    ok_description: str,
    parameters: list[OpenApiParameter] | None = None,
    not_found: bool = True,
    gone: bool = False,
    example: Any = None,
) -> Any:
    """The schema of a public GET: its success, 304 and every error it can return."""
    errors = {
        400: "A query parameter is unknown, malformed or out of range.",
        406: "The Accept header asks for a type other than JSON.",
        429: "Too many requests; retry after the number of seconds in Retry-After.",
    }
    if not_found:
        errors[404] = "No published treatment (or revision) at this URL."
    # Every operation addressed by a treatment key answers 410 once it is withdrawn.
    if gone or any(p is KEY_PARAMETER for p in parameters or []):
        errors[410] = "Gone: withdrawn from publication, or (sync) a token too old; see detail."
    responses: dict[Any, Any] = {
        200: OpenApiResponse(ok, description=ok_description),
        304: OpenApiResponse(description="Not modified: your cached copy is current."),
    }
    for status_code, text in sorted(errors.items()):
        responses[(status_code, PROBLEM_MEDIA_TYPE)] = problem(text)
    return extend_schema(
        operation_id=operation_id,
        tags=[tag],
        description=description,
        parameters=[*(parameters or []), IF_NONE_MATCH],
        responses=responses,
        examples=[example] if example else [],
    )
