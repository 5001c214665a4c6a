"""Running scheduled actions on the worker: each exactly once, or cancelled with a notice.

A run claims its action (pending → done) in the same transaction as the publish, withdrawal
or release it performs: a duplicate task, a retry or a second worker finds it no longer
pending and does nothing. On PostgreSQL the row is locked with SKIP LOCKED first, so a second
worker never waits on the first; on SQLite the immediate transaction serialises them.
A publish that may not go live (the working copy changed after scheduling, no valid approval,
the scheduler lost the right) does not: the action is cancelled, and the people concerned
are told by email.
"""

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from events.queue import claim_once
from treatments import services
from treatments.choices import AuditAction
from treatments.models import Treatment

from .models import ChangeKind, Release, ReleaseState, ScheduledAction, ScheduleState
from .notices import notice_send, treatment_people
from .releasing import release_go_live, release_refusal

logger = logging.getLogger("editorial.releases")

MESSAGE_CHARS = 1000


class ScheduledActionVoid(services.StateError):
    """A scheduled action may not run as scheduled; it is cancelled instead."""


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _check_treatment_action(action: ScheduledAction) -> None:
    """Raise ScheduledActionVoid when the treatment action may not run as scheduled."""
    assert action.treatment is not None
    treatment = Treatment.objects.get(pk=action.treatment.pk)
    if action.created_by_id is None:
        raise ScheduledActionVoid("The person who scheduled it no longer has an account.")
    if treatment.deleted_at is not None:
        raise ScheduledActionVoid("The treatment was deleted after it was scheduled.")
    if action.kind == ChangeKind.PUBLISH:
        if treatment.version != action.version:
            raise ScheduledActionVoid(
                f"The working copy was changed after the publish was scheduled (version "
                f"{action.version}, now {treatment.version}), so the change that was approved "
                "and scheduled is not the one that would go live. Have the current working "
                "copy approved and schedule it again."
            )
        problems = services.publish_problems(
            treatment=services.treatment_get_for_edit(treatment_id=treatment.pk)
        )
        if problems:
            raise ScheduledActionVoid(" ".join(problems))


def _perform_treatment_action(action: ScheduledAction) -> str:
    _check_treatment_action(action)
    note = f"Scheduled {action.kind} #{action.pk}"
    if action.kind == ChangeKind.PUBLISH:
        result = services.treatment_publish(
            treatment_id=action.treatment_id,
            expected_version=action.version,
            actor=action.created_by,
            change_note=action.note or note,
        )
        return result.detail
    services.treatment_unpublish(
        treatment_id=action.treatment_id,
        expected_version=None,
        actor=action.created_by,
        message=action.note or note,
    )
    return "Withdrawn from public reads."


def _perform_release(action: ScheduledAction) -> str:
    release = Release.objects.select_for_update().get(pk=action.release_id)  # type: ignore[misc]
    if release.state != ReleaseState.SCHEDULED:
        raise ScheduledActionVoid(f"The release is {release.state}, no longer scheduled.")
    if action.created_by_id is None:
        raise ScheduledActionVoid("The person who scheduled it no longer has an account.")
    refusal = release_refusal(release)
    if refusal is not None:
        raise ScheduledActionVoid(refusal.detail)
    changes = release_go_live(release=release, actor=action.created_by)
    return f"Released: {len(changes)} public change(s)."


def _people(action: ScheduledAction) -> list[Any]:
    people: list[Any] = [action.created_by] if action.created_by_id else []
    if action.treatment_id is not None:
        people += treatment_people(action.treatment)  # type: ignore[arg-type]
    else:
        for member in action.release.members.select_related("treatment"):  # type: ignore[union-attr]
            people += treatment_people(member.treatment)
    return people


