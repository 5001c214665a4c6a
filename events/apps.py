"""The events app: the outbox, background tasks and their worker."""

from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Plugs the outbox into the publication hub and checks the task backend."""

    name = "events"
    verbose_name = "Events and background work"

    def ready(self) -> None:
        from treatments.publication import publication_hooks

        from . import checks  # noqa: F401 - registers the system checks
        from .outbox import on_public_change

        hooks = publication_hooks()
        if on_public_change not in hooks:
            hooks.append(on_public_change)

        from .edge import edge_register

        edge_register()  # the edge-cache purge, only when EDGE_PURGE_URL names a cache
