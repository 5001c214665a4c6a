"""Editorial reads (admin and editor API): the working copy and where it stands."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from treatments.models import Publication, PublishedCategory, PublishedCategoryName, Treatment

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


@dataclass(frozen=True)
class PublicCategoryName:
    """A category's name as the public sees it in one language, and since when."""

    name: str
    published_at: dt.datetime


def category_public_names(*, slug: str) -> dict[str, PublicCategoryName]:
    """The category's published names by language (the catalogue's included): what readers
    see, which may differ from what editors saved since (public only with a publication)."""
    names: dict[str, PublicCategoryName] = {}
    published = PublishedCategory.objects.filter(slug=slug).first()
    if published is not None:
        names[published.language] = PublicCategoryName(published.name, published.published_at)
    for row in PublishedCategoryName.objects.filter(category_id=slug):
        names[row.language] = PublicCategoryName(row.name, row.published_at)
    return names
