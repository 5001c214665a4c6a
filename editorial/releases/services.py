"""Scheduling and releases: every write of this app (admin and editor API alike).

Each service checks the actor's right with treatments.permissions, writes its rows and its
audit records in one transaction, and enqueues the worker's task in that same transaction
(a rolled-back schedule leaves no task behind).
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from events.queue import enqueue_at
from treatments import services
from treatments.choices import AuditAction
from treatments.models import Treatment
from treatments.permissions import Action, require

from .models import (
    ChangeKind,
    Release,
    ReleaseMember,
    ReleaseState,
    ScheduledAction,
    ScheduleState,
)
from .releasing import release_go_live, release_refusal
from .tasks import run_scheduled_action

# How far ahead an action may be scheduled: far enough for any embargo, near enough to catch
# a typo in the year.
MAX_AHEAD = dt.timedelta(days=366 * 5)


class ScheduleInputError(services.ServiceError):
    """A schedule or release request is not usable as given (400)."""

    title = "Invalid schedule"


def schedule_time_check(run_at: dt.datetime, *, now: dt.datetime | None = None) -> None:
    """Raise ScheduleInputError unless `run_at` is timezone-aware, in the future and not absurd."""
    now = now or timezone.now()
    if timezone.is_naive(run_at):
        raise ScheduleInputError(
            "Give the time with its UTC offset (e.g. 2030-05-01T09:00:00+02:00 or ...Z), so it "
            "means the same moment everywhere."
        )
    if run_at <= now:
        raise ScheduleInputError(
            f"The time {run_at.isoformat()} is not in the future (now is "
            f"{now.replace(microsecond=0).isoformat()}); to act now, publish or withdraw directly."
        )
    if run_at > now + MAX_AHEAD:
        raise ScheduleInputError("Schedule at most five years ahead; check the year.")


def _treatment(treatment_id: Any) -> Treatment:
    treatment = Treatment.objects.filter(pk=treatment_id, deleted_at__isnull=True).first()
    if treatment is None:
        raise services.NotFoundError(f"No treatment with id {treatment_id!s} (or it is deleted).")
    return treatment


@transaction.atomic
def schedule_create(
    *,
    treatment_id: Any,
    kind: str,
    run_at: dt.datetime,
    expected_version: int | None,
    actor: Any,
    note: str = "",
    request_id: str = "",
) -> ScheduledAction:
    """Schedule a publish (of the working copy at `expected_version`) or a withdrawal.

    A publish binds the working copy's version: if it is edited before the time, the action is
    cancelled instead of publishing the unapproved edit. It must pass the publish gates now.
    """
    require(actor, Action.PUBLISH if kind == ChangeKind.PUBLISH else Action.UNPUBLISH)
    if kind not in ChangeKind.values:
        raise ScheduleInputError(f"Choose the action: {' or '.join(ChangeKind.values)}.")
    schedule_time_check(run_at)
    treatment = _treatment(treatment_id)
    version = None
    if kind == ChangeKind.PUBLISH:
        version = treatment.version if expected_version is None else expected_version
        if version != treatment.version:
            raise services.ConflictError(
                expected_version=version, current_version=treatment.version
            )
        problems = services.publish_problems(
            treatment=services.treatment_get_for_edit(treatment_id=treatment.pk)
        )
        if problems:
            codes = [getattr(p, "code", "") for p in problems]
            raise services.PublishRefusedError(
                "This working copy cannot be scheduled for publishing: " + " ".join(problems),
                code=next((c for c in codes if c), ""),
            )
    action = ScheduledAction.objects.create(
        treatment=treatment,
        kind=kind,
        run_at=run_at,
        version=version,
        note=note[:500],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    enqueue_at(run_scheduled_action, run_at, action_id=action.pk)
    services.audit_record(
        treatment=treatment,
        action=AuditAction.SCHEDULE,
        actor=actor,
        version_before=version,
        version_after=version,
        message=f"Scheduled action #{action.pk}: {kind} at {run_at.isoformat()}. {note}".strip(),
        request_id=request_id,
    )
    return action


@transaction.atomic
def schedule_cancel(
    *,
    action_id: Any,
    actor: Any,
    treatment_id: Any = None,
    reason: str = "",
    request_id: str = "",
) -> ScheduledAction:
    """Cancel a pending scheduled action of a treatment (a release's: release_unschedule)."""
    require(actor, Action.PUBLISH)
    found = ScheduledAction.objects.filter(pk=action_id, treatment__isnull=False)
    if treatment_id is not None:
        found = found.filter(treatment_id=treatment_id)
    action = found.select_related("treatment").first()
    if action is None:
        raise services.NotFoundError(f"No scheduled action {action_id} for this treatment.")
    _cancel(action, actor=actor, reason=reason or "Cancelled.", request_id=request_id)
    return action


def _cancel(action: ScheduledAction, *, actor: Any, reason: str, request_id: str) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    cancelled = ScheduledAction.objects.filter(pk=action.pk, state=ScheduleState.PENDING).update(
        state=ScheduleState.CANCELLED, cancelled_by=user, cancel_reason=reason[:1000]
    )
    if not cancelled:
        action.refresh_from_db()
        raise services.StateError(
            f"Scheduled action #{action.pk} is {action.state} already; only a pending one can "
            "be cancelled."
        )
    action.refresh_from_db()
    treatments = (
        [action.treatment]
        if action.treatment_id is not None
        else [m.treatment for m in action.release.members.select_related("treatment")]  # type: ignore[union-attr]
    )
    for treatment in treatments:
        services.audit_record(
            treatment=treatment,  # type: ignore[arg-type]
            action=AuditAction.UNSCHEDULE,
            actor=actor,
            message=f"Scheduled action #{action.pk} ({action.kind} at "
            f"{action.run_at.isoformat()}) cancelled: {reason}",
            request_id=request_id,
        )


# --- releases ------------------------------------------------------------------------------


@transaction.atomic
def release_create(*, name: str, actor: Any) -> Release:
    """A new, empty draft release."""
    require(actor, Action.PUBLISH)
    name = name.strip()
    if not name:
        raise ScheduleInputError("Give the release a name (e.g. “Spring update”).")
    return Release.objects.create(
        name=name[:200], created_by=actor if getattr(actor, "is_authenticated", False) else None
    )


@transaction.atomic
def release_rename(*, release_id: Any, name: str, actor: Any) -> Release:
    """Rename a draft release."""
    require(actor, Action.PUBLISH)
    release = _draft(release_id)
    name = name.strip()
    if not name:
        raise ScheduleInputError("Give the release a name (e.g. “Spring update”).")
    release.name = name[:200]
    release.save(update_fields=["name"])
    return release


def _draft(release_id: Any) -> Release:
    release = Release.objects.select_for_update().filter(pk=release_id).first()
    if release is None:
        raise services.NotFoundError(f"No release {release_id}.")
    if release.state != ReleaseState.DRAFT:
        raise services.StateError(
            f"The release is {release.state}; only a draft release can change"
            + (" (cancel its schedule first)." if release.state == ReleaseState.SCHEDULED else ".")
        )
    return release


@transaction.atomic
def release_member_set(
    *,
    release_id: Any,
    treatment_id: Any,
    action: str,
    expected_version: int | None,
    actor: Any,
) -> ReleaseMember:
    """Add a treatment to a draft release (or re-bind it to the current working copy)."""
    require(actor, Action.PUBLISH)
    if action not in ChangeKind.values:
        raise ScheduleInputError(f"Choose the action: {' or '.join(ChangeKind.values)}.")
    release = _draft(release_id)
    treatment = _treatment(treatment_id)
    version = treatment.version if expected_version is None else expected_version
    if version != treatment.version:
        raise services.ConflictError(expected_version=version, current_version=treatment.version)
    user = actor if getattr(actor, "is_authenticated", False) else None
    member, _ = ReleaseMember.objects.update_or_create(
        release=release,
        treatment=treatment,
        defaults={"action": action, "version": version, "added_by": user},
    )
    return member


@transaction.atomic
def release_member_remove(*, release_id: Any, treatment_id: Any, actor: Any) -> Release:
    """Take a treatment out of a draft release."""
    require(actor, Action.PUBLISH)
    release = _draft(release_id)
    deleted, _ = ReleaseMember.objects.filter(release=release, treatment_id=treatment_id).delete()
    if not deleted:
        raise services.NotFoundError(f"Treatment {treatment_id} is not a member of this release.")
    return release


@transaction.atomic
def release_publish(*, release_id: Any, actor: Any, request_id: str = "") -> Release:
    """Make every member of a draft release live now, in one transaction; all or nothing.

    Every member must pass the publish gates (a valid approval among them) and still be at the
    version it was added at; otherwise ReleaseRefusedError names them and nothing changes.
    """
    require(actor, Action.PUBLISH)
    release = _draft(release_id)
    refusal = release_refusal(release)
    if refusal is not None:
        raise refusal
    release_go_live(release=release, actor=actor, request_id=request_id)
    return release


@transaction.atomic
def release_schedule(
    *, release_id: Any, run_at: dt.datetime, actor: Any, request_id: str = ""
) -> ScheduledAction:
    """Schedule a draft release to go live at `run_at` (its members must pass the gates now)."""
    require(actor, Action.PUBLISH)
    schedule_time_check(run_at)
    release = _draft(release_id)
    refusal = release_refusal(release)
    if refusal is not None:
        raise refusal
    action = ScheduledAction.objects.create(
        release=release,
        kind=ChangeKind.PUBLISH,
        run_at=run_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    release.state = ReleaseState.SCHEDULED
    release.message = ""
    release.save(update_fields=["state", "message"])
    enqueue_at(run_scheduled_action, run_at, action_id=action.pk)
    for member in release.members.select_related("treatment"):
        services.audit_record(
            treatment=member.treatment,
            action=AuditAction.SCHEDULE,
            actor=actor,
            version_before=member.version,
            version_after=member.version,
            message=f"Release “{release.name}” (#{release.pk}) scheduled for "
            f"{run_at.isoformat()} (scheduled action #{action.pk}): {member.action}.",
            request_id=request_id,
        )
    return action


@transaction.atomic
def release_unschedule(
    *, release_id: Any, actor: Any, reason: str = "", request_id: str = ""
) -> Release:
    """Cancel a scheduled release's time; it becomes a draft again (members can change)."""
    require(actor, Action.PUBLISH)
    release = Release.objects.select_for_update().filter(pk=release_id).first()
    if release is None:
        raise services.NotFoundError(f"No release {release_id}.")
    action = release.scheduled_actions.filter(state=ScheduleState.PENDING).first()
    if release.state != ReleaseState.SCHEDULED or action is None:
        raise services.StateError(f"The release is {release.state}, not scheduled.")
    _cancel(action, actor=actor, reason=reason or "Schedule cancelled.", request_id=request_id)
    release.state = ReleaseState.DRAFT
    release.save(update_fields=["state"])
    return release
