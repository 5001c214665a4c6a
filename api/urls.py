"""The API's URL map: one namespace per API version, plus the schema and its viewers."""

from django.urls import include, path
from django.views.generic import RedirectView

from .docs import CachedSchemaView, LocalRedocView, LocalSwaggerView

urlpatterns = [
    # The current version answers at /api/ too; versioned clients use /api/v1/.
    path("", RedirectView.as_view(url="/api/v1/", permanent=False), name="api-root"),
    path("v1/", include(("api.v1.urls", "v1"), namespace="v1")),
    path("schema/", CachedSchemaView.as_view(), name="openapi-schema"),
    # The split view serves its start-up script from a URL, not inline (CSP: script-src 'self').
    path("docs/", LocalSwaggerView.as_view(url_name="openapi-schema"), name="swagger-ui"),
    path("redoc/", LocalRedocView.as_view(url_name="openapi-schema"), name="redoc"),
]
