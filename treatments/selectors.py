"""Every public read starts here: published content only, never the working copy."""

import uuid
from dataclasses import dataclass
from typing import Any

import jsonpatch
from django.db.models import QuerySet

from treatments.models import Category, Publication, Revision, SlugAlias, Treatment


def publication_live_list() -> QuerySet[Publication]:
    """The live read model: what the public may see, and nothing else."""
    return Publication.objects.live()


@dataclass(frozen=True)
class Located:
    """A live publication found by slug, id or former slug, and whether the key is canonical."""

    treatment_id: uuid.UUID
    slug: str
    canonical: bool


def publication_locate(*, key: str) -> Located | None:
    """Find a live publication by its slug, its UUID or a former slug."""
    live = publication_live_list()
    row = live.filter(slug=key).values_list("treatment_id", "slug").first()
    if row:
        return Located(treatment_id=row[0], slug=row[1], canonical=True)
    try:
        as_uuid = uuid.UUID(key)
    except ValueError:
        alias = SlugAlias.objects.filter(slug=key).values_list("treatment_id", flat=True).first()
        if alias is None:
            return None
        row = live.filter(treatment_id=alias).values_list("treatment_id", "slug").first()
    else:
        row = live.filter(treatment_id=as_uuid).values_list("treatment_id", "slug").first()
    return Located(treatment_id=row[0], slug=row[1], canonical=False) if row else None


def publication_document(*, slug: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The named columns of the live publication with this slug, in one query."""
    # The slug is unique: no ORDER BY (the model's default ordering would add one).
    rows = publication_live_list().filter(slug=slug).order_by().values(*fields)[:1]
    return next(iter(rows), None)


def category_live_list() -> QuerySet[Category]:
    """Categories that hold at least one live treatment."""
    live_slugs = publication_live_list().values("category_slug")
    return Category.objects.filter(slug__in=live_slugs)


def revision_public_list(*, treatment_id: uuid.UUID) -> QuerySet[Revision]:
    """The frozen history of a live treatment, newest first (drafts are never revisions)."""
    return Revision.objects.filter(treatment_id=treatment_id).order_by("-number")


def revision_public_get(*, treatment_id: uuid.UUID, number: int) -> Revision | None:
    """One frozen revision of a live treatment."""
    return Revision.objects.filter(treatment_id=treatment_id, number=number).first()


def revision_diff(*, old: Revision, new: Revision) -> list[dict[str, Any]]:
    """An RFC 6902 JSON Patch that turns revision `old` into revision `new`."""
    return list(jsonpatch.make_patch(old.document, new.document))


# --- editorial reads (admin and editor API): the working copy and where it stands ----------

WORKING_COPY_STATES = ("draft", "live", "unpublished", "deleted")


def _publication_of(treatment: Treatment) -> Publication | None:
    try:
        return treatment.publication
    except Publication.DoesNotExist:
        return None


def working_copy_state(treatment: Treatment) -> str:
    """Where a working copy stands: draft, live, unpublished or deleted."""
    if treatment.deleted_at is not None:
        return "deleted"
    publication = _publication_of(treatment)
    if publication is None:
        return "draft"
    return "unpublished" if publication.withdrawn_at else "live"


def working_copy_live_revision(treatment: Treatment) -> int | None:
    """The revision number the public sees, or None."""
    publication = _publication_of(treatment)
    if publication is None or publication.withdrawn_at or treatment.deleted_at:
        return None
    return publication.revision_number


def working_copy_has_unpublished_changes(treatment: Treatment) -> bool:
    """True when the working copy was written after its last publication (or never published)."""
    publication = _publication_of(treatment)
    return publication is None or publication.source_version != treatment.version


def working_copy_list(*, state: str | None = None) -> QuerySet[Treatment]:
    """Working copies with their publication, optionally in one state (deleted only if asked)."""
    queryset = Treatment.objects.select_related("publication")
    if state == "deleted":
        return queryset.filter(deleted_at__isnull=False)
    queryset = queryset.filter(deleted_at__isnull=True)
    if state == "draft":
        return queryset.filter(publication__isnull=True)
    if state == "live":
        return queryset.filter(publication__isnull=False, publication__withdrawn_at__isnull=True)
    if state == "unpublished":
        return queryset.filter(publication__withdrawn_at__isnull=False)
    return queryset
