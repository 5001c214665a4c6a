"""The "Schedule" box on the treatment change page: what is coming up, and where to plan more."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from treatments.models import Treatment
from treatments.permissions import Action, can

from .admin import treatment_schedule_url
from .models import ScheduleState
from .selectors import actions_of_treatment


def schedule_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """The treatment's next scheduled action (and how many are pending), linking to its schedule."""
    if not can(request.user, Action.VIEW):
        return None
    pending = list(
        actions_of_treatment(treatment_id=treatment.pk).filter(state=ScheduleState.PENDING)
    )
    if pending:
        first = pending[0]
        when = timezone.localtime(first.run_at).strftime("%Y-%m-%d %H:%M %Z")
        text = f"Next: {first.get_kind_display().lower()} at {when}"
        if first.version:
            text += f" (version {first.version})"
        if len(pending) > 1:
            text += f"; {len(pending) - 1} more pending"
        text += "."
    else:
        text = "Nothing scheduled."
    if can(request.user, Action.PUBLISH):
        text += " Schedule a publish or a withdrawal, or cancel one."
    return {"title": "Schedule", "url": treatment_schedule_url(treatment), "text": text}
