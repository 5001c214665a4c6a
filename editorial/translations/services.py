"""Writes of translations: create one (a working copy tied to its source), bring it up to
date with the source's live revision. The text itself is written, reviewed and published by
`treatments.services` and `editorial.services`, as any working copy is."""

from typing import Any

from django.db import IntegrityError, transaction

from treatments import selectors
from treatments.choices import AuditAction
from treatments.documents.schema import TreatmentContent
from treatments.errors import ContentInvalidError, NotFoundError, StateError
from treatments.languages import canonical_tag
from treatments.models import Treatment
from treatments.permissions import Action, require
from treatments.services import (
    audit_record,
    treatment_compare_and_bump,
    treatment_create,
    treatment_get_for_edit,
    treatment_replace,
)

from .models import Translation


def _invalid(pointer: str, message: str) -> ContentInvalidError:
    field = pointer.strip("/").replace("/", ".") or "(root)"
    return ContentInvalidError([{"field": field, "pointer": pointer, "message": message}])


def translation_language(*, source: Treatment, language: Any) -> str:
    """The canonical tag of a new translation of `source`, or a 400/409 saying what is wrong."""
    tag = canonical_tag(language) if isinstance(language, str) else None
    if tag is None:
        raise _invalid(
            "/language",
            "Not a BCP 47 language tag; send one such as 'es', 'es-MX' or 'zh-Hant'.",
        )
    if tag.lower() == source.language.lower():
        raise _invalid(
            "/language",
            f"'{tag}' is the source's own language; a translation is into another language.",
        )
    if Translation.objects.filter(treatment_id=source.pk).exists():
        raise StateError(
            "This treatment is itself a translation; translate its source instead.",
            code="translation_of_translation",
        )
    if Translation.objects.filter(source_id=source.pk, language__iexact=tag).exists():
        raise StateError(
            f"This treatment already has a '{tag}' translation; edit that one instead.",
            code="duplicate_language",
        )
    return tag


@transaction.atomic
def translation_create(
    *,
    source_id: Any,
    language: Any,
    content: TreatmentContent,
    actor: Any,
    request_id: str = "",
) -> Translation:
    """Create the working copy of a translation of `source_id`, tied to its live revision.

    The content must say the translation's language (or leave it to the default, which the
    service fills). Nothing is public until the translation is reviewed and published itself.
    """
    source = treatment_get_for_edit(treatment_id=source_id)
    tag = translation_language(source=source, language=language)
    if "language" in content.model_fields_set and content.language.lower() != tag.lower():
        raise _invalid(
            "/content/language",
            f"The content says '{content.language}' but the translation is into '{tag}'; "
            "make them agree (or leave the content's language out).",
        )
    content = content.model_copy(update={"language": tag})
    try:
        treatment = treatment_create(
            content=content,
            actor=actor,
            message=f"Translation ({tag}) of '{source.slug}'.",
            request_id=request_id,
        )
    except ContentInvalidError as exc:  # the content's rules: point into `content`
        raise ContentInvalidError(
            [
                {**e, "field": f"content.{e['field']}", "pointer": f"/content{e['pointer']}"}
                for e in exc.errors
            ]
        ) from None
    try:
        with transaction.atomic():
            return Translation.objects.create(
                source=source,
                treatment=treatment,
                language=tag,
                source_language=source.language,
                source_revision=selectors.working_copy_live_revision(source),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # a concurrent request created the same language first
        raise StateError(
            f"This treatment already has a '{tag}' translation; edit that one instead.",
            code="duplicate_language",
        ) from None


@transaction.atomic
def translation_bring_up_to_date(
    *,
    translation_id: Any,
    source_revision: Any,
    expected_version: int | None,
    actor: Any,
    request_id: str = "",
    content: TreatmentContent | None = None,
    message: str = "",
) -> Translation:
    """Record that the translation's working copy now translates the source's live revision.

    An edit like any other: it bumps the working copy's version (so a standing approval no
    longer covers it) and is audited. Readers see it once the translation is published again.
    With `content` (a PO update file's texts on the live revision's structure), the working
    copy is replaced by it in the same compare-and-set write, under one audit record.
    """
    require(actor, Action.EDIT)
    row = (
        Translation.objects.select_related("source", "treatment")
        .filter(treatment_id=translation_id)
        .first()
    )
    if row is None:
        raise NotFoundError(f"No translation with id {translation_id}.")
    live = selectors.working_copy_live_revision(row.source)
    if live is None or source_revision != live:
        raise _invalid(
            "/source_revision",
            f"The source's live revision is {live}; a translation is brought up to date with "
            "the revision readers of the source see."
            if live is not None
            else "The source is not published; there is no revision to translate yet.",
        )
    before = row.source_revision
    note = " ".join(filter(None, [message, f"Translates source revision {live} (was {before})."]))
    version = expected_version if expected_version is not None else row.treatment.version
    wrote = False
    if content is not None:
        wrote = (
            treatment_replace(
                treatment_id=translation_id,
                content=content,
                expected_version=expected_version,
                actor=actor,
                message=note,
                request_id=request_id,
            ).version
            != version
        )
    if not wrote:
        # Nothing else changed (or identical content wrote nothing): the revision translated
        # is still an edit of its own.
        new_version = treatment_compare_and_bump(
            treatment_id=translation_id, expected_version=expected_version
        )
        audit_record(
            treatment=row.treatment,
            action=AuditAction.UPDATE,
            actor=actor,
            version_before=new_version - 1,
            version_after=new_version,
            message=note,
            request_id=request_id,
        )
    row.source_revision = live
    row.save(update_fields=["source_revision"])
    return row
