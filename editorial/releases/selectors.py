"""Reads of scheduled actions and releases, for the admin and the editor API."""

from typing import Any

from django.db.models import Count, QuerySet

from .models import Release, ScheduledAction, ScheduleState


def actions_of_treatment(*, treatment_id: Any) -> QuerySet[ScheduledAction]:
    """A treatment's scheduled actions, pending and past, earliest first."""
    return ScheduledAction.objects.filter(treatment_id=treatment_id).select_related(
        "created_by", "treatment"
    )


def actions_upcoming() -> QuerySet[ScheduledAction]:
    """Every pending action (treatments' and releases'), the next one first."""
    return ScheduledAction.objects.filter(state=ScheduleState.PENDING).select_related(
        "created_by", "treatment", "release"
    )


def release_list(*, state: str | None = None) -> QuerySet[Release]:
    """Releases, newest first, with their member counts."""
    releases = Release.objects.annotate(member_count=Count("members"))
    if state:
        releases = releases.filter(state=state)
    return releases


def release_schedule(release: Release) -> ScheduledAction | None:
    """The release's pending schedule, else its latest one (None if never scheduled)."""
    actions = release.scheduled_actions.select_related("created_by")
    pending = actions.filter(state=ScheduleState.PENDING).first()
    return pending or actions.order_by("-created_at", "-id").first()


def release_get(*, release_id: Any) -> Release | None:
    """One release with its members and their treatments, or None."""
    return (
        Release.objects.filter(pk=release_id)
        .select_related("created_by")
        .prefetch_related("members__treatment")
        .first()
    )
