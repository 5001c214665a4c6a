"""The OpenAPI document and its viewers, served from local assets and generated once."""

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.conditional import is_not_modified, not_modified, stamp
from treatments.documents.build import etag_for

SCHEMA_CACHE_CONTROL = "public, max-age=300"


@functools.cache
def openapi_yaml(api_version: str = "v1") -> tuple[bytes, str, Any]:
    """The rendered OpenAPI document for a version: built once per process, then reused."""
    generator = SchemaGenerator(api_version=api_version)
    schema = generator.get_schema(request=None, public=True)
    body = OpenApiYamlRenderer().render(schema, renderer_context={})
    return body, etag_for(body), timezone.now().replace(microsecond=0)


class CachedSchemaView(APIView):
    """The OpenAPI 3.1 document of the API, as YAML (generated once per process)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(exclude=True)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        body, etag, built = openapi_yaml("v1")
        if is_not_modified(request, etag=etag, last_modified=built):
            return not_modified(etag=etag, last_modified=built, cache_control=SCHEMA_CACHE_CONTROL)
        response = HttpResponse(body, content_type="application/vnd.oai.openapi; charset=utf-8")
        return stamp(response, etag=etag, last_modified=built, cache_control=SCHEMA_CACHE_CONTROL)


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
