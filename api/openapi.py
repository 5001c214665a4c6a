"""Shared OpenAPI helpers: operation decorators, the errors they document, common parameters,
the response headers operations declare, and the post-processing that keeps the document
usable by client generators.
"""

import copy
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from api.ratelimit.openapi import rate_limit_headers
from api.v1.serializers import ProblemSerializer
from treatments.documents.schema import document_parts, version_history

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


@dataclass(frozen=True)
class Header:
    """A response header the API sends; `on(...)` declares it on some status codes."""

    name: str
    schema: dict[str, Any]
    description: str

    def on(self, *codes: int, required: bool = True, description: str = "") -> OpenApiParameter:
        """The header as sent with these statuses (`required`: on every such response)."""
        return OpenApiParameter(
            self.name,
            self.schema,
            OpenApiParameter.HEADER,
            required=required,
            description=description or self.description,
            response=list(codes),
        )


# Every response header a client may want to read, defined once. Other capabilities add theirs
# here (rate-limit headers, for example) and declare them with `.on(...)` or `extra_headers`.
ETAG = Header(
    "ETag",
    {"type": "string", "pattern": '^"[^"]*"$'},
    "A strong entity-tag of this representation; send it as If-None-Match to revalidate.",
)
LAST_MODIFIED = Header(
    "Last-Modified",
    {"type": "string"},
    "When the representation last changed (an HTTP date, e.g. `Tue, 10 Mar 2026 14:30:00 GMT`).",
)
CACHE_CONTROL = Header("Cache-Control", {"type": "string"}, "How long caches may keep it.")
CONTENT_LANGUAGE = Header(
    "Content-Language", {"type": "string"}, "The language of the document's text (BCP 47)."
)
CANONICAL_LINK = Header(
    "Link",
    {"type": "string"},
    'Sent when the URL used a UUID or a former slug: `<canonical path>; rel="canonical"`.',
)
# The detail's Link: canonical (a UUID or former slug was used) and the other languages.
DOCUMENT_LINK = Header(
    "Link",
    {"type": "string"},
    'Sent when the URL used a UUID or a former slug: `<canonical path>; rel="canonical"`; and '
    "when the treatment is published in several languages, one `<path?lang=xx>; "
    'rel="alternate"; hreflang="xx"` per language.',
)
CONTENT_LOCATION = Header(
    "Content-Location",
    {"type": "string"},
    "Sent when a translation answers on its source's URL: the translation's own URL.",
)
LOCATION = Header("Location", {"type": "string"}, "Where the created resource lives.")
RETRY_AFTER = Header(
    "Retry-After", {"type": "string", "pattern": "^[0-9]+$"}, "Seconds to wait before retrying."
)
WRITE_OUTCOME = Header(
    "Write-Outcome",
    {"type": "string", "enum": ["updated", "unchanged"]},
    "`unchanged` when the body equals the working copy: nothing was written, the version and "
    "ETag stay, no audit record. `updated` otherwise.",
)
CONTENT_DISPOSITION = Header(
    "Content-Disposition", {"type": "string"}, "`attachment` with a file name."
)
WWW_AUTHENTICATE = Header("WWW-Authenticate", {"type": "string"}, "How to authenticate.")


