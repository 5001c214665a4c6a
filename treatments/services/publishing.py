"""Publishing: freeze the document into a revision and point the read model at it."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from treatments.choices import AuditAction, RestrictionKind, TimelineEventKind, TimeUnit
from treatments.documents.build import (
    build_content,
    build_document,
    content_hash,
    etag_for,
    to_json,
)
from treatments.models import Publication, Revision, Treatment
from treatments.signals import publication_changed

from .audit import audit_record
from .editing import (
    content_validate,
    treatment_compare_and_bump,
    treatment_get_for_edit,
    working_copy_replace,
)
from .errors import NotFoundError, PublishRefusedError, StateError

WEEKS_PER_UNIT = {
    TimeUnit.MINUTE: 1 / (60 * 24 * 7),
    TimeUnit.HOUR: 1 / (24 * 7),
    TimeUnit.DAY: 1 / 7,
    TimeUnit.WEEK: 1.0,
    TimeUnit.MONTH: 365.25 / 12 / 7,
    TimeUnit.YEAR: 365.25 / 7,
}


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: the live revision, and whether it is a new one."""

    revision: Revision
    created: bool
    detail: str


def review_problems(content: dict[str, Any]) -> list[str]:
    """Why content cannot pass the clinical review gate; empty when it can."""
    review = content["review"]
    problems = []
    if not review["reviewer"]:
        problems.append("Name the clinical reviewer (review.reviewer) before publishing.")
    if not review["last_reviewed_on"]:
        problems.append("Give the date of the last review (review.last_reviewed_on).")
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


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    """The compact list item of a document."""
    return {
        "id": document["id"],
        "slug": document["slug"],
        "title": document["title"],
        "summary": document["summary"],
        "category": document["category"],
        "classification": document["classification"]["kind"],
        "tissue_source": document["classification"]["tissue_source"],
        "revision": document["revision"],
        "published_at": document["published_at"],
        "links": {"self": document["links"]["self"]},
    }


def _onset_max_weeks(document: dict[str, Any]) -> float | None:
    """The latest expected onset in weeks, or None when the source gives no upper bound."""
    ends = []
    for event in document["timeline"]:
        rng = event["range"]
        if event["kind"] != TimelineEventKind.ONSET or rng["open_ended"]:
            continue
        bound = rng["max"] if rng["max"] is not None else rng["min"]
        if bound is None:
            return None
        ends.append(bound * WEEKS_PER_UNIT[TimeUnit(rng["unit"])])
    return max(ends) if ends else None


def _search_text(document: dict[str, Any]) -> str:
    parts = [
        document["title"],
        document["summary"],
        document["overview"],
        document["category"]["name"],
        *(m["subject"] + " " + m["text"] for m in document["mechanism"]),
        *(c["compared_with"] + " " + c["difference"] for c in document["comparisons"]),
        *(s["title"] + " " + s["detail"] for s in document["procedure"]["steps"]),
        *(r["name"] + " " + r["description"] for r in document["risks"]["items"]),
        *(r["activity_label"] + " " + r["patient_text"] for r in document["recovery_rules"]),
    ]
    return " ".join(parts).lower()


def _announce(treatment_id: Any, *slugs: str) -> None:
    """Tell caches, once the transaction commits, that these slugs' live document changed."""
    transaction.on_commit(
        lambda: publication_changed.send(
            sender=Publication, treatment_id=treatment_id, slugs=tuple(s for s in slugs if s)
        )
    )


def publication_refresh(*, treatment: Treatment, revision: Revision, source_version: int) -> None:
    """Point the read model at `revision`, with its filter columns and ready-to-serve bytes."""
    document = revision.document
    previous = Publication.objects.filter(treatment=treatment).values_list("slug", flat=True)
    _announce(treatment.pk, document["slug"], *previous)
    restricted = sorted(
        {
            r["activity"]
            for r in document["recovery_rules"]
            if r["restriction"] in (RestrictionKind.AVOID, RestrictionKind.LIMIT)
        }
    )
    now = timezone.now()
    Publication.objects.update_or_create(
        treatment=treatment,
        defaults={
            "revision": revision,
            "revision_number": revision.number,
            "source_version": source_version,
            "slug": document["slug"],
            "title": document["title"],
            "category_slug": document["category"]["slug"],
            "classification": document["classification"]["kind"],
            "tissue_source": document["classification"]["tissue_source"],
            "restricted_activities": "," + ",".join(restricted) + "," if restricted else "",
            "onset_max_weeks": _onset_max_weeks(document),
            "next_review_due": document["review"]["next_review_due"],
            "search_text": _search_text(document),
            "published_at": revision.created_at,
            "changed_at": now,
            "withdrawn_at": None,
            "summary_json": to_json(_summary(document)),
            "document_json": revision.document_json,
            "etag": revision.etag,
        },
    )


def publication_withdraw(*, treatment: Treatment) -> bool:
    """Withdraw the treatment from public reads; the row stays as a tombstone for sync."""
    now = timezone.now()
    live = Publication.objects.filter(treatment=treatment, withdrawn_at__isnull=True)
    _announce(treatment.pk, *live.values_list("slug", flat=True))
    return bool(live.update(withdrawn_at=now, changed_at=now))


def _freeze(
    *,
    treatment: Treatment,
    content: dict[str, Any],
    actor: Any,
    change_note: str,
    reverted_from: int | None = None,
) -> Revision:
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
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = treatment_get_for_edit(treatment_id=treatment_id)
    content = build_content(treatment)
    problems = review_problems(content)
    if problems:
        raise PublishRefusedError(" ".join(problems))
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
    publication_refresh(treatment=treatment, revision=revision, source_version=new_version)
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
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = Treatment.objects.get(pk=treatment_id)
    live = _live_revision(treatment)
    if live is None:
        raise StateError("This treatment is not published; there is nothing to unpublish.")
    publication_withdraw(treatment=treatment)
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
    old = Revision.objects.filter(treatment_id=treatment_id, number=revision_number).first()
    if old is None:
        raise NotFoundError(f"This treatment has no revision {revision_number}.")
    document = old.document
    content = {
        key: value
        for key, value in document.items()
        if key not in {"schema_version", "id", "revision", "published_at", "links"}
    }
    treatment, _, _ = working_copy_replace(
        treatment_id=treatment_id,
        content=content_validate(content),
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
    publication_refresh(treatment=treatment, revision=revision, source_version=treatment.version)
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
