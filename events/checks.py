"""System checks: the outbox is transactional only with the database task backend."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def task_backend_is_the_database(**kwargs: Any) -> list[checks.CheckMessage]:
    """Tasks must be rows of the change's transaction: the django-tasks-db backend."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        return [
            checks.Warning(
                f"TASKS['default'] uses {backend or 'no backend'}: events are then not "
                "enqueued in the transaction of the change (a rollback may still send, a "
                "crash may lose).",
                hint="Use 'django_tasks_db.DatabaseBackend' (config/settings/base.py).",
                id="events.W001",
            )
        ]
    return []
