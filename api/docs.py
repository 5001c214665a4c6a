"""The OpenAPI document and its viewers, served from local assets and generated once."""

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.conditional import is_not_modified, not_modified, stamp
from treatments.documents.build import etag_for

SCHEMA_CACHE_CONTROL = "public, max-age=300"


class JsonSchemaRenderer(OpenApiJsonRenderer2):
    """`application/json`, first of the JSON forms: what `?format=json` answers."""

    # Two-space indent, like the YAML: readable in a browser, half the bytes of drf-spectacular's 4.
    def get_indent(self, accepted_media_type: Any, renderer_context: Any) -> int:
        return 2


class OpenApiJsonSchemaRenderer(JsonSchemaRenderer):
    """`application/vnd.oai.openapi+json`, the OpenAPI media type of the JSON form."""

    media_type = OpenApiJsonRenderer.media_type


# The media types the schema is served in, YAML first (the default, also for `*/*`).
SCHEMA_RENDERERS = [
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
    JsonSchemaRenderer,
    OpenApiJsonSchemaRenderer,
]


@functools.cache
def _openapi_schema(api_version: str) -> dict[str, Any]:
    return SchemaGenerator(api_version=api_version).get_schema(request=None, public=True)


@functools.cache
def openapi_document(api_version: str = "v1", fmt: str = "yaml") -> tuple[bytes, str, Any]:
    """The rendered OpenAPI document of a version in `fmt` (yaml or json), built once per process.

    Both forms come from one generated schema; each has its own strong ETag.
    """
    schema = _openapi_schema(api_version)
    renderer = OpenApiYamlRenderer() if fmt == "yaml" else JsonSchemaRenderer()
    body = renderer.render(schema, renderer_context={})
    return body, etag_for(body), timezone.now().replace(microsecond=0)


class CachedSchemaView(APIView):
    """The OpenAPI 3.1 document of the API: YAML by default, JSON when asked (generated once).

    JSON is chosen with `?format=json` or `Accept: application/json` (or
    `application/vnd.oai.openapi+json`); YAML with no preference, `*/*`, `?format=yaml`,
    `application/yaml` or `application/vnd.oai.openapi`.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    renderer_classes = SCHEMA_RENDERERS

    @extend_schema(exclude=True)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The renderer's own media type: an Accept with parameters is not echoed back.
        renderer = self.request.accepted_renderer
        body, etag, built = openapi_document("v1", renderer.format)
        if is_not_modified(request, etag=etag, last_modified=built):
            response = not_modified(
                etag=etag, last_modified=built, cache_control=SCHEMA_CACHE_CONTROL
            )
        else:
            response = HttpResponse(body, content_type=f"{renderer.media_type}; charset=utf-8")
            stamp(response, etag=etag, last_modified=built, cache_control=SCHEMA_CACHE_CONTROL)
        return response


class LocalRedocView(SpectacularRedocView):
    """ReDoc from local assets only: no web fonts, no inline script (CSP `default-src 'self'`)."""

    template_name = "api/redoc.html"


class LocalSwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is served from a URL, not inline (CSP `script-src 'self'`).

    OPTIONS answers the allowed methods: DRF's default would render its metadata through the
    page's HTML renderer, which has no template for it (a 500).
    """

    # A plain HttpResponse: a DRF Response would go through the page's HTML renderer again.
    def options(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        return HttpResponse(headers={"Allow": "GET, HEAD, OPTIONS"})
