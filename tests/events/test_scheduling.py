"""Tasks at a time: overdue ones run first, earliest first; future ones wait; work runs once."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events.mail import email_enqueue
from events.models import HandlerRun, OutboxEvent
from events.queue import backoff_delay, claim_once, enqueue_at
from events.types import EventType

from .support import claim_and_note, note, run_tasks


@pytest.mark.django_db(transaction=True)
def test_overdue_tasks_run_in_time_order_and_future_ones_wait(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    now = timezone.now()
    # Enqueued in the wrong order on purpose, and one plain task enqueued first.
    note.enqueue(path=str(trace), text="immediate")
    for minutes, text in [(-1, "third"), (-30, "first"), (60, "future"), (-10, "second")]:
        enqueue_at(note, now + dt.timedelta(minutes=minutes), path=str(trace), text=text)

    run_tasks()

    assert trace.read_text().split() == ["first", "second", "third", "immediate"]
    assert DBTaskResult.objects.filter(status="READY").count() == 1, "the future task waits"


def test_enqueue_at_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        enqueue_at(note, dt.datetime(2030, 1, 1), path="x", text="y")


@pytest.mark.django_db(transaction=True)
def test_claim_once_makes_duplicate_tasks_do_the_work_once(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    event = OutboxEvent.objects.create(type=EventType.TREATMENT_PUBLISHED, payload={})
    run = HandlerRun.objects.create(event=event, handler="test.scheduled")
    for _ in range(3):  # the original and two duplicates (a retry, a recovered task)
        claim_and_note.enqueue(run_id=run.pk, path=str(trace))

    run_tasks()

    assert trace.read_text().splitlines() == [f"done {run.pk}"]
    assert sorted(bool(r.return_value) for r in DBTaskResult.objects.all()) == [False, False, True]


@pytest.mark.django_db(transaction=True)
def test_claim_once_must_share_the_transaction_of_the_work() -> None:
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        claim_once(OutboxEvent.objects.all(), pk=1, field="type", pending="a", done="b")


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap(settings: Any) -> None:
    settings.EVENTS_RETRY_BASE_SECONDS = 10
    settings.EVENTS_RETRY_MAX_SECONDS = 3600
    for attempt, ceiling in [(1, 10), (2, 20), (5, 160), (20, 3600)]:
        delays = [backoff_delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays)
        assert len(set(delays)) > 1, "jittered"


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_by_the_worker_not_by_the_request() -> None:
    with transaction.atomic():
        email_enqueue(to=["reviewer@example.org"], subject="Review requested", body="Please.")
    assert mail.outbox == [], "enqueuing sends nothing"

    run_tasks()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject, message.body) == (
        ["reviewer@example.org"],
        "Review requested",
        "Please.",
    )
    assert DBTaskResult.objects.get().queue_name == "email"


@pytest.mark.django_db(transaction=True)
def test_an_email_of_a_rolled_back_change_is_never_sent() -> None:
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        email_enqueue(to=["author@example.org"], subject="Approved", body="Yes.")
        1 / 0  # noqa: B018 - the change fails after the email was queued
    run_tasks()
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_tried_again_later(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.events.support.BrokenEmailBackend"
    email_enqueue(to=["author@example.org"], subject="Approved", body="Yes.")
    run_tasks(worker_id="first-try")
    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "FAILED" and "SMTP is down" in first.traceback
    assert retry.status == "READY" and retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now(), "after a backoff"
