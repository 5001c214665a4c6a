"""Writes to the working copy: create, replace, delete, restore, each a compare-and-set."""

import datetime as dt
import json
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from treatments.choices import AuditAction, SafetyKind
from treatments.documents.build import build_content, content_hash, treatments_for_documents
from treatments.documents.schema import TreatmentContent
from treatments.models import (
    Category,
    Comparison,
    MechanismNote,
    RecoveryRule,
    Risk,
    SafetyItem,
    SlugAlias,
    Source,
    Step,
    TimelineEvent,
    Treatment,
)

from .audit import audit_record
from .errors import ConflictError, ContentInvalidError, NotFoundError, StateError


def _json_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def content_validate(data: Any) -> TreatmentContent:
    """Validate raw content (a parsed file or request body); errors name each bad field.

    Validation is strict, as JSON: no coercion of 0 into a date or "5" into a number. Dates
    that YAML parsed into date objects are given back as the ISO strings they were written as.
    """
    try:
        text = json.dumps(data, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ContentInvalidError(
            [{"field": "(root)", "pointer": "", "message": f"Not JSON-like data: {exc}"}]
        ) from None
    try:
        return TreatmentContent.model_validate_json(text, strict=True)
    except PydanticValidationError as exc:
        errors = [
            {
                "field": ".".join(str(part) for part in err["loc"]) or "(root)",
                "pointer": "".join(f"/{part}" for part in err["loc"]),
                "message": err["msg"],
            }
            for err in exc.errors(include_url=False)
        ]
        raise ContentInvalidError(errors) from None


def treatment_get_for_edit(*, treatment_id: Any, include_deleted: bool = False) -> Treatment:
    """The working copy with all its children, or NotFoundError."""
    queryset = treatments_for_documents()
    if not include_deleted:
        queryset = queryset.filter(deleted_at__isnull=True)
    try:
        return queryset.get(pk=treatment_id)
    except (Treatment.DoesNotExist, ValueError):
        raise NotFoundError(f"No treatment with id {treatment_id!s}.") from None


def treatment_compare_and_bump(
    *, treatment_id: Any, expected_version: int | None, include_deleted: bool = False
) -> int:
    """Bump the version if it still equals `expected_version`; return the new version.

    This is the one place every write claims the working copy. The UPDATE … WHERE version=N
    is atomic in the database, so of two writers holding the same version exactly one wins.
    With `expected_version=None` (trusted internal callers) the current version is locked.
    """
    base = Treatment.objects.filter(pk=treatment_id)
    if not include_deleted:
        base = base.filter(deleted_at__isnull=True)
    if expected_version is None:
        current = base.select_for_update().values_list("version", flat=True).first()
        if current is None:
            raise NotFoundError(f"No treatment with id {treatment_id!s}.")
        expected_version = current
    updated = base.filter(version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        versions = Treatment.objects.filter(pk=treatment_id).values_list("version", flat=True)
        found = versions.first()
        if found is None:
            raise NotFoundError(f"No treatment with id {treatment_id!s}.")
        raise ConflictError(expected_version=expected_version, current_version=found)
    return expected_version + 1


def _category_for(content: TreatmentContent) -> Category:
    """The category named by slug; created if new, never renamed from a treatment's content.

    A category is shared by many treatments, so renaming it here would silently change the
    others; a mismatched name is an error that says where to rename it.
    """
    ref = content.category
    category = Category.objects.filter(slug=ref.slug).first()
    if category is not None:
        if category.name != ref.name:
            raise ContentInvalidError(
                [
                    {
                        "field": "category.name",
                        "pointer": "/category/name",
                        "message": f"Category '{ref.slug}' is named '{category.name}'. Use that "
                        "name, or rename the category in the admin.",
                    }
                ]
            )
        return category
    if Category.objects.filter(name=ref.name).exists():
        raise ContentInvalidError(
            [
                {
                    "field": "category.name",
                    "pointer": "/category/name",
                    "message": f"Another category is already named '{ref.name}'; use its slug "
                    "or choose another name.",
                }
            ]
        )
    return Category.objects.create(slug=ref.slug, name=ref.name)


def _apply_fields(treatment: Treatment, content: TreatmentContent) -> None:
    c = content
    treatment.title = c.title
    treatment.summary = c.summary
    treatment.overview = c.overview
    treatment.category = _category_for(c)
    treatment.classification = c.classification.kind
    treatment.tissue_source = c.classification.tissue_source
    treatment.possible_tissue_sources = list(c.classification.possible_tissue_sources)
    treatment.tissue_source_note = c.classification.note
    treatment.performer = c.procedure.performer
    treatment.imaging_guidance = c.procedure.imaging_guidance
    treatment.anaesthesia_note = c.procedure.anaesthesia_note
    treatment.steps_intro = c.procedure.intro
    treatment.risk_level_wording = c.risks.level_wording
    treatment.risk_statement = c.risks.statement
    sessions, interval = c.course.sessions, c.course.interval
    treatment.course_sessions_min = sessions.min if sessions else None
    treatment.course_sessions_max = sessions.max if sessions else None
    treatment.course_interval_min = interval.min if interval else None
    treatment.course_interval_max = interval.max if interval else None
    treatment.course_interval_unit = interval.unit if interval else ""
    treatment.course_evidence_qualifier = c.course.evidence_qualifier
    treatment.course_text = c.course.text
    treatment.call_to_action_text = c.call_to_action.text
    treatment.call_to_action_label = c.call_to_action.label
    treatment.reviewer_name = c.review.reviewer
    treatment.last_reviewed_on = c.review.last_reviewed_on
    treatment.next_review_due = c.review.next_review_due
    treatment.review_note = c.review.note
    treatment.attribution = c.attribution
    treatment.licence = c.licence.name
    treatment.licence_url = str(c.licence.url) if c.licence.url else ""


def _replace_children(treatment: Treatment, content: TreatmentContent) -> None:
    t, c = treatment, content
    for model in (Step, Risk, RecoveryRule, TimelineEvent, MechanismNote, Comparison):
        model.objects.filter(treatment=t).delete()
    SafetyItem.objects.filter(treatment=t).delete()
    Source.objects.filter(treatment=t).delete()
    Step.objects.bulk_create(
        Step(
            treatment=t,
            order=i,
            title=s.title,
            detail=s.detail,
            quantity_min=s.quantity.min if s.quantity else None,
            quantity_max=s.quantity.max if s.quantity else None,
            quantity_unit=s.quantity.unit if s.quantity else "",
            quantity_approximate=s.quantity.approximate if s.quantity else False,
            quantity_of=s.quantity.of if s.quantity else "",
            duration_min=s.duration.min if s.duration else None,
            duration_max=s.duration.max if s.duration else None,
            duration_unit=s.duration.unit if s.duration else "",
            duration_wording=s.duration_wording,
            performer=s.performer,
            guidance=s.guidance,
            body_site=s.body_site,
        )
        for i, s in enumerate(c.procedure.steps, start=1)
    )
    Risk.objects.bulk_create(
        Risk(
            treatment=t,
            order=i,
            name=r.name,
            description=r.description,
            likelihood_band=r.likelihood.band,
            likelihood_basis=r.likelihood.basis,
            likelihood_wording=r.likelihood.wording,
            seriousness=r.seriousness,
            resolves_min=r.resolves_within.min if r.resolves_within else None,
            resolves_max=r.resolves_within.max if r.resolves_within else None,
            resolves_unit=r.resolves_within.unit if r.resolves_within else "",
            resolves_wording=r.resolves_wording,
        )
        for i, r in enumerate(c.risks.items, start=1)
    )
    RecoveryRule.objects.bulk_create(
        RecoveryRule(
            treatment=t,
            order=i,
            activity=r.activity,
            activity_label=r.activity_label,
            restriction=r.restriction,
            start_offset=r.window.start,
            end_offset=r.window.end,
            unit=r.window.unit,
            at_least=r.window.at_least,
            calendar_days=r.window.calendar_days,
            condition=r.condition.code,
            condition_text=r.condition.text,
            patient_text=r.patient_text,
        )
        for i, r in enumerate(c.recovery_rules, start=1)
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            treatment=t,
            order=i,
            kind=e.kind,
            label=e.label,
            range_min=e.range.min,
            range_max=e.range.max,
            unit=e.range.unit,
            open_ended=e.range.open_ended,
            range_wording=e.range.wording,
            qualifier=e.qualifier,
            varies_between_people=e.varies_between_people,
            patient_text=e.patient_text,
        )
        for i, e in enumerate(c.timeline, start=1)
    )
    MechanismNote.objects.bulk_create(
        MechanismNote(treatment=t, order=i, subject=m.subject, text=m.text)
        for i, m in enumerate(c.mechanism, start=1)
    )
    Comparison.objects.bulk_create(
        Comparison(
            treatment=t,
            order=i,
            compared_with=x.compared_with,
            difference=x.difference,
            onset_difference=x.onset_difference,
        )
        for i, x in enumerate(c.comparisons, start=1)
    )
    safety = [(SafetyKind.CONTRAINDICATION, text) for text in c.safety.contraindications]
    safety += [(SafetyKind.WARNING_SIGN, text) for text in c.safety.warning_signs]
    SafetyItem.objects.bulk_create(
        SafetyItem(treatment=t, order=i, kind=kind, text=text)
        for i, (kind, text) in enumerate(safety, start=1)
    )
    Source.objects.bulk_create(
        Source(
            treatment=t,
            order=i,
            title=s.title,
            publisher=s.publisher,
            url=str(s.url) if s.url else "",
            retrieved_on=s.retrieved_on,
            note=s.note,
        )
        for i, s in enumerate(c.sources, start=1)
    )


def _claim_slug(treatment: Treatment, slug: str) -> None:
    """Move the treatment to `slug`, keeping the old one as an alias so links keep working."""
    if treatment.slug == slug:
        return
    taken = Treatment.objects.filter(slug=slug).exclude(pk=treatment.pk).exists()
    aliased = SlugAlias.objects.filter(slug=slug).exclude(treatment=treatment).exists()
    if taken or aliased:
        raise ContentInvalidError(
            [
                {
                    "field": "slug",
                    "pointer": "/slug",
                    "message": f"The slug '{slug}' is used by another treatment; choose another.",
                }
            ]
        )
    SlugAlias.objects.filter(slug=slug, treatment=treatment).delete()
    if treatment.slug:
        SlugAlias.objects.get_or_create(slug=treatment.slug, defaults={"treatment": treatment})
    treatment.slug = slug


def _save_working_copy(treatment: Treatment, content: TreatmentContent) -> None:
    _claim_slug(treatment, content.slug)
    _apply_fields(treatment, content)
    try:
        with transaction.atomic():
            treatment.save()
            _replace_children(treatment, content)
    except IntegrityError as exc:
        raise ContentInvalidError(
            [{"field": "(root)", "pointer": "", "message": f"Rejected by the database: {exc}"}]
        ) from None


@transaction.atomic
def treatment_create(
    *,
    content: TreatmentContent,
    actor: Any,
    message: str = "",
    request_id: str = "",
    treatment_id: uuid.UUID | None = None,
) -> Treatment:
    """Create a draft treatment from validated content; nothing is public until published."""
    if Treatment.objects.filter(slug=content.slug).exists():
        raise ContentInvalidError(
            [
                {
                    "field": "slug",
                    "pointer": "/slug",
                    "message": f"A treatment with slug '{content.slug}' exists; choose another.",
                }
            ]
        )
    treatment = Treatment(slug="", version=1, id=treatment_id or uuid.uuid4())
    if getattr(actor, "is_authenticated", False):
        treatment.created_by = actor
    _save_working_copy(treatment, content)
    after = content_hash(build_content(treatment_get_for_edit(treatment_id=treatment.pk)))
    audit_record(
        treatment=treatment,
        action=AuditAction.CREATE,
        actor=actor,
        version_after=treatment.version,
        hash_after=after,
        message=message,
        request_id=request_id,
    )
    return treatment


def working_copy_replace(
    *, treatment_id: Any, content: TreatmentContent, expected_version: int | None
) -> tuple[Treatment, str, str]:
    """Compare-and-set, then replace the working copy; returns it with hashes before/after.

    Callers write the audit record; this is the shared core of update and revert.
    """
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = treatment_get_for_edit(treatment_id=treatment_id)
    before = content_hash(build_content(treatment))
    treatment.version = new_version
    _save_working_copy(treatment, content)
    treatment = treatment_get_for_edit(treatment_id=treatment_id)
    return treatment, before, content_hash(build_content(treatment))


@transaction.atomic
def treatment_replace(
    *,
    treatment_id: Any,
    content: TreatmentContent,
    expected_version: int | None,
    actor: Any,
    message: str = "",
    request_id: str = "",
) -> Treatment:
    """Replace the whole working copy with validated content, as one compare-and-set."""
    treatment, before, after = working_copy_replace(
        treatment_id=treatment_id, content=content, expected_version=expected_version
    )
    audit_record(
        treatment=treatment,
        action=AuditAction.UPDATE,
        actor=actor,
        version_before=treatment.version - 1,
        version_after=treatment.version,
        hash_before=before,
        hash_after=after,
        message=message,
        request_id=request_id,
    )
    return treatment


@transaction.atomic
def treatment_delete(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    message: str = "",
    request_id: str = "",
) -> Treatment:
    """Soft-delete: withdraw from public reads, keep the working copy and all history."""
    from .publishing import publication_withdraw

    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = Treatment.objects.get(pk=treatment_id)
    treatment.deleted_at = timezone.now()
    treatment.save(update_fields=["deleted_at"])
    publication_withdraw(treatment=treatment)
    audit_record(
        treatment=treatment,
        action=AuditAction.DELETE,
        actor=actor,
        version_before=new_version - 1,
        version_after=new_version,
        message=message,
        request_id=request_id,
    )
    return treatment


@transaction.atomic
def treatment_restore(
    *,
    treatment_id: Any,
    expected_version: int | None,
    actor: Any,
    message: str = "",
    request_id: str = "",
) -> Treatment:
    """Undo a soft delete; the treatment comes back as a draft (publish it again to go live)."""
    treatment = Treatment.objects.filter(pk=treatment_id).first()
    if treatment is None:
        raise NotFoundError(f"No treatment with id {treatment_id!s}.")
    if treatment.deleted_at is None:
        raise StateError("This treatment is not deleted; there is nothing to restore.")
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version, include_deleted=True
    )
    Treatment.objects.filter(pk=treatment_id).update(deleted_at=None)
    treatment.refresh_from_db()
    audit_record(
        treatment=treatment,
        action=AuditAction.RESTORE,
        actor=actor,
        version_before=new_version - 1,
        version_after=new_version,
        message=message,
        request_id=request_id,
    )
    return treatment
