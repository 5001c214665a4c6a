"""The "Clinical review" box on the treatment change page: where the review stands, and a link."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from treatments.models import Treatment
from treatments.permissions import Action, can

from .models import ReviewState
from .selectors import review_summary, reviewer_label

_STATES = {"draft": "Draft", **dict(ReviewState.choices)}


def review_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """The review state, whether publishing needs an approval, and the review page's link."""
    if not can(request.user, Action.VIEW) or treatment.deleted_at is not None:
        return None
    summary = review_summary(treatment)
    parts = [str(_STATES.get(summary.state, summary.state))]
    if summary.status.approval is not None and summary.status.valid:
        # As the review block will name them (profile name and credentials), not the username.
        parts.append(f"approved by {reviewer_label(summary.status.approval.reviewer)}")
    elif summary.status.approval is not None and summary.state == "draft":
        parts.append("the last approval is void (edited after it)")
    if summary.approval_required and not summary.status.valid:
        parts.append("publishing needs a clinical reviewer's approval")
    return {
        "title": "Clinical review",
        "url": reverse("admin:editorial_review", args=[treatment.pk]),
        "text": "; ".join(parts) + ".",
    }
