"""The releases app: scheduled actions and releases, run by the background worker."""

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    """Scheduled publishes and withdrawals, and releases that go live atomically."""

    name = "editorial.releases"
    label = "releases"
    verbose_name = "Schedules and releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from treatments.admin.panels import change_page_panel_register
        from treatments.publication import publication_hooks

        from . import tasks  # noqa: F401 - registers the task and the worker start hook
        from .panels import schedule_panel
        from .releasing import collect_public_change

        change_page_panel_register(schedule_panel)
        hooks = publication_hooks()
        if collect_public_change not in hooks:
            hooks.append(collect_public_change)
