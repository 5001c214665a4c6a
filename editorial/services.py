"""Writes of the clinical review: request, approve, request changes, comment (admin and API alike).

Each service takes keyword-only arguments, runs in one transaction, checks the actor's role with
the one permission policy (`treatments.permissions`), compares the caller's working-copy version
(If-Match) without bumping it (a review changes no content), writes an audit entry and queues
its emails in the same transaction: a refused or rolled-back step leaves nothing behind.

Four eyes: an approval comes from a clinical reviewer who authored none of the changes since the
last published revision, and it signs the exact version and content; any later edit voids it.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from treatments.choices import AuditAction
from treatments.documents.build import build_content, content_hash
from treatments.errors import ContentInvalidError, ForbiddenError, NotFoundError, StateError
from treatments.models import Treatment
from treatments.permissions import Action, can, require
from treatments.services import ConflictError, audit_record, treatment_get_for_edit
from treatments.services.audit import actor_label

from . import notifications
from .models import Approval, ReviewComment, ReviewerProfile, ReviewRound, ReviewState
from .pointers import pointer_problem
from .selectors import (
    approval_status,
    authored_since_publish,
    clinical_reviewers,
    four_eyes_enforced,
    round_open,
)

MAX_COMMENT = 10_000


def _locked(treatment_id: Any, expected_version: int | None) -> tuple[Treatment, dict[str, Any]]:
    """The working copy, locked against concurrent writers, after comparing its version.

    Review steps change no content, so they compare without bumping: the author's ETag stays
    good. The row lock orders a review step against a racing edit (one sees the other).
    """
    Treatment.objects.select_for_update().filter(pk=treatment_id).values_list("pk").first()
    treatment = treatment_get_for_edit(treatment_id=treatment_id)
    if expected_version is not None and treatment.version != expected_version:
        raise ConflictError(expected_version=expected_version, current_version=treatment.version)
    return treatment, build_content(treatment)


def _audit(
    treatment: Treatment,
    action: AuditAction,
    actor: Any,
    *,
    digest: str,
    message: str,
    request_id: str,
) -> None:
    audit_record(
        treatment=treatment,
        action=action,
        actor=actor,
        version_before=treatment.version,
        version_after=treatment.version,
        hash_before=digest,
        hash_after=digest,
        message=message,
        request_id=request_id,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _named_reviewers(names: Sequence[str], treatment: Treatment) -> list[Any]:
    """The users named as reviewers; each must be a clinical reviewer who can approve."""
    users = []
    errors = []
    allowed = clinical_reviewers()
    for index, name in enumerate(names):
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        message = ""
        if user is None:
            message = f"No active user is called {name!r}."
        elif not allowed.filter(pk=user.pk).exists():
            message = f"{name!r} is not a clinical reviewer; name a member of that group."
        elif four_eyes_enforced() and authored_since_publish(treatment, user):
            message = f"{name!r} made changes under review, so cannot approve them (four eyes)."
        if message:
            errors.append(
                {
                    "field": f"reviewers.{index}",
                    "pointer": f"/reviewers/{index}",
                    "message": message,
                }
            )
        else:
            users.append(user)
    if errors:
        raise ContentInvalidError(errors)
    return users


@transaction.atomic
def review_request(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    reviewers: Sequence[str] = (),
    message: str = "",
    request_id: str = "",
) -> ReviewRound:
    """Ask clinical reviewers to review the working copy (named ones, else all of them)."""
    require(actor, Action.EDIT)
    treatment, content = _locked(treatment_id, expected_version)
    named = _named_reviewers(list(reviewers), treatment)
    now = timezone.now()
    current = round_open(treatment)
    if current is not None and current.state == ReviewState.IN_REVIEW:
        raise StateError(
            "A review is already requested for this treatment; wait for the reviewer's answer "
            "(or comment to add to the request).",
            code="already_in_review",
        )
    if current is not None and current.state == ReviewState.APPROVED:
        if approval_status(treatment, content=content).valid:
            raise StateError(
                "This version is already approved; publish it, or edit it first.",
                code="already_approved",
            )
        current.state = ReviewState.CLOSED
        current.closed_at = now
        current.closed_reason = "The approval was voided by a later edit."
        current.updated_at = now
        current.save()
        current = None
    if current is None:
        current = ReviewRound(treatment=treatment, requested_at=now)
    current.state = ReviewState.IN_REVIEW
    current.requested_by = _user(actor)
    current.requested_by_label = actor_label(actor)
    current.requested_at = now
    current.version = treatment.version
    current.message = message
    current.updated_at = now
    current.save()
    if named or reviewers:
        current.reviewers.set(named)
    _audit(
        treatment,
        AuditAction.REVIEW_REQUEST,
        actor,
        digest=content_hash(content),
        message=message or "Review requested.",
        request_id=request_id,
    )
    notifications.review_requested(current, to=named or list(clinical_reviewers()))
    return current


def _require_in_review(treatment: Treatment) -> ReviewRound:
    current = round_open(treatment)
    if current is None or current.state != ReviewState.IN_REVIEW:
        state = "not under review" if current is None else f"'{current.get_state_display()}'"
        raise StateError(
            f"This treatment is {state}; the author requests a review first.",
            code="not_in_review",
        )
    return current


@transaction.atomic
def review_approve(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    message: str = "",
    request_id: str = "",
) -> Approval:
    """Approve the working copy at exactly this version, as a clinical reviewer (four eyes)."""
    require(actor, Action.APPROVE)
    if _user(actor) is None:
        raise ForbiddenError("An approval is given by a person: sign in as a clinical reviewer.")
    treatment, content = _locked(treatment_id, expected_version)
    current = _require_in_review(treatment)
    if four_eyes_enforced() and authored_since_publish(treatment, actor):
        raise ForbiddenError(
            "You made changes since the last published revision, so you cannot approve them: "
            "another clinical reviewer must (four eyes).",
            code="own_change",
        )
    now = timezone.now()
    approval = Approval.objects.create(
        treatment=treatment,
        round=current,
        reviewer=actor,
        reviewer_label=actor_label(actor),
        version=treatment.version,
        content_hash=content_hash(content),
        created_at=now,
        message=message,
    )
    current.state = ReviewState.APPROVED
    current.updated_at = now
    current.save(update_fields=["state", "updated_at"])
    _audit(
        treatment,
        AuditAction.APPROVE,
        actor,
        digest=approval.content_hash,
        message=message or f"Approved version {treatment.version}.",
        request_id=request_id,
    )
    notifications.review_answered(current, actor=actor, approved=True, comment=message)
    return approval


def _comment(
    treatment: Treatment,
    content: dict[str, Any],
    *,
    actor: Any,
    body: str,
    pointer: str,
    current: ReviewRound | None,
) -> ReviewComment:
    body = (body or "").strip()
    errors = []
    if not body:
        errors.append({"field": "body", "pointer": "/body", "message": "Write the comment."})
    elif len(body) > MAX_COMMENT:
        errors.append(
            {"field": "body", "pointer": "/body", "message": f"At most {MAX_COMMENT} characters."}
        )
    problem = pointer_problem(content, pointer or "")
    if problem:
        errors.append({"field": "pointer", "pointer": "/pointer", "message": problem})
    if errors:
        raise ContentInvalidError(errors)
    return ReviewComment.objects.create(
        treatment=treatment,
        round=current,
        author=_user(actor),
        author_label=actor_label(actor),
        body=body,
        pointer=pointer or "",
        version=treatment.version,
        created_at=timezone.now(),
    )


@transaction.atomic
def review_request_changes(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    comment: str,
    pointer: str = "",
    request_id: str = "",
) -> ReviewComment:
    """Send the working copy back to its author with a comment (what to change, and where)."""
    require(actor, Action.APPROVE)
    treatment, content = _locked(treatment_id, expected_version)
    current = _require_in_review(treatment)
    note = _comment(treatment, content, actor=actor, body=comment, pointer=pointer, current=current)
    current.state = ReviewState.CHANGES_REQUESTED
    current.updated_at = note.created_at
    current.save(update_fields=["state", "updated_at"])
    _audit(
        treatment,
        AuditAction.REQUEST_CHANGES,
        actor,
        digest=content_hash(content),
        message=note.body,
        request_id=request_id,
    )
    notifications.review_answered(current, actor=actor, approved=False, comment=note.body)
    return note


@transaction.atomic
def review_comment_add(
    *,
    treatment_id: Any,
    actor: Any,
    body: str,
    pointer: str = "",
    expected_version: int | None = None,
    request_id: str = "",
) -> ReviewComment:
    """Add a comment to the working copy's review, optionally at a JSON pointer into it."""
    if not (can(actor, Action.EDIT) or can(actor, Action.APPROVE)):
        require(actor, Action.EDIT)  # raises, naming the role to ask for
    treatment, content = _locked(treatment_id, expected_version)
    note = _comment(
        treatment, content, actor=actor, body=body, pointer=pointer, current=round_open(treatment)
    )
    _audit(
        treatment,
        AuditAction.COMMENT,
        actor,
        digest=content_hash(content),
        message=f"{pointer or '(document)'}: {note.body}",
        request_id=request_id,
    )
    return note


