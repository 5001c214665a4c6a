"""`publication_apply`: one call per public change, inside the caller's transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from treatments.documents.categories import (
    catalogue_language,
    category_text,
    is_catalogue_language,
)
from treatments.documents.schema import DEFAULT_LANGUAGE
from treatments.languages import lookup, lookup_order
from treatments.models import (
    Category,
    ChangeKind,
    ChangeLogEntry,
    Publication,
    PublishedCategory,
    PublishedCategoryName,
    PublishedCode,
    PublishedSlug,
    Revision,
    Treatment,
)
from treatments.signals import publication_changed

from . import projection

# A key for PostgreSQL's transaction-level advisory lock that serialises public changes, so that
# change-log sequence numbers are handed out in commit order (a reader that saw sequence N has
# seen every change numbered below N: no change can commit "behind" a sync client).
_CHANGE_LOG_LOCK = 0x7472_6561_746D  # "treatm"


@dataclass(frozen=True)
class PublicChange:
    """A change the public can see, as recorded in the change log."""

    entry: ChangeLogEntry
    treatment: Treatment
    revision: Revision | None
    slugs: tuple[str, ...]  # every slug the previous and new live document was reachable by
    # What the public saw before: "absent" (never published), "live" or "withdrawn".
    before: str = "absent"


Hook = Callable[[PublicChange], None]
_hooks: list[Hook] = []


def publication_hooks() -> list[Hook]:
    """The hooks run (in the publishing transaction) for every public change; append to add.

    A hook runs after the change-log entry is written and before the transaction commits: what
    it writes commits or rolls back with the change (events/ writes its outbox rows here). A
    hook must not wait on anything outside the database.
    """
    return _hooks


def _lock_change_log() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHANGE_LOG_LOCK])
    # SQLite serialises writers already: the first write of the transaction takes the lock.


def _project(treatment: Treatment, revision: Revision, document: dict[str, Any], now: Any) -> None:
    row = projection.read_model_row(
        revision=revision, document=document, source_version=treatment.version
    )
    publication, _ = Publication.objects.update_or_create(
        treatment=treatment, defaults={**row, "changed_at": now}
    )
    # The codes index behind `?code=system|code`: replaced as a whole with each live revision.
    PublishedCode.objects.filter(publication=publication).delete()
    PublishedCode.objects.bulk_create(
        PublishedCode(publication=publication, system=system, code=code)
        for system, code in sorted(projection.codes(document))
    )
    _project_category(treatment, document, now)
    PublishedSlug.objects.get_or_create(
        slug=document["slug"], defaults={"treatment": treatment, "first_published_at": now}
    )


def _project_category(treatment: Treatment, document: dict[str, Any], now: Any) -> None:
    """The category as published: what a document froze, public only with its publication.

    A name in the catalogue's language replaces `PublishedCategory` (a rename in the admin is
    public only with the next publish). A name in another language is kept apart, per language
    (`PublishedCategoryName`), and never replaces the catalogue's name; it stands in for it
    only while no document in the catalogue's language was published in the category.
    """
    slug, name = document["category"]["slug"], document["category"]["name"]
    document_language = document.get("language", DEFAULT_LANGUAGE)
    category = (
        treatment.category
        if treatment.category.slug == slug
        else Category.objects.filter(slug=slug).first()
    )
    # The category's names as the builder gives them now (the same rule, the same data).
    text = category_text(category, document_language) if category is not None else None
    # The language of the name the document carries. None when it cannot be told: the
    # category is gone, or its names changed since the document was frozen (an older
    # revision published again).
    language: str | None
    if is_catalogue_language(document_language):
        language = catalogue_language()
    elif text is not None and text.name == name:
        language = text.language
    else:
        language = None
    description = text.description if text is not None and text.language == language else ""
    row = {"name": name, "description": description, "published_at": now}
    if language is not None and is_catalogue_language(language):
        PublishedCategory.objects.update_or_create(
            slug=slug, defaults={**row, "language": language}
        )
        _forget_names_replaced(slug, document_language, language)
        return
    stand_in = language or document_language
    current = PublishedCategory.objects.filter(slug=slug).values_list("language", flat=True)
    if current.first() in (None, stand_in):
        PublishedCategory.objects.update_or_create(
            slug=slug, defaults={**row, "language": stand_in}
        )
    if language is not None:
        PublishedCategoryName.objects.update_or_create(
            category_id=slug, language=language, defaults=row
        )
        _forget_names_replaced(slug, document_language, language)


def _forget_names_replaced(slug: str, document_language: str, name_language: str) -> None:
    """The last publication in a language decides its name: published names a document in
    `document_language` would have taken before `name_language` (a name since deleted, e.g.
    `es` when an `es` document now carries the catalogue's name) are no longer public."""
    if is_catalogue_language(document_language):
        return
    published = PublishedCategoryName.objects.filter(category_id=slug)
    reached = lookup_order([document_language], published.values_list("language", flat=True))
    replaced = [language for language in reached if language != name_language]
    if replaced:
        published.filter(language__in=replaced).delete()


def _prune_category_names(slugs: set[str]) -> None:
    """Names in a language no live document of the category carries any more are not public.

    A name is public while a live document in its language (`es`, or `es-MX` for `es`) shows
    it; once the last one is withdrawn or leaves the category, the name goes with it.
    """
    names = list(
        PublishedCategoryName.objects.filter(category_id__in=slugs).values_list(
            "pk", "category_id", "language"
        )
    )
    if not names:
        return
    live: dict[str, set[str]] = {}
    for slug, language in (
        Publication.objects.live()
        .filter(category_slug__in={slug for _, slug, _ in names})
        .values_list("category_slug", "language")
        .distinct()
    ):
        live.setdefault(slug, set()).add(language)
    gone = [
        pk
        for pk, slug, name_language in names
        if not any(lookup([language], [name_language]) for language in live.get(slug, ()))
    ]
    if gone:
        PublishedCategoryName.objects.filter(pk__in=gone).delete()


@transaction.atomic
def publication_apply(
    *, treatment: Treatment, revision: Revision | None, reason: str
) -> PublicChange | None:
    """Make `revision` the live document of `treatment` (None withdraws it), with its log entry.

    Returns None, and writes nothing, when the public would see no change (e.g. withdrawing
    what is not live, or a restore that leaves the treatment unpublished).
    """
    current = Publication.objects.filter(treatment=treatment).first()
    live_now = current is not None and current.withdrawn_at is None
    if revision is None and not live_now:
        return None
    if revision is not None and live_now and current.revision_id == revision.pk:  # type: ignore[union-attr]
        return None
    _lock_change_log()
    now = timezone.now()
    slugs = {current.slug} if current is not None else set()
    before_category = current.category_slug if live_now else ""  # type: ignore[union-attr]
    if revision is None:
        Publication.objects.filter(pk=treatment.pk).update(withdrawn_at=now, changed_at=now)
        assert current is not None
        slug, kind, number = current.slug, ChangeKind.WITHDRAW, current.revision_number
        category, language = current.category_slug, current.language
    else:
        document = revision.document
        _project(treatment, revision, document, now)
        slug, kind, number = document["slug"], ChangeKind.UPSERT, revision.number
        category = document["category"]["slug"]
        language = document.get("language", "en")
    _prune_category_names({c for c in (category, before_category) if c})
    slugs.add(slug)
    slugs.update(PublishedSlug.objects.filter(treatment=treatment).values_list("slug", flat=True))
    entry = ChangeLogEntry.objects.create(
        treatment=treatment,
        slug=slug,
        category_slug=category,
        previous_category_slug=before_category if before_category != category else "",
        language=language,
        kind=kind,
        reason=reason,
        revision_number=number,
        created_at=now,
    )
    change = PublicChange(
        entry=entry,
        treatment=treatment,
        revision=revision,
        slugs=tuple(sorted(slugs)),
        before="absent" if current is None else "live" if live_now else "withdrawn",
    )
    for hook in _hooks:
        hook(change)
    # In-process caches learn of the change once it is committed (never of a rolled-back one).
    transaction.on_commit(
        lambda: publication_changed.send(
            sender=Publication, treatment_id=treatment.pk, slugs=change.slugs
        )
    )
    return change
