"""Locate a live treatment by any key it is known by, and its parsed document (remembered).

Every public read of one live treatment starts here: the detail view, its revisions, the
renditions (recovery plan, FHIR, JSON-LD), the embeddable card and oEmbed. A withdrawn treatment
is a 410 (`Gone`), one never published a 404.
"""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from treatments import selectors

from .memories import parsed_documents

# What a live document's answers need of its publication row.
LIVE_DOCUMENT_FIELDS = (
    "published_at",
    "document_json",
    "slug",
    "revision_number",
    "language",
    "etag",
)


class Gone(APIException):
    """The resource existed and is gone for good (410); `extra` adds problem members."""

    status_code = status.HTTP_410_GONE
    default_code = "gone"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.extra = extra


def locate_live(key: str) -> selectors.Located:
    """The live treatment known as `key`; 410 if it was withdrawn, 404 if never published."""
    located = selectors.publication_locate(key=key)
    if located is None:
        withdrawn = selectors.publication_withdrawn(key=key)
        if withdrawn is not None:
            slug, since = withdrawn
            when = since.isoformat().replace("+00:00", "Z")
            raise Gone(
                f"'{slug}' was withdrawn from publication on {when}; remove any copy you hold.",
                withdrawn_at=when,
            )
        raise NotFound(f"No published treatment is known as '{key}'.")
    return located


@dataclass(frozen=True)
class LiveDocument:
    """A live document, parsed once, and what the answer needs of its publication row."""

    document: dict[str, Any]
    slug: str
    etag: str
    published_at: dt.datetime
    language: str | None
    canonical: bool


def live_document(key: str) -> LiveDocument:
    """The live document known as `key`: from memory, or one query by slug (more by id)."""
    live: LiveDocument | None = parsed_documents().get(key)
    if live is not None:
        return live
    row = selectors.publication_document(slug=key, fields=LIVE_DOCUMENT_FIELDS)
    canonical = row is not None
    if row is None:
        located = locate_live(key)
        row = selectors.publication_document(slug=located.slug, fields=LIVE_DOCUMENT_FIELDS)
        if row is None:  # withdrawn between the two reads
            raise NotFound(f"No published treatment is known as '{key}'.")
        canonical = located.canonical
    live = LiveDocument(
        document=json.loads(row["document_json"]),
        slug=row["slug"],
        etag=row["etag"],
        published_at=row["published_at"],
        language=row["language"],
        canonical=canonical,
    )
    parsed_documents().put(key, live)
    return live
