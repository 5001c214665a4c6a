"""The outbox: one event per public change, written and enqueued in the change's transaction."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from events.models import HandlerRun, HandlerRunStatus, OutboxEvent
from events.types import EventType
from treatments import services
from treatments.models import ChangeLogEntry, Treatment

from .support import edit_and_publish, run_tasks


@pytest.fixture(autouse=True)
def without_the_webhooks_fan_out() -> Iterator[None]:
    """The webhooks' own handler stands aside: these tests count handler runs and tasks."""
    from events.handlers import handler_get, handler_register, handler_unregister
    from events.webhooks.delivery import FAN_OUT_HANDLER

    spec = handler_get(FAN_OUT_HANDLER)
    handler_unregister(FAN_OUT_HANDLER)
    yield
    handler_register(spec)


class Rollback(Exception):
    """Raised to roll a transaction back on purpose."""


def _publish(treatment_id: Any) -> None:
    version = Treatment.objects.get(pk=treatment_id).version
    services.treatment_publish(treatment_id=treatment_id, expected_version=version, actor=None)


def _version(treatment_id: Any) -> int:
    return Treatment.objects.get(pk=treatment_id).version


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_publish_writes_no_event_and_enqueues_no_task(
    seed_draft: Any, register_handler: Any
) -> None:
    register_handler("test.record", lambda event: None, event_types=list(EventType))
    with pytest.raises(Rollback), transaction.atomic():
        _publish(seed_draft.pk)
        # Inside the transaction the event and its task exist: they are rows of this change.
        assert OutboxEvent.objects.count() == 1
        assert DBTaskResult.objects.count() == 1
        raise Rollback
    assert OutboxEvent.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert HandlerRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_every_public_change_writes_exactly_one_event_with_increasing_sequence(
    seed_draft: Any,
) -> None:
    pk = seed_draft.pk
    _publish(pk)
    edit_and_publish(pk, lambda content: content.update(summary="A summary, edited once."))
    services.treatment_unpublish(treatment_id=pk, expected_version=_version(pk), actor=None)
    services.treatment_revert(
        treatment_id=pk, revision_number=1, expected_version=_version(pk), actor=None
    )
    services.treatment_revert(
        treatment_id=pk, revision_number=2, expected_version=_version(pk), actor=None
    )
    services.treatment_delete(treatment_id=pk, expected_version=_version(pk), actor=None)
    # Undeleting changes nothing public (it comes back unpublished): no event.
    services.treatment_restore(treatment_id=pk, expected_version=_version(pk), actor=None)

    events = list(OutboxEvent.objects.order_by("id"))
    assert [(e.type, e.revision) for e in events] == [
        (EventType.TREATMENT_PUBLISHED, 1),
        (EventType.TREATMENT_UPDATED, 2),
        (EventType.TREATMENT_WITHDRAWN, 2),
        (EventType.TREATMENT_RESTORED, 3),
        (EventType.TREATMENT_UPDATED, 4),
        (EventType.TREATMENT_WITHDRAWN, 4),
    ]
    sequences = [e.sequence or 0 for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert sequences == list(
        ChangeLogEntry.objects.order_by("sequence").values_list("sequence", flat=True)
    ), "one event per change-log entry, carrying its sequence"
    assert {e.treatment_id for e in events} == {pk}
    assert {e.slug for e in events} == {seed_draft.slug}


@pytest.mark.django_db(transaction=True)
def test_the_payload_carries_public_facts_only(seed_draft: Any) -> None:
    _publish(seed_draft.pk)
    edit_and_publish(seed_draft.pk, lambda content: content.update(summary="Draft words."))
    # A draft edit after the publish: it must not reach any payload.
    treatment = Treatment.objects.get(pk=seed_draft.pk)
    services.treatment_unpublish(
        treatment_id=treatment.pk, expected_version=treatment.version, actor=None
    )
    event = OutboxEvent.objects.get(type=EventType.TREATMENT_UPDATED)
    assert event.sequence is not None
    entry = ChangeLogEntry.objects.get(sequence=event.sequence)
    assert event.payload == {
        "type": "treatment.updated",
        "sequence": entry.sequence,
        "occurred_at": entry.created_at.isoformat(),
        "treatment": {"id": str(seed_draft.pk), "slug": seed_draft.slug, "slugs": [entry.slug]},
        "revision": 2,
        "category": entry.category_slug,
        "previous_category": None,
        "language": entry.language,
    }
    for event in OutboxEvent.objects.all():
        assert "Draft words." not in str(event.payload)
        assert "summary" not in str(event.payload)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_each_handler_on_the_event_in_its_own_task(
    seed_draft: Any, register_handler: Any
) -> None:
    seen: list[tuple[str, str, int | None]] = []
    register_handler(
        "test.first",
        lambda event: seen.append(("first", event.type, event.sequence)),
        event_types=[EventType.TREATMENT_PUBLISHED],
    )
    register_handler(
        "test.second",
        lambda event: seen.append(("second", event.type, event.sequence)),
        event_types=[EventType.TREATMENT_PUBLISHED, EventType.TREATMENT_WITHDRAWN],
    )
    _publish(seed_draft.pk)
    assert seen == [], "publishing does not wait for the handlers"
    assert DBTaskResult.objects.count() == 2, "one task per handler"

    run_tasks()

    event = OutboxEvent.objects.get()
    assert sorted(seen) == [
        ("first", "treatment.published", event.sequence),
        ("second", "treatment.published", event.sequence),
    ]
    assert set(HandlerRun.objects.values_list("status", flat=True)) == {"succeeded"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_neither_blocks_the_others_nor_keeps_its_writes(
    seed_draft: Any, register_handler: Any, settings: Any
) -> None:
    settings.EVENTS_RETRY_BASE_SECONDS = 0  # retries are due at once
    settings.EVENTS_HANDLER_MAX_ATTEMPTS = 3
    seen: list[str] = []

    def failing(event: OutboxEvent) -> None:
        # A write the failure must undo (atomic handler): the event's slug, changed.
        OutboxEvent.objects.filter(pk=event.pk).update(slug="written-by-a-failed-handler")
        raise RuntimeError("the consumer is down")

    register_handler("test.failing", failing, event_types=[EventType.TREATMENT_PUBLISHED])
    register_handler(
        "test.working", lambda e: seen.append(e.type), event_types=[EventType.TREATMENT_PUBLISHED]
    )
    _publish(seed_draft.pk)
    run_tasks()

    assert seen == ["treatment.published"]
    failed = HandlerRun.objects.get(handler="test.failing")
    assert failed.status == HandlerRunStatus.FAILED
    assert failed.attempts == 3, "tried, then retried until EVENTS_HANDLER_MAX_ATTEMPTS"
    assert "the consumer is down" in failed.last_error
    assert HandlerRun.objects.get(handler="test.working").status == HandlerRunStatus.SUCCEEDED
    assert OutboxEvent.objects.get().slug == seed_draft.slug, "the failed handler's write undone"


@pytest.mark.django_db(transaction=True)
def test_a_retried_handler_succeeds_once_and_a_duplicate_task_does_nothing(
    seed_draft: Any, register_handler: Any, settings: Any
) -> None:
    settings.EVENTS_RETRY_BASE_SECONDS = 0
    calls: list[int] = []

    def flaky(event: OutboxEvent) -> None:
        calls.append(event.pk)
        if len(calls) == 1:
            raise ConnectionError("first try fails")

    register_handler("test.flaky", flaky, event_types=[EventType.TREATMENT_PUBLISHED])
    _publish(seed_draft.pk)
    run_tasks()
    run = HandlerRun.objects.get()
    assert (run.status, run.attempts, len(calls)) == (HandlerRunStatus.SUCCEEDED, 2, 2)

    # A duplicate of the task (a redelivery after a crash) finds the run done: no third call.
    from events.tasks import handle_event

    handle_event.enqueue(event_id=run.event_id, handler="test.flaky")
    run_tasks()
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_network_handler_runs_outside_the_transaction(
    seed_draft: Any, register_handler: Any
) -> None:
    in_atomic: list[bool] = []
    register_handler(
        "test.network",
        lambda event: in_atomic.append(transaction.get_connection().in_atomic_block),
        event_types=[EventType.TREATMENT_PUBLISHED],
        atomic=False,
    )
    _publish(seed_draft.pk)
    run_tasks()
    assert in_atomic == [False]
    assert HandlerRun.objects.get().status == HandlerRunStatus.SUCCEEDED


def test_a_handler_for_an_unknown_event_type_is_refused(register_handler: Any) -> None:
    with pytest.raises(ValueError, match="unknown event types"):
        register_handler("test.unknown", lambda event: None, event_types=["treatment.eaten"])
