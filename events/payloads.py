"""Event payloads, built here and nowhere else, from public data only (never a draft).

A treatment payload is made from the change-log entry of the change: what the public sync
feed already says. Links and absolute URLs are added by whoever sends it (the HTTP edge).
"""

from collections.abc import Sequence
from typing import Any

from treatments.models import ChangeKind
from treatments.publication import PublicChange

from .types import EventType


def treatment_event_type(change: PublicChange) -> EventType:
    """The kind of public change: first publication, replacement, withdrawal or return."""
    if change.entry.kind == ChangeKind.WITHDRAW:
        return EventType.TREATMENT_WITHDRAWN
    if change.before == "live":
        return EventType.TREATMENT_UPDATED
    if change.before == "withdrawn":
        return EventType.TREATMENT_RESTORED
    return EventType.TREATMENT_PUBLISHED


def treatment_payload(change: PublicChange) -> dict[str, Any]:
    """The payload of a treatment event: type, sequence, id, slug(s), revision, scope, time."""
    entry = change.entry
    return {
        "type": str(treatment_event_type(change)),
        "sequence": entry.sequence,
        "occurred_at": entry.created_at.isoformat(),
        "treatment": {
            "id": str(change.treatment.pk),
            "slug": entry.slug,
            # Every slug the treatment was reachable by, so caches keyed by any can be purged.
            "slugs": list(change.slugs),
        },
        "revision": entry.revision_number,
        "category": entry.category_slug,
        "previous_category": entry.previous_category_slug or None,
        "language": entry.language,
    }


def release_payload(
    *, release_id: str, name: str, changes: Sequence[PublicChange]
) -> dict[str, Any]:
    """The payload of `release.published`: the release and the public changes it made."""
    return {
        "type": str(EventType.RELEASE_PUBLISHED),
        "release": {"id": release_id, "name": name},
        "sequences": [c.entry.sequence for c in changes],
        "changes": [
            {
                "type": str(treatment_event_type(c)),
                "sequence": c.entry.sequence,
                "treatment": {"id": str(c.treatment.pk), "slug": c.entry.slug},
                "revision": c.entry.revision_number,
            }
            for c in changes
        ],
    }
