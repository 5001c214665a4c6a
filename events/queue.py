"""The task queue, one import point: Django's tasks API and the helpers every task uses.

Define a task with `@task()` (from here, not from django_tasks: Django 6 ships the same API as
django.tasks, and the switch then happens in this module only). Enqueue it inside the
transaction of the change it belongs to: with the database backend the task is a row of that
transaction, so a rolled-back change enqueues nothing and a committed one loses nothing.

    from events.queue import enqueue_at, task

    @task()
    def scheduled_publish_run(*, action_id: int) -> None: ...

    with transaction.atomic():
        action = ScheduledAction.objects.create(..., run_at=when)
        enqueue_at(scheduled_publish_run, when, action_id=action.pk)

Tasks run at least once: a worker that dies mid-task leaves it to be run again (events/worker.py).
A task that must take effect exactly once claims its row: see `claim_once`.
"""

import datetime as dt
import random
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_tasks import TaskContext, TaskResult, TaskResultStatus, default_task_backend, task
from django_tasks.base import Task

__all__ = [
    "Task",
    "TaskContext",
    "TaskResult",
    "TaskResultStatus",
    "backoff_delay",
    "claim_once",
    "default_task_backend",
    "enqueue_at",
    "retry_later",
    "task",
]

M = TypeVar("M", bound=models.Model)


def enqueue_at(task_: Task[Any, Any], when: dt.datetime, /, **kwargs: Any) -> TaskResult[Any]:
    """Enqueue `task_` to run at `when` (not before; a worker picks it up within its poll interval).

    Call it inside the transaction that creates the thing to be done. A time in the past runs
    as soon as a worker is free; overdue tasks run in order of their time, earliest first
    (the backend orders ready tasks by priority, then `run_after`).
    """
    if timezone.is_naive(when):
        raise ValueError("enqueue_at needs an aware datetime (timezone.now() + ..., or tz-aware).")
    return task_.using(run_after=when).enqueue(**kwargs)


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before try number `attempt + 1`: exponential, capped, with full jitter."""
    base = float(settings.EVENTS_RETRY_BASE_SECONDS)
    cap = float(settings.EVENTS_RETRY_MAX_SECONDS)
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    # Half fixed, half random: retries of many failed runs spread out instead of stampeding.
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def retry_later(task_: Task[Any, Any], *, attempt: int, **kwargs: Any) -> TaskResult[Any]:
    """Enqueue `task_` again for try `attempt + 1`, after `backoff_delay(attempt)` seconds."""
    when = timezone.now() + dt.timedelta(seconds=backoff_delay(attempt))
    return task_.using(run_after=when).enqueue(attempt=attempt + 1, **kwargs)


def claim_once(
    queryset: models.QuerySet[M], *, pk: Any, field: str, pending: str, done: str
) -> M | None:
    """Move row `pk` from `pending` to `done` and return it, or None if it is not pending.

    Call it inside `transaction.atomic()` together with the work: the claim and the work
    commit together, so however often the task runs (a duplicate, a retry, a worker that died
    after the commit), the work takes effect once. The conditional UPDATE is the lock: of two
    workers claiming at once, exactly one updates the row.
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("claim_once must run inside transaction.atomic() with the work.")
    claimed = queryset.filter(pk=pk, **{field: pending}).update(**{field: done})
    return queryset.get(pk=pk) if claimed else None
