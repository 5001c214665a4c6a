"""`publication_apply`: one call per public change, inside the caller's transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from treatments.models import (
    ChangeKind,
    ChangeLogEntry,
    Publication,
    PublishedCategory,
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
    # The category as published: a rename in the admin is public only with the next publish.
    description = (
        treatment.category.description
        if treatment.category.slug == document["category"]["slug"]
        else ""
    )
    PublishedCategory.objects.update_or_create(
        slug=document["category"]["slug"],
        defaults={
            "name": document["category"]["name"],
            "description": description,
            "published_at": now,
        },
    )
    PublishedSlug.objects.get_or_create(
        slug=document["slug"], defaults={"treatment": treatment, "first_published_at": now}
    )


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