def _finish(
    action: ScheduledAction, *, state: str, message: str, now: dt.datetime, people: list[Any]
) -> None:
    """Record the outcome, audit it and tell the people concerned (all in this transaction)."""
    action.state = state
    action.ran_at = now
    if state == ScheduleState.DONE:
        action.result = message[:MESSAGE_CHARS]
    else:
        action.cancel_reason = message[:MESSAGE_CHARS]
    action.save(update_fields=["state", "ran_at", "result", "cancel_reason"])
    if action.release_id is not None:
        release = Release.objects.get(pk=action.release_id)
        if state != ScheduleState.DONE and release.state == ReleaseState.SCHEDULED:
            release.state = (
                ReleaseState.CANCELLED if state == ScheduleState.CANCELLED else ReleaseState.FAILED
            )
            release.message = message[:MESSAGE_CHARS]
            release.save(update_fields=["state", "message"])
        treatments = [m.treatment for m in release.members.select_related("treatment")]
    else:
        treatments = [action.treatment]  # type: ignore[list-item]
    audit = AuditAction.SCHEDULE_RUN if state == ScheduleState.DONE else AuditAction.UNSCHEDULE
    for treatment in treatments:
        services.audit_record(
            treatment=treatment,
            action=audit,
            actor=None,
            message=f"Scheduled action #{action.pk} ({action.kind} {action.target_label}): "
            f"{state}. {message}",
        )
    kind = action.get_kind_display()
    what = f"{kind} {action.target_label}, scheduled for {_when(action.run_at)}"
    if state == ScheduleState.DONE:
        subject = f"Done: {kind.lower()} {action.target_label}"
        lines = [f"{what}, ran at {_when(now)}.", message]
    else:
        subject = f"Not done: {kind.lower()} {action.target_label}"
        lines = [
            f"{what}, did not go ahead; it is {state}. Nothing was changed.",
            f"Why: {message}",
        ]
    notice_send(people=people, subject=subject, lines=lines)


def scheduled_action_run(*, action_id: int, now: dt.datetime | None = None) -> str:
    """Run scheduled action `action_id` if it is pending and due; what happened, in a word.

    Safe to call any number of times, from any number of workers: the action takes effect
    once. A refused action is cancelled and a crashed one failed, each with a notice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            ScheduledAction.objects.select_for_update(skip_locked=True)
            .filter(pk=action_id, state=ScheduleState.PENDING)
            .first()
        )
        if locked is None:
            return "skipped"  # done, cancelled, or being run by another worker right now
        if locked.run_at > now:
            return "not due"
        action = claim_once(
            ScheduledAction.objects.select_related("treatment", "release", "created_by"),
            pk=action_id,
            field="state",
            pending=ScheduleState.PENDING,
            done=ScheduleState.DONE,
        )
        if action is None:
            return "skipped"
        # Who to tell, as the audit log stands before the run (its publish starts a new era).
        people = _people(action)
        failure: Exception | None = None
        try:
            with transaction.atomic():  # a savepoint: a refused action changes nothing
                if action.release_id is not None:
                    message = _perform_release(action)
                else:
                    message = _perform_treatment_action(action)
        except services.ServiceError as exc:
            state, message = ScheduleState.CANCELLED, exc.detail
        except Exception as exc:  # a fault, not a refusal: recorded, told, and logged
            failure = exc
            state, message = ScheduleState.FAILED, f"It failed: {exc!r}."
        else:
            state = ScheduleState.DONE
        _finish(action, state=state, message=message, now=now, people=people)
    if failure is not None:
        logger.error("Scheduled action #%s failed", action_id, exc_info=failure)
    return str(state)


def overdue_actions_run(*, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Run every pending action that is due, earliest first (the worker does this on start).

    Their queued tasks then find them done and do nothing; a second worker starting at the
    same time skips the ones this one holds.
    """
    now = now or timezone.now()
    due = (
        ScheduledAction.objects.filter(state=ScheduleState.PENDING, run_at__lte=now)
        .order_by("run_at", "id")
        .values_list("pk", flat=True)
    )
    outcomes = []
    for pk in list(due):
        try:
            outcomes.append((pk, scheduled_action_run(action_id=pk, now=now)))
        except Exception:  # the database failed under us: its queued task tries again later
            logger.exception("Scheduled action #%s could not be run on start", pk)
            outcomes.append((pk, "error"))
    return outcomes
