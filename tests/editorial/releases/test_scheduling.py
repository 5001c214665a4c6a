"""Scheduled publishes and withdrawals: bound to a version, run once on time, else cancelled."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from editorial.releases.models import ScheduledAction, ScheduleState
from editorial.releases.running import overdue_actions_run, scheduled_action_run
from editorial.releases.services import ScheduleInputError, schedule_cancel, schedule_create
from editorial.releases.tasks import run_overdue_actions
from events.worker import worker_start_hooks
from tests.events.support import run_tasks
from treatments import services
from treatments.choices import AuditAction
from treatments.models import AuditEntry, ChangeLogEntry, Publication, Revision, Treatment

from .support import backdate, edit, make_due, queued_emails, soon


def _publish_at(treatment: Treatment, actor: User, when: dt.datetime | None = None) -> Any:
    treatment.refresh_from_db()
    return schedule_create(
        treatment_id=treatment.pk,
        kind="publish",
        run_at=when or soon(),
        expected_version=treatment.version,
        actor=actor,
    )


def _live(treatment: Treatment) -> bool:
    return Publication.objects.filter(treatment=treatment, withdrawn_at__isnull=True).exists()


def _actions(treatment: Treatment) -> list[str]:
    return list(
        AuditEntry.objects.filter(treatment=treatment)
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_scheduling_a_publish_binds_the_version_and_queues_a_task_for_its_time(
    drafts: list[Treatment], publisher: User
) -> None:
    when = soon(600)
    action = _publish_at(drafts[0], publisher, when)

    assert (action.state, action.kind, action.version) == ("pending", "publish", 1)
    (task,) = DBTaskResult.objects.filter(task_path__endswith="run_scheduled_action")
    assert task.run_after == when
    assert task.args_kwargs["kwargs"] == {"action_id": action.pk}
    assert _actions(drafts[0])[-1] == AuditAction.SCHEDULE
    assert not _live(drafts[0])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("when", "message"),
    [
        (timezone.now() - dt.timedelta(minutes=1), "not in the future"),
        (dt.datetime(2031, 1, 1, 9, 0), "UTC offset"),
        (timezone.now() + dt.timedelta(days=365 * 50), "five years"),
    ],
)
def test_a_time_in_the_past_naive_or_absurd_is_refused_and_nothing_is_written(
    drafts: list[Treatment], publisher: User, when: dt.datetime, message: str
) -> None:
    with pytest.raises(ScheduleInputError, match=message):
        _publish_at(drafts[0], publisher, when)
    assert ScheduledAction.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_a_working_copy_that_fails_the_publish_gates_cannot_be_scheduled(
    drafts: list[Treatment], publisher: User, gate: dict[Any, str]
) -> None:
    gate[drafts[0].pk] = "No valid approval for this version."
    with pytest.raises(services.PublishRefusedError, match="No valid approval"):
        _publish_at(drafts[0], publisher)
    assert ScheduledAction.objects.count() == 0


@pytest.mark.django_db
def test_a_stale_version_cannot_be_scheduled(drafts: list[Treatment], publisher: User) -> None:
    with pytest.raises(services.ConflictError):
        schedule_create(
            treatment_id=drafts[0].pk,
            kind="publish",
            run_at=soon(),
            expected_version=drafts[0].version - 1 or 99,
            actor=publisher,
        )


@pytest.mark.django_db
def test_an_editor_may_not_schedule(drafts: list[Treatment], people: dict[str, User]) -> None:
    with pytest.raises(services.ForbiddenError):
        _publish_at(drafts[0], people["editor"])


@pytest.mark.django_db(transaction=True)
def test_the_worker_publishes_a_due_action_once_and_tells_the_scheduler(
    drafts: list[Treatment], publisher: User
) -> None:
    action = _publish_at(drafts[0], publisher, soon(2))
    run_tasks()
    assert not _live(drafts[0]), "not before its time"
    make_due(action)

    run_tasks()  # the queued task
    assert scheduled_action_run(action_id=action.pk) == "skipped", "a duplicate does nothing"
    run_tasks()

    action.refresh_from_db()
    assert action.state == ScheduleState.DONE and action.ran_at is not None
    assert "Published 1" in action.result
    assert _live(drafts[0])
    assert Revision.objects.filter(treatment=drafts[0]).count() == 1
    assert _actions(drafts[0]).count(AuditAction.SCHEDULE_RUN) == 1
    publish = AuditEntry.objects.get(treatment=drafts[0], action=AuditAction.PUBLISH)
    assert publish.actor == publisher, "published in the scheduler's name"
    (notice,) = mail.outbox
    assert notice.to == ["publisher@example.org"]
    assert notice.subject.startswith("Done: publish")


@pytest.mark.django_db
def test_an_action_that_is_not_due_yet_does_not_run(
    drafts: list[Treatment], publisher: User
) -> None:
    action = _publish_at(drafts[0], publisher, soon(120))
    assert scheduled_action_run(action_id=action.pk) == "not due"
    assert overdue_actions_run() == []
    action.refresh_from_db()
    assert action.state == ScheduleState.PENDING


@pytest.mark.django_db
def test_overdue_actions_run_on_worker_start_in_time_order_exactly_once(
    drafts: list[Treatment], publisher: User
) -> None:
    assert run_overdue_actions in worker_start_hooks()
    actions = [_publish_at(t, publisher) for t in drafts]
    # Due in the order 2, 0, 1 (seconds ago: the larger, the earlier).
    for action, ago in zip(actions, [20, 5, 30], strict=True):
        backdate(action, seconds=ago)
    before = ChangeLogEntry.objects.count()

    run_overdue_actions()
    run_overdue_actions()  # a second start (or a second worker) finds nothing left to do

    log = list(ChangeLogEntry.objects.order_by("sequence")[before:])
    assert [e.treatment_id for e in log] == [drafts[2].pk, drafts[0].pk, drafts[1].pk]
    assert all(Revision.objects.filter(treatment=t).count() == 1 for t in drafts)
    assert set(ScheduledAction.objects.values_list("state", flat=True)) == {"done"}


@pytest.mark.django_db(transaction=True)
def test_after_a_restart_the_queued_tasks_of_actions_run_on_start_do_nothing(
    drafts: list[Treatment], publisher: User
) -> None:
    action = make_due(_publish_at(drafts[0], publisher))
    run_overdue_actions()  # the worker's start hook ran it
    run_tasks()  # then its queued task comes round
    (task,) = DBTaskResult.objects.filter(task_path__endswith="run_scheduled_action")
    assert task.status == "SUCCESSFUL" and task.return_value == "skipped"
    action.refresh_from_db()
    assert action.state == ScheduleState.DONE
    assert Revision.objects.filter(treatment=drafts[0]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_action_never_runs(drafts: list[Treatment], publisher: User) -> None:
    action = _publish_at(drafts[0], publisher)
    schedule_cancel(action_id=action.pk, treatment_id=drafts[0].pk, actor=publisher)
    make_due(action)

    run_overdue_actions()
    run_tasks()

    action.refresh_from_db()
    assert action.state == ScheduleState.CANCELLED and action.cancelled_by == publisher
    assert not _live(drafts[0])
    assert AuditAction.UNSCHEDULE in _actions(drafts[0])
    with pytest.raises(services.StateError, match="cancelled already"):
        schedule_cancel(action_id=action.pk, actor=publisher)


@pytest.mark.django_db
def test_a_publish_edited_after_scheduling_is_cancelled_with_a_notice(
    drafts: list[Treatment], people: dict[str, User]
) -> None:
    action = _publish_at(drafts[0], people["publisher"])
    edit(drafts[0], summary="Changed after the publish was scheduled.", actor=people["editor"])
    backdate(action)

    assert scheduled_action_run(action_id=action.pk) == "cancelled"

    action.refresh_from_db()
    assert "changed after the publish was scheduled" in action.cancel_reason
    assert not _live(drafts[0])
    assert Revision.objects.filter(treatment=drafts[0]).count() == 0
    (notice,) = queued_emails()
    assert notice["to"] == ["publisher@example.org", "editor@example.org"]
    assert notice["subject"].startswith("Not done: publish")
    assert "Nothing was changed" in notice["body"]


@pytest.mark.django_db
def test_a_publish_whose_approval_is_gone_at_run_time_is_cancelled(
    drafts: list[Treatment], publisher: User, gate: dict[Any, str]
) -> None:
    action = backdate(_publish_at(drafts[0], publisher))
    gate[drafts[0].pk] = "The approval was withdrawn."

    assert scheduled_action_run(action_id=action.pk) == "cancelled"

    action.refresh_from_db()
    assert action.cancel_reason == "The approval was withdrawn."
    assert not _live(drafts[0])


@pytest.mark.django_db
def test_a_scheduled_withdrawal_takes_a_live_treatment_down(
    seed_published: Treatment, publisher: User
) -> None:
    action = schedule_create(
        treatment_id=seed_published.pk,
        kind="withdraw",
        run_at=soon(),
        expected_version=None,
        actor=publisher,
    )
    assert action.version is None
    backdate(action)

    assert scheduled_action_run(action_id=action.pk) == "done"
    assert not _live(seed_published)
    assert ChangeLogEntry.objects.order_by("sequence").last().kind == "withdraw"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_withdrawal_of_what_is_not_live_is_cancelled(
    drafts: list[Treatment], publisher: User
) -> None:
    action = schedule_create(
        treatment_id=drafts[0].pk,
        kind="withdraw",
        run_at=soon(),
        expected_version=None,
        actor=publisher,
    )
    backdate(action)
    assert scheduled_action_run(action_id=action.pk) == "cancelled"
    action.refresh_from_db()
    assert "not published" in action.cancel_reason


@pytest.mark.django_db
def test_a_fault_while_publishing_marks_the_action_failed_and_changes_nothing(
    drafts: list[Treatment], publisher: User, failing_hook: Any
) -> None:
    action = backdate(_publish_at(drafts[0], publisher))
    failing_hook(1)
    before = ChangeLogEntry.objects.count()

    assert scheduled_action_run(action_id=action.pk) == "failed"

    action.refresh_from_db()
    assert "injected failure" in action.cancel_reason
    assert ChangeLogEntry.objects.count() == before
    assert not _live(drafts[0])
    assert Treatment.objects.get(pk=drafts[0].pk).version == action.version
    assert queued_emails()[0]["subject"].startswith("Not done")
