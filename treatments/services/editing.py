"""Writes to the working copy: create, replace, delete, restore, each a compare-and-set."""

import datetime as dt
import json
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from treatments.choices import AuditAction
from treatments.documents.build import build_content, content_hash, treatments_for_documents
from treatments.documents.categories import accepted_names, category_text
from treatments.documents.rows import child_columns, treatment_columns
from treatments.documents.schema import TreatmentContent
from treatments.errors import ConflictError, ContentInvalidError, NotFoundError, StateError
from treatments.models import (
    Category,
    Comparison,
    EligibilityCriterion,
    MechanismNote,
    Medication,
    RecoveryRule,
    Risk,
    SafetyItem,
    SlugAlias,
    Source,
    Step,
    TimelineEvent,
    Treatment,
)
from treatments.permissions import Action, require
from treatments.publication import publication_apply

from .audit import audit_record


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


def treatment_get_for_edit(
    *, treatment_id: Any, include_deleted: bool = False, children: bool = True
) -> Treatment:
    """The working copy with all its children, or NotFoundError.

    `children=False`: the treatment's row alone (one query instead of one per kind of child), for
    a caller that needs only its id, version and state, such as a write that replaces the
    content whole and checks If-Match first.
    """
    queryset = treatments_for_documents() if children else Treatment.objects.all()
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
        row = Treatment.objects.filter(pk=treatment_id).values_list("version", "deleted_at")
        found = row.first()
        if found is None:
            raise NotFoundError(f"No treatment with id {treatment_id!s}.")
        if found[1] is not None and not include_deleted:
            raise StateError("This treatment is deleted; restore it first.")
        raise ConflictError(expected_version=expected_version, current_version=found[0])
    return expected_version + 1


def _category_for(content: TreatmentContent) -> Category:
    """The category named by slug; created if new, never renamed from a treatment's content.

    A category is shared by many treatments, so renaming it here would silently change the
    others; a mismatched name is an error that says where to rename it.
    """
    ref = content.category
    category = Category.objects.filter(slug=ref.slug).first()
    if category is not None:
        if ref.name not in accepted_names(category, content.language):
            own = category_text(category, content.language)
            named = (
                f"'{category.name}'"
                if own.name == category.name
                else f"'{category.name}' (in {own.language}: '{own.name}')"
            )
            raise ContentInvalidError(
                [
                    {
                        "field": "category.name",
                        "pointer": "/category/name",
                        "message": f"Category '{ref.slug}' is named {named}. Use that "
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


CHILD_MODELS: dict[str, Any] = {
    "steps": Step,
    "risks": Risk,
    "recovery_rules": RecoveryRule,
    "timeline": TimelineEvent,
    "mechanism_notes": MechanismNote,
    "comparisons": Comparison,
    "safety_items": SafetyItem,
    "sources": Source,
    "medications": Medication,
    "eligibility_criteria": EligibilityCriterion,
}


def _apply_fields(treatment: Treatment, content: TreatmentContent) -> None:
    for column, value in treatment_columns(content).items():
        if column != "slug":  # the slug moves through _claim_slug, which keeps the old one
            setattr(treatment, column, value)
    treatment.category = _category_for(content)


def _replace_children(treatment: Treatment, content: TreatmentContent) -> None:
    for relation, rows in child_columns(content).items():
        model = CHILD_MODELS[relation]
        model.objects.filter(treatment=treatment).delete()
        model.objects.bulk_create(
            model(treatment=treatment, order=i, **values) for i, values in enumerate(rows, 1)
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
    require(actor, Action.CREATE)
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


def _same_content(treatment: Treatment, content: TreatmentContent) -> bool:
    built = build_content(treatment)
    given = content.model_dump(mode="json")
    # The category is stored by slug: any of its accepted names (e.g. the catalogue's name in a
    # copy of the source's text) is the name the document is built with.
    ref, category = given["category"], treatment.category
    if ref["slug"] == category.slug and ref["name"] in accepted_names(category, content.language):
        ref["name"] = built["category"]["name"]
    return content_hash(built) == content_hash(given)


def _check_version(treatment: Treatment, expected_version: int | None) -> None:
    """A compare without a write: stale callers are refused even when they change nothing."""
    if expected_version is not None and treatment.version != expected_version:
        raise ConflictError(expected_version=expected_version, current_version=treatment.version)


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
    """Replace the whole working copy with validated content, as one compare-and-set.

    Content identical to the working copy writes nothing: no version bump (so nobody else's
    If-Match goes stale for nothing) and no audit record; the caller can tell by the version.
    """
    require(actor, Action.EDIT)
    current = treatment_get_for_edit(treatment_id=treatment_id)
    if _same_content(current, content):
        _check_version(current, expected_version)
        return current
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
    require(actor, Action.DELETE)
    new_version = treatment_compare_and_bump(
        treatment_id=treatment_id, expected_version=expected_version
    )
    treatment = Treatment.objects.get(pk=treatment_id)
    treatment.deleted_at = timezone.now()
    treatment.save(update_fields=["deleted_at"])
    publication_apply(treatment=treatment, revision=None, reason="deleted")
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
    """Undo a soft delete; the treatment comes back unpublished (publish it to go live)."""
    require(actor, Action.RESTORE)
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
    # Nothing public changes (the treatment stays withdrawn), so the hub records nothing; the
    # call keeps every public-state transition going through one place.
    publication_apply(treatment=treatment, revision=None, reason="restored")
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
