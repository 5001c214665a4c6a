"""Every public read starts here: published data only, never the working copy."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsonpatch
from django.db import connections, router
from django.db.models import Case, F, FilteredRelation, Q, QuerySet, When

from treatments.models import (
    Publication,
    PublishedCategory,
    PublishedCategoryName,
    PublishedSlug,
    Revision,
)

from .compiled import CompiledQuery, Slot, compiled_query


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
        # Former slugs as published (never the working copy's aliases, which drafts may add).
        former = PublishedSlug.objects.filter(slug=key).values_list("treatment_id", flat=True)
        alias = former.first()
        if alias is None:
            return None
        row = live.filter(treatment_id=alias).values_list("treatment_id", "slug").first()
    else:
        row = live.filter(treatment_id=as_uuid).values_list("treatment_id", "slug").first()
    return Located(treatment_id=row[0], slug=row[1], canonical=False) if row else None


def _document_query(slug: Any, fields: tuple[str, ...]) -> QuerySet[Publication, dict[str, Any]]:
    # The slug is unique: no ORDER BY (the model's default ordering would add one).
    return publication_live_list().filter(slug=slug).order_by().values(*fields)[:1]


def publication_document(*, slug: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The named columns of the live publication with this slug, in one query.

    Every public read of one document (a detail that misses the worker's memory, renditions,
    the card) runs this query: it is compiled once per connection and field list
    (`treatments.selectors.compiled`), and only the slug changes from one call to the next.
    """
    connection = connections[router.db_for_read(Publication)]
    compiled = compiled_query(
        connection,
        ("publication_document", fields),
        lambda: CompiledQuery(connection, _document_query(_SLUG.value, fields), [_SLUG]),
    )
    if compiled is None:
        return next(iter(_document_query(slug, fields)), None)
    rows = compiled.rows(connection, [slug])
    return dict(zip(compiled.names, rows[0], strict=True)) if rows else None


# Stands for the slug while compiling; never a slug (slugs are lower-case letters and dashes).
_SLUG = Slot("\x00slug\x00")


# Each language a category list asks for is one LEFT JOIN; a preference list longer than this
# is cut (nobody ranks more languages than this, and published name languages are few).
MAX_CATEGORY_LANGUAGES = 8


def category_live_list(*, languages: Sequence[str] = ()) -> QuerySet[PublishedCategory]:
    """Categories, as last published, that hold at least one live treatment, each named in the
    first of `languages` it has a published name in, else as `PublishedCategory` names it.

    Every row has `shown_name`, `shown_description` and `shown_language` (the language of
    that name and description); the list is ordered by `shown_name`.
    """
    live_slugs = publication_live_list().values("category_slug")
    categories = PublishedCategory.objects.filter(slug__in=live_slugs)
    languages = list(languages)[:MAX_CATEGORY_LANGUAGES]
    if not languages:
        return categories.annotate(
            shown_name=F("name"), shown_description=F("description"), shown_language=F("language")
        )
    joins = {
        f"name_{i}": FilteredRelation("names", condition=Q(names__language=language))
        for i, language in enumerate(languages)
    }

    def first(field: str) -> Any:
        return Case(
            *(When(**{f"{join}__pk__isnull": False}, then=F(f"{join}__{field}")) for join in joins),
            default=F(field),
        )

    return categories.annotate(**joins).annotate(
        shown_name=first("name"),
        shown_description=first("description"),
        shown_language=first("language"),
    )


def category_live_languages() -> list[str]:
    """The languages (besides the catalogue's) live categories have a published name in."""
    live_slugs = publication_live_list().values("category_slug")
    return sorted(
        set(
            PublishedCategoryName.objects.filter(category_id__in=live_slugs)
            .values_list("language", flat=True)
            .distinct()
        )
    )


def revision_public_list(*, treatment_id: uuid.UUID) -> QuerySet[Revision]:
    """The frozen history of a live treatment, newest first (drafts are never revisions)."""
    return Revision.objects.filter(treatment_id=treatment_id).order_by("-number")


def revision_public_get(*, treatment_id: uuid.UUID, number: int) -> Revision | None:
    """One frozen revision of a live treatment."""
    return Revision.objects.filter(treatment_id=treatment_id, number=number).first()


def revision_diff(*, old: Revision, new: Revision) -> list[dict[str, Any]]:
    """An RFC 6902 JSON Patch that turns revision `old` into revision `new` (content only)."""
    # Links are not content (older revisions stored them; newer ones get them when served).
    before = {k: v for k, v in old.document.items() if k != "links"}
    after = {k: v for k, v in new.document.items() if k != "links"}
    return list(jsonpatch.make_patch(before, after))


def publication_locate_any(*, key: str) -> uuid.UUID | None:
    """The treatment ever published as `key` (slug, id or former slug), live or withdrawn."""
    row = Publication.objects.filter(slug=key).values_list("treatment_id", flat=True).first()
    if row is not None:
        return row
    try:
        as_uuid = uuid.UUID(key)
    except ValueError:
        return PublishedSlug.objects.filter(slug=key).values_list("treatment_id", flat=True).first()
    return Publication.objects.filter(pk=as_uuid).values_list("treatment_id", flat=True).first()
