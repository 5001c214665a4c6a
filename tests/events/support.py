"""Test helpers for background work: an in-process worker and tasks that leave traces."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django_tasks_db.management.commands.db_worker import Worker

from events.queue import task
from treatments import services
from treatments.documents.build import build_content
from treatments.models import Treatment


def run_tasks(
    *, worker_id: str = "in-process-test-worker", queue_names: tuple[str, ...] = ("*",)
) -> None:
    """Run every ready task (of `queue_names`) with django-tasks-db's own Worker, then return."""
    Worker(
        queue_names=list(queue_names),
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


@task()
def note(*, path: str, text: str) -> str:
    """Append `text` as a line to the file at `path`."""
    with Path(path).open("a") as file:
        file.write(text + "\n")
    return text


@task()
def slow_note(*, path: str, text: str, seconds: float) -> str:
    """Note "start <text>", sleep `seconds`, note "end <text>" (a task to kill in the middle)."""
    with Path(path).open("a") as file:
        file.write(f"start {text}\n")
    time.sleep(seconds)
    with Path(path).open("a") as file:
        file.write(f"end {text}\n")
    return text


def edit_and_publish(treatment_id: Any, change: Callable[[dict[str, Any]], object]) -> None:
    """Change the working copy with `change(content)` through the services, then publish it."""
    version = Treatment.objects.get(pk=treatment_id).version
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment_id))
    change(content)
    treatment = services.treatment_replace(
        treatment_id=treatment_id,
        content=services.content_validate(content),
        expected_version=version,
        actor=None,
    )
    services.treatment_publish(
        treatment_id=treatment.pk, expected_version=treatment.version, actor=None
    )


@task()
def claim_and_note(*, run_id: int, path: str) -> bool:
    """Do the work of HandlerRun `run_id` (note a line) once, however often this runs."""
    from django.db import transaction

    from events.models import HandlerRun
    from events.queue import claim_once

    with transaction.atomic():
        run = claim_once(
            HandlerRun.objects.all(), pk=run_id, field="status", pending="pending", done="succeeded"
        )
        if run is None:
            return False
        with Path(path).open("a") as file:
            file.write(f"done {run_id}\n")
        return True


class BrokenEmailBackend:
    """An email backend whose server is down."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("SMTP is down")
