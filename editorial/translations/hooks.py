"""The publication hook of translations: a source's new revision outdates its translations,
and withdrawing a source withdraws them (publishing a source never publishes a translation)."""

from django.db.models import Q
from django.utils import timezone

from treatments.choices import AuditAction
from treatments.models import Publication
from treatments.publication import PublicChange, publication_apply
from treatments.services import audit_record

from .models import Translation


def _translation_published(change: PublicChange) -> None:
    """A translation went live: it now translates what its working copy said it translates."""
    row = Translation.objects.filter(treatment_id=change.treatment.pk).first()
    if row is None:
        return
    source_live = (
        Publication.objects.live()
        .filter(treatment_id=row.source_id)
        .values_list("revision_number", flat=True)
        .first()
    )
    row.published_source_revision = row.source_revision
    if source_live is None or row.source_revision == source_live:
        row.outdated_since = None
        row.outdated_by_revision = None
    elif row.outdated_since is None:
        row.outdated_since = timezone.now()
        row.outdated_by_revision = source_live
    row.save(update_fields=["published_source_revision", "outdated_since", "outdated_by_revision"])


def follow_the_source(change: PublicChange) -> None:
    """Mark translations outdated on a new source revision; withdraw them with their source."""
    if change.revision is not None:
        _translation_published(change)
    translations = Translation.objects.filter(source_id=change.treatment.pk)
    if change.revision is not None:
        number = change.revision.number
        # The live translation's revision counts; a translation never published, its draft's.
        lagging = translations.filter(
            (Q(published_source_revision__isnull=False) & ~Q(published_source_revision=number))
            | (
                Q(published_source_revision__isnull=True)
                & (Q(source_revision__isnull=True) | ~Q(source_revision=number))
            )
        )
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