def validators(*codes: int, last_modified: bool = True) -> list[OpenApiParameter]:
    """ETag, Last-Modified and Cache-Control, as every public GET sends them."""
    headers = [ETAG, LAST_MODIFIED, CACHE_CONTROL] if last_modified else [ETAG, CACHE_CONTROL]
    return [header.on(*codes) for header in headers]


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
    not_found: bool | str = True,
    gone: bool = False,
    example: Any = None,
    last_modified: bool = True,
    extra_headers: list[OpenApiParameter] | None = None,
    ranges: list[OpenApiParameter] | None = None,
) -> Any:
    """The schema of a public GET: its success, 304, every error it can return, and headers.

    `ranges` (the Range and If-Range request headers) adds the 206 and 416 answers.
    `not_found`: whether it answers 404, or the text that says when it does.
    """
    errors = {
        400: "A query parameter is unknown, malformed or out of range, or carries an API key.",
        401: "The API key sent is malformed, unknown, expired or revoked.",
        403: "A publishable key from an origin not registered for it, or a secret key from a "
        "browser.",
        406: "The Accept header asks for a type other than JSON.",
        429: "Too many requests; retry after the number of seconds in Retry-After.",
    }
    if not_found:
        errors[404] = (
            not_found
            if isinstance(not_found, str)
            else "No published treatment (or revision) at this URL."
        )
    # Every operation addressed by a treatment key answers 410 once it is withdrawn.
    if gone or any(p is KEY_PARAMETER for p in parameters or []):
        errors[410] = "Gone: withdrawn from publication, or (sync) a token too old; see detail."
    responses: dict[Any, Any] = {
        200: OpenApiResponse(ok, description=ok_description),
        304: OpenApiResponse(description="Not modified: your cached copy is current."),
    }
    if ranges:
        errors[416] = "The Range starts past the end of the gzip-encoded body (see Content-Range)."
        responses[206] = OpenApiResponse(
            description="The byte range asked for, of the gzip-encoded body (Content-Range)."
        )
    for status_code, text in sorted(errors.items()):
        responses[(status_code, PROBLEM_MEDIA_TYPE)] = problem(text)
    return extend_schema(
        operation_id=operation_id,
        tags=[tag],
        description=description,
        parameters=[
            *(parameters or []),
            IF_NONE_MATCH,
            *(ranges or []),
            # Response headers: a later declaration of a name wins for the codes it lists.
            *validators(200, 304, last_modified=last_modified),
            # RateLimit-Policy and RateLimit on every answer, Retry-After on 429.
            *rate_limit_headers(),
            *(extra_headers or []),
        ],
        responses=responses,
        examples=[_listed(example, ok)] if example else [],
    )


def _listed(example: Any, ok: Any) -> Any:
    """The example as drf-spectacular wants it: for a paginated list, one item, not a page.

    drf-spectacular wraps a list operation's example in a page built from the paginator's
    schema (`next`/`previous` examples: null), so a page given whole would be wrapped twice.
    """
    if (
        getattr(ok, "many", False)
        and isinstance(example.value, dict)
        and "results" in example.value
    ):
        example = copy.copy(example)
        example.value = example.value["results"][0]
    return example


def postprocess_for_client_generators(
    result: dict[str, Any], generator: Any, request: Any, public: bool, **kwargs: Any
) -> dict[str, Any]:
    """Make the document what client generators need (a drf-spectacular post-processing hook).

    - `info.version` is the document's semantic version alone (generators use it as a package
      version); drf-spectacular appends the API version as "1.0.0 (v1)", which is not one. The
      API version stays visible as `x-api-version` and in the paths.
    - A component's `title` is its name: pydantic titles a request component after its class
      ("TreatmentContent"), and generators name classes after titles, so the request and the
      response shapes of one class would collide.
    - Public operations carry no `security` (see below).
    """
    info = result.setdefault("info", {})
    info["version"] = settings.SPECTACULAR_SETTINGS["VERSION"]
    if getattr(generator, "api_version", None):
        info["x-api-version"] = generator.api_version
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if "title" in schema:
            schema["title"] = name
        # Stored revisions of earlier versions lack what later ones added: those properties are
        # not always sent, and say when they came (`x-added-in`). Document parts only.
        if name in document_parts():
            version_history(name, schema)
    # `security: [{}]` ("no credentials") says what an absent `security` says when the document
    # sets none at its root; some generators read any list as "needs authentication".
    assert "security" not in result, "a root-level security would make this removal wrong"
    # Likewise a public read that *accepts* a partner key (`[{partnerApiKey: []}, {}]`): some
    # generators (openapi-python-client) then demand an authenticated client for every call.
    # The optional key stays documented by its security scheme, the 401/403 answers and README.
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and {} in operation.get("security", [None]):
                del operation["security"]
    return result


# Answered by the server in front of Django (gunicorn with config/gunicorn.py, as problem+json:
# config/gunicorn_workers.py) before any view runs, so every operation can get them.
REQUEST_LIMIT_RESPONSES = {
    "414": "URI Too Long: the request line (method, path and query) is longer than the server "
    "accepts (4094 bytes with config/gunicorn.py); shorten the URL or its query.",
    "431": "Request Header Fields Too Large: too many headers (more than 100) or one longer "
    "than 8190 bytes; send fewer or shorter headers.",
}


def document_request_limits(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation may answer 414 and 431."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "put", "patch", "post", "delete", "head"}:
                continue
            responses = operation.setdefault("responses", {})
            for status_code, description in REQUEST_LIMIT_RESPONSES.items():
                responses.setdefault(
                    status_code,
                    {
                        "description": description,
                        "content": {
                            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                        },
                    },
                )
            operation["responses"] = dict(sorted(responses.items()))
    return result
