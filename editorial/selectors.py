"""Reads of the clinical review: who authored what since the last publish, and which approval holds.

The four-eyes rule is computed from the audit log, which every write of the working copy records
in its own transaction: the authors of the changes since the last published revision are the
actors of the create/update entries after the last publish (or revert, or release publish).
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from treatments.choices import AuditAction
from treatments.documents.build import build_content, content_hash
from treatments.models import AuditEntry, Revision, Treatment
from treatments.permissions import ACTION_PERMISSIONS, Action
from treatments.services import treatment_get_for_edit

from .models import OPEN_STATES, Approval, ReviewerProfile, ReviewRound, ReviewState

# Actions that change the working copy's content (a revert publishes at once, so it is a
# publishing point, not an unreviewed change).
EDIT_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE)
PUBLISH_ACTIONS = (AuditAction.PUBLISH, AuditAction.REVERT, AuditAction.RELEASE_PUBLISH)


def four_eyes_enforced() -> bool:
    """False only where EDITORIAL_FOUR_EYES is off (local development, never production)."""
    return bool(getattr(settings, "EDITORIAL_FOUR_EYES", True))


def published_version(treatment: Treatment) -> int:
    """The working-copy version of the last publish (0 when never published)."""
    entry = (
        AuditEntry.objects.filter(
            treatment=treatment,
            action__in=PUBLISH_ACTIONS,
            revision_number__isnull=False,
            version_after__isnull=False,
        )
        .order_by("-id")
        .values_list("version_after", flat=True)
        .first()
    )
    return entry or 0


def edits_since_publish(treatment: Treatment) -> Any:
    """The audit entries of content changes since the last publish (a queryset)."""
    return AuditEntry.objects.filter(
        treatment=treatment,
        action__in=EDIT_ACTIONS,
        version_after__gt=published_version(treatment),
    )


def human_edited_since_publish(treatment: Treatment) -> bool:
    """True when a person (not the system: content loading, operators' commands) changed it."""
    return edits_since_publish(treatment).exclude(actor_label="system").exists()


def authors_since_publish(treatment: Treatment) -> list[str]:
    """The usernames of the people who changed the content since the last publish."""
    labels = edits_since_publish(treatment).exclude(actor_label="system")
    return sorted(set(labels.values_list("actor_label", flat=True)))


def authored_since_publish(treatment: Treatment, user: Any) -> bool:
    """True when `user` made any of the changes since the last publish."""
    edits = edits_since_publish(treatment)
    return edits.filter(Q(actor=user) | Q(actor_label=user.get_username())).exists()


def working_copy_hash(treatment: Treatment) -> str:
    """The content hash of the working copy as it stands (what an approval signs)."""
    return content_hash(_working_copy(treatment))


def _working_copy(treatment: Treatment) -> dict[str, Any]:
    """The working copy's content as a publish would build it."""
    return build_content(treatment_get_for_edit(treatment_id=treatment.pk, include_deleted=True))


@dataclass(frozen=True)
class ApprovalStatus:
    """The latest approval of a treatment and whether it still holds for the working copy."""

    approval: Approval | None
    valid: bool
    reason: str = ""


def approval_status(
    treatment: Treatment, *, content: dict[str, Any] | None = None
) -> ApprovalStatus:
    """The latest approval, valid when no edit came after it and the content is the same."""
    approval = Approval.objects.filter(treatment=treatment).select_related("reviewer").first()
    if approval is None:
        return ApprovalStatus(None, False, "No clinical reviewer has approved this treatment.")
    edited = AuditEntry.objects.filter(
        treatment=treatment, action__in=(*EDIT_ACTIONS, AuditAction.REVERT)
    ).filter(version_after__gt=approval.version)
    if edited.exists():
        return ApprovalStatus(
            approval,
            False,
            f"The approval of version {approval.version} is void: the working copy was edited "
            "after it. Request a new review.",
        )
    digest = content_hash(content) if content is not None else working_copy_hash(treatment)
    if digest != approval.content_hash:
        return ApprovalStatus(
            approval,
            False,
            f"The approval of version {approval.version} is void: the content differs from "
            "what was approved. Request a new review.",
        )
    return ApprovalStatus(approval, True)


def approval_current(
    treatment: Treatment, *, content: dict[str, Any] | None = None
) -> Approval | None:
    """The approval that holds for the working copy as it stands, or None."""
    status = approval_status(treatment, content=content)
    return status.approval if status.valid else None


def category_changed_since_publish(
    treatment: Treatment, *, content: dict[str, Any] | None = None
) -> bool:
    """True when the category the working copy would publish is not the one last published.

    A document's `category` is built from the catalogue (its name in the document's language),
    so a person renaming the category in the admin changes what a publish would put out
    without editing the treatment. That change needs the same review as an edit.
    """
    last = Revision.objects.filter(treatment=treatment).order_by("-number").first()
    if last is None:
        return False
    if content is None:
        content = _working_copy(treatment)
    before, now = last.document.get("category") or {}, content.get("category") or {}
    # A move to another category is an edit of the treatment (a person's is reviewed above, the
    # system's is not); the same category under another name is a rename in the catalogue.
    return bool(before.get("slug") == now.get("slug") and before.get("name") != now.get("name"))


def approval_required(treatment: Treatment, *, content: dict[str, Any] | None = None) -> bool:
    """True when publishing this working copy now needs a valid approval: a person edited it
    since the last publish, or its category was renamed since (`content`: the working copy as
    built, when the caller has it)."""
    return four_eyes_enforced() and (
        human_edited_since_publish(treatment)
        or category_changed_since_publish(treatment, content=content)
    )


def round_open(treatment: Treatment) -> ReviewRound | None:
    """The treatment's open review round, if any (there is at most one)."""
    return ReviewRound.objects.filter(treatment=treatment, state__in=OPEN_STATES).first()


def reviewer_label(user: Any) -> str:
    """How the published review block names a reviewer: name, then credentials."""
    profile = ReviewerProfile.objects.filter(user=user).first()
    name = (profile.display_name if profile else "") or user.get_full_name() or user.get_username()
    credentials = profile.credentials if profile else ""
    label = f"{name}, {credentials}" if credentials else name
    return label[:200]


def clinical_reviewers() -> Any:
    """Active users whose role allows approving (the 'clinical reviewers' group, or granted)."""
    codename = ACTION_PERMISSIONS[Action.APPROVE]
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label="treatments",
            )
            | Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label="treatments",
            )
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class ReviewSummary:
    """Where a treatment's review stands, for the admin and the editor API."""

    state: str
    approval_required: bool
    four_eyes: bool
    status: ApprovalStatus
    open_round: ReviewRound | None
    rounds: list[ReviewRound] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)


def review_summary(treatment: Treatment) -> ReviewSummary:
    """The review state of the working copy: draft, in_review, changes_requested or approved.

    An approved round whose approval an edit voided reads as draft: request a review again.
    """
    current = round_open(treatment)
    status = approval_status(treatment)
    state = "draft"
    if current is not None:
        state = current.state
        if state == ReviewState.APPROVED and not status.valid:
            state = "draft"
    rounds = list(
        ReviewRound.objects.filter(treatment=treatment)
        .select_related("requested_by")
        .prefetch_related("reviewers", "comments", "approvals")[:50]
    )
    return ReviewSummary(
        state=str(state),
        approval_required=approval_required(treatment),
        four_eyes=four_eyes_enforced(),
        status=status,
        open_round=current,
        rounds=rounds,
        authors=authors_since_publish(treatment),
    )
