"""The task that runs one handler on one event, with retries; and re-running a failed run."""

import datetime as dt
import logging
import traceback

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .handlers import EventHandler, handler_get
from .models import HandlerRun, HandlerRunStatus
from .queue import backoff_delay, task

logger = logging.getLogger("events")

# A task's error text is kept this long in HandlerRun.last_error.
ERROR_EXCERPT_CHARS = 4000


class HandlerFailed(Exception):
    """A handler raised; its run records the error and a retry is queued (or it gave up)."""


@task()
def handle_event(*, event_id: int, handler: str) -> str:
    """Run the registered handler `handler` on event `event_id`, once; retry it if it fails.

    Returns the run's status. A run that is no longer pending (it succeeded, failed for good,
    or is a duplicate of a retry that already ran) is left alone, so duplicates are harmless.
    """
    spec = handler_get(handler)
    if spec.atomic:
        return _run_atomic(spec, event_id)
    return _run_outside_transaction(spec, event_id)


def _run_atomic(spec: EventHandler, event_id: int) -> str:
    failure: BaseException | None = None
    with transaction.atomic():
        run = (
            HandlerRun.objects.select_for_update()
            .select_related("event")
            .get(event_id=event_id, handler=spec.name)
        )
        if run.status != HandlerRunStatus.PENDING:
            return str(run.status)
        try:
            # A savepoint: a failing handler's writes are undone, its failure is recorded.
            with transaction.atomic():
                spec.func(run.event)
        except Exception as exc:
            failure = exc
            _record_failure(run, spec, exc)
        else:
            _record_success(run)
    if failure is not None:
        raise HandlerFailed(f"{spec.name} failed on event #{event_id}: {failure!r}") from failure
    return str(run.status)


def _run_outside_transaction(spec: EventHandler, event_id: int) -> str:
    run = HandlerRun.objects.select_related("event").get(event_id=event_id, handler=spec.name)
    if run.status != HandlerRunStatus.PENDING:
        return str(run.status)
    try:
        spec.func(run.event)
    except Exception as exc:
        with transaction.atomic():
            run = HandlerRun.objects.select_for_update().get(pk=run.pk)
            if run.status == HandlerRunStatus.PENDING:
                _record_failure(run, spec, exc)
        raise HandlerFailed(f"{spec.name} failed on event #{event_id}: {exc!r}") from exc
    with transaction.atomic():
        run = HandlerRun.objects.select_for_update().get(pk=run.pk)
        if run.status == HandlerRunStatus.PENDING:
            _record_success(run)
    return str(run.status)


def _record_success(run: HandlerRun) -> None:
    run.status = HandlerRunStatus.SUCCEEDED
    run.attempts += 1
    run.finished_at = timezone.now()
    run.next_attempt_at = None
    run.save(update_fields=["status", "attempts", "finished_at", "next_attempt_at"])


def _record_failure(run: HandlerRun, spec: EventHandler, exc: BaseException) -> None:
    """Count the attempt; queue the next one after a backoff, or give up after the last."""
    run.attempts += 1
    run.last_error = "".join(traceback.format_exception(exc))[-ERROR_EXCERPT_CHARS:]
    limit = spec.max_attempts or int(settings.EVENTS_HANDLER_MAX_ATTEMPTS)
    if run.attempts >= limit:
        run.status = HandlerRunStatus.FAILED
        run.finished_at = timezone.now()
        run.next_attempt_at = None
        logger.error(
            "Event handler %s gave up on event #%s after %s attempts",
            spec.name,
            run.event_id,
            run.attempts,
        )
    else:
        run.next_attempt_at = timezone.now() + dt.timedelta(seconds=backoff_delay(run.attempts))
        handle_event.using(
            queue_name=spec.queue_name, priority=spec.priority, run_after=run.next_attempt_at
        ).enqueue(event_id=run.event_id, handler=spec.name)
    run.save(update_fields=["status", "attempts", "last_error", "finished_at", "next_attempt_at"])


@transaction.atomic
def handler_run_retry(*, run_id: int) -> HandlerRun:
    """Queue a failed (or stuck) run again now, with a fresh count of attempts."""
    run = HandlerRun.objects.select_for_update().get(pk=run_id)
    if run.status == HandlerRunStatus.SUCCEEDED:
        return run
    spec = handler_get(run.handler)
    run.status = HandlerRunStatus.PENDING
    run.attempts = 0
    run.finished_at = None
    run.next_attempt_at = None
    run.save(update_fields=["status", "attempts", "finished_at", "next_attempt_at"])
    handle_event.using(queue_name=spec.queue_name, priority=spec.priority).enqueue(
        event_id=run.event_id, handler=run.handler
    )
    return run
