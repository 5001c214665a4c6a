"""Reads for offline sync: live documents in a scope, and what changed since a point of the log.

The change log's sequence numbers are handed out in commit order (treatments.publication), so a
reader that saw sequence N has seen every change numbered below N: "what changed after N" never
misses a change that committed late.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Subquery

from treatments.models import ChangeKind, ChangeLogEntry, Publication

from .public import publication_live_list, publication_locate_any


@dataclass(frozen=True)
class SyncScope:
    """Which documents a sync covers: all, or one category and/or one language."""

    category: str | None = None
    language: str | None = None

    def covers(self, *, category: str, language: str) -> bool:
        return (self.category is None or self.category == category) and (
            self.language is None or self.language == language
        )


def change_log_head() -> int:
    """The newest sequence number of the change log (0 when nothing was ever published)."""
    head = ChangeLogEntry.objects.aggregate(head=Max("sequence"))["head"]
    return int(head or 0)


def change_log_head_marker() -> tuple[int, dt.datetime | None]:
    """The newest entry's sequence and time: identifies a published state even where a
    rolled-back sequence number can be handed out again (SQLite)."""
    newest = ChangeLogEntry.objects.order_by("-sequence").values_list("sequence", "created_at")
    row = newest.first()
    return (row[0], row[1]) if row else (0, None)


@dataclass(frozen=True)
class LogEntryMark:
    """One change-log entry as a worker memory needs it: where it is, and whom it changed."""

    sequence: int
    created_at: dt.datetime
    treatment_id: uuid.UUID
    slug: str


def change_log_since(*, sequence: int, limit: int) -> list[LogEntryMark]:
    """The entries numbered `sequence` and after, newest first, at most `limit` (one query);
    at least the newest entry, if any.

    The newest is the head; the oldest, when it is `sequence` itself, shows that nothing was
    rolled back in between (SQLite can hand a rolled-back number out again).
    """
    newest = ChangeLogEntry.objects.order_by("-sequence").values("sequence")[:1]
    rows = (
        # The newest entry comes even when the log went back behind `sequence`.
        ChangeLogEntry.objects.filter(Q(sequence__gte=sequence) | Q(sequence=Subquery(newest)))
        .order_by("-sequence")
        .values_list("sequence", "created_at", "treatment_id", "slug")[:limit]
    )
    return [LogEntryMark(*row) for row in rows]


def sync_live_page(
    *,
    scope: SyncScope,
    after: uuid.UUID | None,
    limit: int,
    below: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` + 1 live publications in scope, by treatment id, after `after` (and
    below `below`, when given)."""
    queryset = _live_in(scope).order_by("treatment_id")
    if after is not None:
        queryset = queryset.filter(treatment_id__gt=after)
    if below is not None:
        queryset = queryset.filter(treatment_id__lt=below)
    fields = ("treatment_id", "slug", "revision_number", "document_json")
    return list(queryset.values(*fields)[: limit + 1])


def _live_in(scope: SyncScope) -> QuerySet[Publication]:
    queryset = publication_live_list()
    if scope.category is not None:
        queryset = queryset.filter(category_slug=scope.category)
    if scope.language is not None:
        queryset = queryset.filter(language=scope.language)
    return queryset


def _entries(scope: SyncScope) -> QuerySet[ChangeLogEntry]:
    entries = ChangeLogEntry.objects.all()
    if scope.category is not None:
        entries = entries.filter(
            Q(category_slug=scope.category) | Q(previous_category_slug=scope.category)
        )
    if scope.language is not None:
        entries = entries.filter(language=scope.language)
    return entries


def sync_first_change_after(*, scope: SyncScope, since: int) -> dt.datetime | None:
    """When the oldest change in scope after sequence `since` happened (None: nothing new)."""
    row = _entries(scope).filter(sequence__gt=since).order_by("sequence").values("created_at")
    first = row.first()
    return first["created_at"] if first else None


