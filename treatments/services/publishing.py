"""Publishing: freeze the document into a revision and hand it to the publication hub."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from treatments.choices import AuditAction
from treatments.documents.build import (
    build_content,
    build_document,
    content_hash,
    content_of,
    etag_for,
    to_json,
)
from treatments.errors import NotFoundError, PublishRefusedError, StateError
from treatments.models import Publication, Revision, Treatment
from treatments.permissions import Action, require
from treatments.publication import publication_apply

from .audit import audit_record
from .editing import (
    content_validate,
    treatment_compare_and_bump,
    treatment_get_for_edit,
    working_copy_replace,
)


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: the live revision, and whether it is a new one."""

    revision: Revision
    created: bool
    detail: str


class PublishProblem(str):
    """A reason a publish is refused, with a machine-readable `code` for API clients."""

    code: str

    def __new__(cls, text: str, *, code: str) -> "PublishProblem":
        problem = super().__new__(cls, text)
        problem.code = code
        return problem


def review_problems(content: dict[str, Any]) -> list[str]:
    """Why content cannot pass the clinical review gate; empty when it can.

    A published document says who reviewed it and when, whom to credit and under which terms,
    and where its content comes from: without these a partner may not show it.
    """
    review = content["review"]
    problems = []
    if not review["reviewer"]:
        problems.append("Name the clinical reviewer (review.reviewer) before publishing.")
    if not review["last_reviewed_on"]:
        problems.append("Give the date of the last review (review.last_reviewed_on).")
    if not content.get("attribution", "").strip():
        problems.append("Say whom to credit for the content (attribution) before publishing.")
    if not (content.get("licence") or {}).get("name", "").strip():
        problems.append("Name the licence the content is reused under (licence.name).")
    if not content.get("sources"):
        problems.append("List at least one source the content comes from (sources).")
    return problems


# A publish gate says why a working copy may not go live (empty list: it may). Rooms above
# treatments (editorial: approvals bound to a version) register theirs at start-up, so the
# domain enforces them on every path (admin, editor API, scheduled actions, releases) without
# importing those rooms.
PublishGate = Callable[..., list[str]]
_PUBLISH_GATES: list[PublishGate] = []


def publish_gate_register(gate: PublishGate) -> PublishGate:
    """Add a gate that every publish consults: `gate(*, treatment, content) -> problems`."""
    if gate not in _PUBLISH_GATES:
        _PUBLISH_GATES.append(gate)
    return gate


# A review source fills the review block of what is frozen from a real sign-off (editorial: the
# approval and the reviewer's profile) instead of typed text: `source(*, treatment, content)`
# returns {"reviewer": ..., "last_reviewed_on": ISO date} or None when it has nothing to say.
ReviewSource = Callable[..., dict[str, Any] | None]
_REVIEW_SOURCES: list[ReviewSource] = []


def publish_review_register(source: ReviewSource) -> ReviewSource:
    """Add a source of the review block that every publish consults (the first answer wins)."""
    if source not in _REVIEW_SOURCES:
        _REVIEW_SOURCES.append(source)
    return source


def _stamp_review(treatment: Treatment, content: dict[str, Any]) -> None:
    """Fill the review block from the first review source that answers, copy and content alike.

    The working copy takes the same values (its version was bumped by this publish), so the
    working copy and the live revision stay equal.
    """
    for source in _REVIEW_SOURCES:
        stamp = source(treatment=treatment, content=content)
        if stamp:
            break
    else:
        return
    review = content["review"]
    review["reviewer"] = stamp["reviewer"]
    review["last_reviewed_on"] = stamp["last_reviewed_on"]
    due = review["next_review_due"]
    if due and due < review["last_reviewed_on"]:
        review["next_review_due"] = None  # derived again from the review interval
    Treatment.objects.filter(pk=treatment.pk).update(
        reviewer_name=review["reviewer"],
        last_reviewed_on=dt.date.fromisoformat(review["last_reviewed_on"]),
        next_review_due=dt.date.fromisoformat(review["next_review_due"])
        if review["next_review_due"]
        else None,
    )


def publish_problems(*, treatment: Treatment, content: dict[str, Any] | None = None) -> list[str]:
    """Why this working copy cannot be published now; empty when it can."""
    if content is None:
        content = build_content(treatment)
    problems = review_problems(content)
    for gate in _PUBLISH_GATES:
        problems.extend(gate(treatment=treatment, content=content))
    return problems


def _derive_next_review(treatment: Treatment, content: dict[str, Any]) -> None:
    """Fill a missing next-review date from the review interval, on the copy and the content."""
    review = content["review"]
    if review["next_review_due"] or not review["last_reviewed_on"]:
        return
    last = dt.date.fromisoformat(review["last_reviewed_on"])
    due = last + dt.timedelta(days=settings.TREATMENT_REVIEW_INTERVAL_DAYS)
    review["next_review_due"] = due.isoformat()
    Treatment.objects.filter(pk=treatment.pk).update(next_review_due=due)


