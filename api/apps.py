"""App configuration of the HTTP surface."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The HTTP API: DRF views, serializers, errors and HTTP semantics."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"

    def ready(self) -> None:
        from . import schema_extensions  # noqa: F401 - registers the OpenAPI extensions
        from .live import receivers  # noqa: F401 - read memories forget what a publish changed
        from .v1.sync.bundles import bundle_register

        bundle_register()  # the worker rebuilds stored bundle parts, unless BUNDLE_PREBUILD is off
