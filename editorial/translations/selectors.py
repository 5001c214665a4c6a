"""Reads of translations: a source's translations for editors, its live languages for readers."""

import uuid
from typing import Any

from django.db.models import QuerySet

from treatments.models import Publication, Revision

from .models import Translation


def translation_list(*, source_id: uuid.UUID) -> QuerySet[Translation]:
    """Every translation of a source, by language, with its working copy."""
    return (
        Translation.objects.filter(source_id=source_id)
        .select_related("treatment")
        .order_by("language")
    )


def translation_live_languages(*, source_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The languages of a source's published translations, each with its treatment id."""
    live = (
        Publication.objects.live()
        .filter(treatment__translation_of__source_id=source_id)
        .values_list("language", "treatment_id")
    )
    return dict(live)


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
