"""OpenAPI declarations of the rate-limit response headers, for operations to include.

    @extend_schema(parameters=[..., *rate_limit_headers()])

drf-spectacular lists an `OpenApiParameter` with `response=...` under the responses' headers
instead of the request's parameters.
"""

from collections.abc import Sequence

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

DRAFT = "draft-ietf-httpapi-ratelimit-headers"


def rate_limit_headers(
    statuses: bool | Sequence[int | str] = True, *, throttled: Sequence[int | str] = (429,)
) -> list[OpenApiParameter]:
    """RateLimit-Policy and RateLimit on `statuses` (all by default), Retry-After on 429."""
    return [
        OpenApiParameter(
            "RateLimit-Policy",
            OpenApiTypes.STR,
            location=OpenApiParameter.HEADER,
            response=statuses,
            description=(
                f"The quota policy that limits this request ({DRAFT}): "
                '`"<name>";q=<requests>;w=<seconds>`, e.g. `"anonymous";q=600;w=60`.'
            ),
        ),
        OpenApiParameter(
            "RateLimit",
            OpenApiTypes.STR,
            location=OpenApiParameter.HEADER,
            response=statuses,
            description=(
                f'What is left of the quota ({DRAFT}): `"<name>";r=<requests you may send '
                'now>;t=<seconds until one more>`, e.g. `"anonymous";r=599;t=1`.'
            ),
        ),
        OpenApiParameter(
            "Retry-After",
            OpenApiTypes.INT,
            location=OpenApiParameter.HEADER,
            response=list(throttled),
            description="Seconds to wait before retrying (never earlier than RateLimit's t).",
        ),
    ]
