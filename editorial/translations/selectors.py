"""Reads of translations: a source's translations for editors, its live languages for readers."""

import uuid
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from treatments.models import Publication, Revision

from .models import Translation

# The columns of a live publication that say whether it is a translation and what it
# translates (a LEFT JOIN in the publication's own query: sources have none).
TRANSLATION_NOTE_FIELDS = (
    "treatment_id",
    "treatment__translation_of__source_language",
    "treatment__translation_of__published_source_revision",
    "treatment__translation_of__outdated_since",
)


def translation_note(row: dict[str, Any]) -> dict[str, Any] | None:
    """What a live translation translates and whether its source changed since; None for a
    source. `row` holds TRANSLATION_NOTE_FIELDS."""
    if not row.get("treatment__translation_of__source_language"):
        return None
    return {
        "source_language": row["treatment__translation_of__source_language"],
        "source_revision": row["treatment__translation_of__published_source_revision"],
        "outdated": row["treatment__translation_of__outdated_since"] is not None,
    }


class LiveTranslation(NamedTuple):
    """A published translation of a source: its treatment and its slug."""

    treatment_id: uuid.UUID
    slug: str


def translation_list(*, source_id: uuid.UUID) -> QuerySet[Translation]:
    """Every translation of a source, by language, with its working copy."""
    return (
        Translation.objects.filter(source_id=source_id)
        .select_related("treatment")
        .order_by("language")
    )


def translation_live_languages(*, source_id: uuid.UUID) -> dict[str, LiveTranslation]:
    """The languages of a source's published translations, each with its treatment and slug."""
    live = (
        Publication.objects.live()
        .filter(treatment__translation_of__source_id=source_id)
        .values_list("language", "treatment_id", "slug")
    )
    return {language: LiveTranslation(pk, slug) for language, pk, slug in live}


def translation_ids() -> Any:
    """The treatment ids of every translation (catalogue lists show sources only)."""
    return Translation.objects.values("treatment_id")


def translation_live_document(*, treatment_id: uuid.UUID, fields: tuple[str, ...]) -> Any:
    """The named columns of a translation's live publication, or None (one query)."""
    rows = Publication.objects.live().filter(treatment_id=treatment_id).order_by().values(*fields)
    return next(iter(rows[:1]), None)


def translation_of(*, treatment_id: uuid.UUID) -> Translation | None:
    """The translation row of a working copy (with its source), or None if it is no translation."""
    return (
        Translation.objects.filter(treatment_id=treatment_id)
        .select_related("source", "treatment")
        .first()
    )


def source_revision_document(*, source_id: uuid.UUID, number: int | None) -> dict[str, Any] | None:
    """The frozen document of a source's revision `number`, or None (no number, no revision)."""
    if number is None:
        return None
    revision = Revision.objects.filter(treatment_id=source_id, number=number).first()
    return revision.document if revision is not None else None


class LiveLanguage(NamedTuple):
    """One published language of a treatment: its slug, and whether it is the source."""

    language: str
    slug: str
    is_source: bool


def translation_live_family(*, treatment_id: uuid.UUID) -> list[LiveLanguage]:
    """Every published language of the treatment `treatment_id` belongs to (the source and its
    translations, whichever of them it is), the source first (one query)."""
    source = Translation.objects.filter(treatment_id=treatment_id).values("source_id")
    family = (
        Q(treatment_id=treatment_id)
        | Q(treatment__translation_of__source_id=treatment_id)
        | Q(treatment_id__in=source)
        | Q(treatment__translation_of__source_id__in=source)
    )
    rows = (
        Publication.objects.live()
        .filter(family)
        .order_by("language")
        .values_list("language", "slug", "treatment__translation_of__source_language")
    )
    languages = [LiveLanguage(tag, slug, not source_tag) for tag, slug, source_tag in rows]
    return sorted(languages, key=lambda live: not live.is_source)
