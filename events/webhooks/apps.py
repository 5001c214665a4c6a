"""The webhooks app: partners' endpoints, deliveries and attempts."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Partners' webhook endpoints and the log of every delivery attempt."""

    name = "events.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the fan-out event handler
