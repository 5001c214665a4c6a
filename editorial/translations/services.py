"""Writes of translations: create one (a working copy tied to its source), confirm it is up to
date. The text itself is written, reviewed and published by `treatments.services` and
`editorial.services`, as any working copy is."""

from typing import Any

from django.db import IntegrityError, transaction

from treatments import selectors
from treatments.documents.schema import TreatmentContent
from treatments.errors import ContentInvalidError, StateError
from treatments.models import Treatment
from treatments.services import treatment_create, treatment_get_for_edit

from .languages import canonical_tag
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
    treatment = treatment_create(
        content=content,
        actor=actor,
        message=f"Translation ({tag}) of '{source.slug}'.",
        request_id=request_id,
    )
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
