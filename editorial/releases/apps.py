"""The releases app: scheduled actions and releases, run by the background worker."""

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    """Scheduled publishes and withdrawals, and releases that go live atomically."""

    name = "editorial.releases"
    label = "releases"
    verbose_name = "Schedules and releases"
    default_auto_field = "django.db.models.BigAutoField"