def _freeze(
    *,
    treatment: Treatment,
    content: dict[str, Any],
    actor: Any,
    change_note: str,
    reverted_from: int | None = None,
) -> Revision:
    """A new immutable revision; its bytes are strict JSON, made before anything commits."""
    number = (treatment.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
    published_at = timezone.now()
    document = build_document(
        treatment_id=treatment.pk, content=content, revision=number, published_at=published_at
    )
    body = to_json(document)
    return Revision.objects.create(
        treatment=treatment,
        number=number,
        schema_version=document["schema_version"],
        document_json=body,
        content_hash=content_hash(content),
        etag=etag_for(body),
        created_at=published_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        change_note=change_note[:500],
        reverted_from=reverted_from,
    )


def _live_revision(treatment: Treatment) -> Revision | None:
    publication = Publication.objects.filter(treatment=treatment).select_related("revision")
    found = publication.first()
    if found is None or found.withdrawn_at is not None:
        return None
    return found.revision


@transaction.atomic
def treatment_publish(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    change_note: str = "",
    request_id: str = "",
) -> PublishResult:
    """Freeze the working copy into a new revision and make it live.

    Publishing content identical to the live revision creates no revision and says so.
    """
    require(actor, Action.PUBLISH)
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = treatment_get_for_edit(treatment_id=treatment_id)
    content = build_content(treatment)
    problems = publish_problems(treatment=treatment, content=content)
    if problems:
        codes = [problem.code for problem in problems if isinstance(problem, PublishProblem)]
        raise PublishRefusedError(" ".join(problems), code=codes[0] if codes else "")
    _stamp_review(treatment, content)
    _derive_next_review(treatment, content)
    live = _live_revision(treatment)
    digest = content_hash(content)
    if live is not None and live.content_hash == digest:
        # Nothing to publish: undo the version claim by rolling back this transaction's writes.
        transaction.set_rollback(True)
        return PublishResult(
            revision=live,
            created=False,
            detail=f"Revision {live.number} is live with identical content; nothing published.",
        )
    revision = _freeze(treatment=treatment, content=content, actor=actor, change_note=change_note)
    publication_apply(treatment=treatment, revision=revision, reason="published")
    audit_record(
        treatment=treatment,
        action=AuditAction.PUBLISH,
        actor=actor,
        version_before=new_version - 1,
        version_after=new_version,
        revision_number=revision.number,
        hash_before=live.content_hash if live else "",
        hash_after=revision.content_hash,
        message=change_note,
        request_id=request_id,
    )
    return PublishResult(revision=revision, created=True, detail=f"Published {revision.number}.")


@transaction.atomic
def treatment_unpublish(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    message: str = "",
    request_id: str = "",
) -> Treatment:
    """Withdraw the treatment from public reads; its revisions and working copy stay."""
    require(actor, Action.UNPUBLISH)
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = Treatment.objects.get(pk=treatment_id)
    live = _live_revision(treatment)
    if live is None:
        raise StateError("This treatment is not published; there is nothing to unpublish.")
    publication_apply(treatment=treatment, revision=None, reason="unpublished")
    audit_record(
        treatment=treatment,
        action=AuditAction.UNPUBLISH,
        actor=actor,
        version_before=new_version - 1,
        version_after=new_version,
        revision_number=live.number,
        hash_before=live.content_hash,
        message=message,
        request_id=request_id,
    )
    return treatment


@transaction.atomic
def treatment_revert(
    *,
    treatment_id: Any,
    revision_number: int,
    expected_version: int | None,
    actor: Any,
    change_note: str = "",
    request_id: str = "",
) -> PublishResult:
    """Publish an earlier revision's content as a new revision; the working copy follows.

    History is never rewritten: the old revision stays, and a new one carries its content.
    """
    require(actor, Action.REVERT)
    old = Revision.objects.filter(treatment_id=treatment_id, number=revision_number).first()
    if old is None:
        raise NotFoundError(f"This treatment has no revision {revision_number}.")
    treatment, _, _ = working_copy_replace(
        treatment_id=treatment_id,
        content=content_validate(content_of(old.document)),
        expected_version=expected_version,
    )
    live = _live_revision(treatment)
    revision = _freeze(
        treatment=treatment,
        content=build_content(treatment),
        actor=actor,
        change_note=change_note or f"Revert to revision {revision_number}.",
        reverted_from=revision_number,
    )
    publication_apply(treatment=treatment, revision=revision, reason="reverted")
    audit_record(
        treatment=treatment,
        action=AuditAction.REVERT,
        actor=actor,
        version_before=treatment.version - 1,
        version_after=treatment.version,
        revision_number=revision.number,
        hash_before=live.content_hash if live else "",
        hash_after=revision.content_hash,
        message=change_note or f"Reverted to revision {revision_number}.",
        request_id=request_id,
    )
    return PublishResult(
        revision=revision,
        created=True,
        detail=f"Revision {revision_number} republished as revision {revision.number}.",
    )
