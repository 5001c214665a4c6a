"""How the clinical review plugs into publishing: a gate, the review block, closing rounds.

Registered at start-up (EditorialConfig.ready) with the domain's registries, so every publish
path (admin, editor API, bulk action, scheduled actions, releases) is held to the same rule:

- after a person changed the content since the last published revision, or renamed its
  category (the document carries the name), publishing needs a valid approval of exactly the
  working copy as it stands (`approval_missing`, `approval_void`);
  the system (content loading, an operator's import) publishes unchanged-by-people content;
- the published review block is filled from the approval and the reviewer's profile;
- a publish closes the open review round.

A revert republishes an earlier revision, which went live through this gate when it was
published, so it needs no new approval (see docs/editors/review.md).
"""

from typing import Any

from django.utils import timezone

from treatments.models import Treatment
from treatments.publication import PublicChange
from treatments.services import PublishProblem

from .selectors import approval_required, approval_status, reviewer_label
from .services import review_rounds_close


def approval_gate(*, treatment: Treatment, content: dict[str, Any]) -> list[str]:
    """Why the working copy cannot be published for want of an approval; empty when it can."""
    if not approval_required(treatment, content=content):
        return []
    status = approval_status(treatment, content=content)
    if status.valid:
        return []
    if status.approval is None:
        return [
            PublishProblem(
                "A clinical reviewer must approve these changes before they are published: "
                "request a review.",
                code="approval_missing",
            )
        ]
    return [PublishProblem(status.reason, code="approval_void")]


def approval_review_block(
    *, treatment: Treatment, content: dict[str, Any]
) -> dict[str, Any] | None:
    """The review block of the valid approval: the reviewer's name, credentials and the date."""
    status = approval_status(treatment, content=content)
    if not status.valid or status.approval is None:
        return None
    approval = status.approval
    return {
        "reviewer": reviewer_label(approval.reviewer),
        "last_reviewed_on": timezone.localdate(approval.created_at).isoformat(),
    }


def close_rounds_on_publish(change: PublicChange) -> None:
    """A publish (or revert) ends the open review round of what it published."""
    if change.revision is not None:
        review_rounds_close(
            treatment=change.treatment, reason=f"Published as revision {change.revision.number}."
        )
