"""Pure projections of a frozen document into the public read model's columns."""

from collections.abc import Iterator
from typing import Any

from treatments.choices import RestrictionKind, TimelineEventKind, TimeUnit
from treatments.documents.build import to_json
from treatments.documents.prose import NOT_SEARCHED

WEEKS_PER_UNIT = {
    TimeUnit.MINUTE: 1 / (60 * 24 * 7),
    TimeUnit.HOUR: 1 / (24 * 7),
    TimeUnit.DAY: 1 / 7,
    TimeUnit.WEEK: 1.0,
    TimeUnit.MONTH: 365.25 / 12 / 7,
    TimeUnit.YEAR: 365.25 / 7,
}

# Between the drug names in `Publication.drugs`: a control character the text rule refuses, so
# that no name can contain it and one `contains` finds a whole name on every database.
DRUG_SEPARATOR = "\x1f"


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """The compact list item of a document (links are added when served)."""
    return {
        "id": document["id"],
        "slug": document["slug"],
        "title": document["title"],
        "summary": document["summary"],
        "category": document["category"],
        "classification": document["classification"]["kind"],
        "tissue_source": document["classification"]["tissue_source"],
        "revision": document["revision"],
        "published_at": document["published_at"],
    }


def onset_max_weeks(document: dict[str, Any]) -> float | None:
    """Within how many weeks the effect is first noticed, or None when no onset has an end.

    `onset_within_weeks=N` means "first noticed within N weeks". Every onset event (first
    improvement, full effect, or an onset without a milestone) ends no earlier than the effect
    is first noticed, so the end of each is an upper bound and the earliest end is the answer:
    a later "full effect" never hides an earlier first improvement. An event's end is its
    maximum (its minimum when the source gives only that); open-ended events have none.
    """
    ends = []
    for event in document["timeline"]:
        rng = event["range"]
        if event["kind"] != TimelineEventKind.ONSET or rng["open_ended"]:
            continue
        bound = rng["max"] if rng["max"] is not None else rng["min"]
        if bound is not None:
            ends.append(bound * WEEKS_PER_UNIT[TimeUnit(rng["unit"])])
    return min(ends) if ends else None


def drug_key(name: str) -> str:
    """How a drug name or class is compared: case-insensitively, surrounding spaces ignored."""
    return name.strip().casefold()


def drugs(document: dict[str, Any]) -> str:
    """The names and classes of the drugs the treatment gives, for the `drug` filter."""
    names = sorted(
        {
            drug_key(value)
            for medication in document.get("medications", [])
            for value in (medication["name"], medication.get("drug_class", ""))
            if drug_key(value)
        }
    )
    return DRUG_SEPARATOR + DRUG_SEPARATOR.join(names) + DRUG_SEPARATOR if names else ""


def codes(value: Any) -> set[tuple[str, str]]:
    """Every (system, code) the document carries, wherever a `codes` list sits."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "codes" and isinstance(child, list):
                found.update((c["system"], c["code"]) for c in child if isinstance(c, dict))
            else:
                found |= codes(child)
    elif isinstance(value, list):
        for child in value:
            found |= codes(child)
    return found


def restricted_activities(document: dict[str, Any]) -> str:
    """ ",running,driving," so that one `contains` finds an activity on every database."""
    restricted = sorted(
        {
            r["activity"]
            for r in document["recovery_rules"]
            if r["restriction"] in (RestrictionKind.AVOID, RestrictionKind.LIMIT)
        }
    )
    return "," + ",".join(restricted) + "," if restricted else ""


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value:
            yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            if key not in NOT_SEARCHED:
                yield from _texts(child)
    elif isinstance(value, list):
        for child in value:
            yield from _texts(child)


def search_text(document: dict[str, Any]) -> str:
    """Every prose text of the document (every section, present and future), lower-cased."""
    return " ".join(_texts(document)).lower()


def read_model_row(
    *, revision: Any, document: dict[str, Any], source_version: int
) -> dict[str, Any]:
    """The read-model columns (Publication) for a live revision, except `changed_at`."""
    return {
        "revision": revision,
        "revision_number": revision.number,
        "source_version": source_version,
        "slug": document["slug"],
        "title": document["title"],
        "category_slug": document["category"]["slug"],
        "category_name": document["category"]["name"],
        # Revisions frozen before documents carried a language are English (the seed's).
        "language": document.get("language", "en"),
        "classification": document["classification"]["kind"],
        "tissue_source": document["classification"]["tissue_source"],
        "restricted_activities": restricted_activities(document),
        "onset_max_weeks": onset_max_weeks(document),
        "drugs": drugs(document),
        "next_review_due": document["review"]["next_review_due"],
        "search_text": search_text(document),
        "published_at": revision.created_at,
        "withdrawn_at": None,
        "summary_json": to_json(summary(document)),
        "document_json": revision.document_json,
        "etag": revision.etag,
    }