def sync_removed_since(*, scope: SyncScope, since: int) -> bool:
    """Whether a treatment left `scope` after sequence `since`: withdrawn, or moved out of the
    scope's category. (A stored copy of the scope from `since` must then not be served.)"""
    removals = Q(kind=ChangeKind.WITHDRAW)
    if scope.category is not None:
        removals |= ~Q(category_slug=scope.category)
    return _entries(scope).filter(sequence__gt=since).filter(removals).exists()


def sync_live_count(*, scope: SyncScope) -> int:
    """How many live documents `scope` holds (one query)."""
    return _live_in(scope).count()


def sync_live_counts() -> dict[tuple[str, str], int]:
    """How many live documents each (category slug, language) pair holds (one query; pairs
    with none are left out)."""
    rows = (
        publication_live_list()
        .order_by()
        .values_list("category_slug", "language")
        .annotate(n=Count("pk"))
    )
    return {(category, language): n for category, language, n in rows}


def sync_changed_page(
    *, scope: SyncScope, since: int, upto: int, after: int, limit: int
) -> list[tuple[uuid.UUID, int]]:
    """Treatments changed in (since, upto], each once, by their last change, after `after`.

    Returns up to `limit` + 1 pairs (treatment id, sequence of its last change in the window).
    """
    changed = (
        _entries(scope)
        .filter(sequence__gt=since, sequence__lte=upto)
        .values("treatment_id")
        .annotate(last=Max("sequence"))
        .filter(last__gt=after)
        .order_by("last")
    )
    return [(row["treatment_id"], row["last"]) for row in changed[: limit + 1]]


@dataclass(frozen=True)
class SyncState:
    """A treatment's public state now: its live document, or why and since when it is gone."""

    treatment_id: uuid.UUID
    slug: str
    live: bool
    in_scope: bool
    revision_number: int
    document_json: str
    gone_reason: str  # "unpublished", "deleted" or "out_of_scope" when not (live and in scope)
    gone_since: dt.datetime | None


def sync_states(*, scope: SyncScope, treatment_ids: list[uuid.UUID]) -> dict[uuid.UUID, SyncState]:
    """The current public state of each treatment, in two queries."""
    rows = Publication.objects.filter(treatment_id__in=treatment_ids).values(
        "treatment_id",
        "slug",
        "revision_number",
        "document_json",
        "withdrawn_at",
        "changed_at",
        "category_slug",
        "language",
    )
    withdrawn = [r["treatment_id"] for r in rows if r["withdrawn_at"] is not None]
    reasons: dict[uuid.UUID, str] = {}
    if withdrawn:
        last_withdrawals = (
            ChangeLogEntry.objects.filter(treatment_id__in=withdrawn, kind=ChangeKind.WITHDRAW)
            .order_by("treatment_id", "-sequence")
            .values_list("treatment_id", "reason")
        )
        for treatment_id, reason in last_withdrawals:
            reasons.setdefault(treatment_id, reason)
    states = {}
    for r in rows:
        live = r["withdrawn_at"] is None
        in_scope = scope.covers(category=r["category_slug"], language=r["language"])
        if live and in_scope:
            reason, since = "", None
        elif live:
            reason, since = "out_of_scope", r["changed_at"]
        else:
            reason, since = reasons.get(r["treatment_id"], "unpublished"), r["withdrawn_at"]
        states[r["treatment_id"]] = SyncState(
            treatment_id=r["treatment_id"],
            slug=r["slug"],
            live=live,
            in_scope=in_scope,
            revision_number=r["revision_number"],
            document_json=r["document_json"],
            gone_reason=reason,
            gone_since=since,
        )
    return states


def publication_withdrawn(*, key: str) -> tuple[uuid.UUID, str, dt.datetime] | None:
    """(treatment id, slug, withdrawn_at) of a withdrawn treatment known by this slug, id or
    former slug."""
    found = publication_locate_any(key=key)
    if found is None:
        return None
    row = (
        Publication.objects.filter(treatment_id=found, withdrawn_at__isnull=False)
        .values_list("slug", "withdrawn_at")
        .first()
    )
    if row is None or row[1] is None:
        return None
    return found, row[0], row[1]
