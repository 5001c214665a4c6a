"""App configuration of the treatment domain."""

from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    """The treatment domain: models, services, selectors, content."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "treatments"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
