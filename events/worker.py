"""The worker's life: its heartbeat, recovery of tasks a dead worker left, start-up hooks.

django-tasks-db claims a task by marking it RUNNING (under SELECT ... FOR UPDATE SKIP LOCKED
on PostgreSQL, an exclusive transaction on SQLite), then runs it outside any transaction. A
worker killed mid-task would leave the task RUNNING for ever; here every `run_worker` process
writes a heartbeat row, and any worker puts back in the queue the RUNNING tasks of a worker
whose heartbeat stopped (TASKS_WORKER_LOST_AFTER_SECONDS). Tasks are thus run at least once.
"""

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import WorkerProcess
from .queue import TaskResultStatus

logger = logging.getLogger("events.worker")

StartHook = Callable[[], None]
_start_hooks: list[StartHook] = []


def on_worker_start(func: StartHook) -> StartHook:
    """Register `func` to run when a worker starts, before its first task (a decorator).

    For work that must catch up after downtime, e.g. queueing scheduled actions whose task was
    lost. Overdue tasks already in the queue need nothing: they run first, earliest first.
    Several workers may start at once: a hook must be safe to run concurrently (claim rows).
    """
    if func not in _start_hooks:
        _start_hooks.append(func)
    return func


def worker_start_hooks() -> list[StartHook]:
    """The registered start-up hooks, in registration order."""
    return list(_start_hooks)


def worker_register(worker_id: str) -> None:
    """Record this process as a live worker (its first heartbeat)."""
    now = timezone.now()
    WorkerProcess.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "seen_at": now,
        },
    )


def worker_beat(worker_id: str) -> None:
    """Say this worker is alive."""
    updated = WorkerProcess.objects.filter(worker_id=worker_id).update(seen_at=timezone.now())
    if not updated:  # deleted as lost while it was paused: come back
        worker_register(worker_id)


def worker_unregister(worker_id: str, *, requeue_running: bool) -> None:
    """Remove this worker's heartbeat; with `requeue_running`, put its RUNNING tasks back."""
    with transaction.atomic():
        if requeue_running:
            _requeue(_running_of({worker_id}))
        WorkerProcess.objects.filter(worker_id=worker_id).delete()


def worker_requeue_running(worker_id: str) -> int:
    """Put this worker's RUNNING tasks back in the queue (their end was never recorded)."""
    with transaction.atomic():
        return _requeue(_running_of({worker_id}))


def _running_of(worker_ids: set[str]) -> list[DBTaskResult]:
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    return [t for t in running if t.worker_ids and t.worker_ids[-1] in worker_ids]


def _requeue(tasks: list[DBTaskResult]) -> int:
    count = 0
    for result in tasks:
        count += DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        ).update(status=TaskResultStatus.READY, started_at=None)
        logger.warning(
            "Task %s (%s) of lost worker %s is queued again",
            result.pk,
            result.task_path,
            result.worker_ids[-1] if result.worker_ids else "?",
        )
    return count


def lost_tasks_recover(*, now: dt.datetime | None = None) -> int:
    """Queue again the RUNNING tasks whose worker stopped beating; the number recovered.

    A task counts as lost when its worker has no heartbeat newer than
    TASKS_WORKER_LOST_AFTER_SECONDS and the task started before that, too (a task claimed by
    a worker that never beat, e.g. plain `db_worker`, is given the same grace).
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=float(settings.TASKS_WORKER_LOST_AFTER_SECONDS))
    with transaction.atomic():
        alive = set(
            WorkerProcess.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
        )
        running = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        lost = [t for t in running if not t.worker_ids or t.worker_ids[-1] not in alive]
        recovered = _requeue(lost)
        WorkerProcess.objects.filter(seen_at__lt=cutoff).delete()
    return recovered


class Heartbeat(threading.Thread):
    """A daemon thread that beats for `worker_id` and recovers lost workers' tasks."""

    def __init__(self, worker_id: str, *, interval: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    close_old_connections()
                    worker_beat(self.worker_id)
                    lost_tasks_recover()
                except Exception:  # the database is down for a moment: beat again later
                    logger.exception("Worker heartbeat failed; trying again")
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=self.interval + 5)
