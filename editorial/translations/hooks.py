"""The publication hook of translations: a source's new revision outdates its translations,
and withdrawing a source withdraws them (publishing a source never publishes a translation)."""

from django.db.models import Q
from django.utils import timezone

from treatments.choices import AuditAction
from treatments.models import Publication
from treatments.publication import PublicChange, publication_apply
from treatments.services import audit_record

from .models import Translation


def follow_the_source(change: PublicChange) -> None:
    """Mark translations outdated on a new source revision; withdraw them with their source."""
    translations = Translation.objects.filter(source_id=change.treatment.pk)
    if change.revision is not None:
        number = change.revision.number
        lagging = translations.filter(Q(source_revision__isnull=True) | ~Q(source_revision=number))
        lagging.filter(outdated_since__isnull=True).update(outdated_since=timezone.now())
        lagging.update(outdated_by_revision=number)
        return
    live = Publication.objects.live().filter(treatment_id__in=translations.values("treatment_id"))
    for publication in live.select_related("treatment"):
        # The change-log reason keeps the hub's vocabulary (unpublished, deleted, ...); the
        # audit record says why in words.
        publication_apply(
            treatment=publication.treatment, revision=None, reason=change.entry.reason
        )
        audit_record(
            treatment=publication.treatment,
            action=AuditAction.UNPUBLISH,
            actor=None,
            revision_number=publication.revision_number,
            message=f"Withdrawn with its source '{change.entry.slug}' ({change.entry.reason}).",
        )