@transaction.atomic
def review_comment_resolve(*, treatment_id: Any, comment_id: int, actor: Any) -> ReviewComment:
    """Mark a comment resolved (the author fixed it, or it no longer applies)."""
    if not (can(actor, Action.EDIT) or can(actor, Action.APPROVE)):
        require(actor, Action.EDIT)
    note = ReviewComment.objects.select_for_update().filter(pk=comment_id).first()
    if note is None or note.treatment_id != treatment_id:
        raise NotFoundError("This treatment has no such comment; reload the review page.")
    if not note.resolved:
        note.resolved = True
        note.resolved_at = timezone.now()
        note.save(update_fields=["resolved", "resolved_at"])
    return note


def review_rounds_close(*, treatment: Treatment, reason: str) -> int:
    """Close the treatment's open round (called in the publishing transaction); how many."""
    now = timezone.now()
    return (
        ReviewRound.objects.filter(treatment=treatment)
        .exclude(state=ReviewState.CLOSED)
        .update(state=ReviewState.CLOSED, closed_at=now, closed_reason=reason[:200], updated_at=now)
    )


@transaction.atomic
def reviewer_profile_set(
    *, user: Any, credentials: str | None = None, display_name: str | None = None
) -> ReviewerProfile:
    """Create or change a reviewer's published name and credentials (an operator's task)."""
    profile, _ = ReviewerProfile.objects.get_or_create(user=user)
    if credentials is not None:
        profile.credentials = credentials.strip()[:150]
    if display_name is not None:
        profile.display_name = display_name.strip()[:120]
    profile.save()
    return profile
