"""Locate a live treatment by any key it is known by, and its parsed document (remembered).

Every public read of one live treatment starts here: the detail view, its revisions, the
renditions (recovery plan, FHIR, JSON-LD), the embeddable card and oEmbed. A withdrawn treatment
is a 410 (`Gone`), one never published a 404.

A withdrawn key is remembered (`withdrawn_documents`, valid until the change log moves on), so
polling a withdrawn treatment costs no query once known; and its 410 is logged at most once per
key every `GONE_LOG_SECONDS` per worker (`quiet_gone`), not as a warning on every request.
"""

import datetime as dt
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from django.http import HttpResponseBase
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from api.prepared import prepared_reads
from editorial.translations.selectors import TRANSLATION_NOTE_FIELDS, translation_note
from treatments import selectors
from treatments.models import Publication

from .memories import parsed_documents, withdrawn_documents

logger = logging.getLogger(__name__)
# A withdrawn treatment's 410 is logged at most once per key this often, per worker.
GONE_LOG_SECONDS = 300
_gone_logged: TTLCache[str, bool] = TTLCache(maxsize=4096, ttl=GONE_LOG_SECONDS)
_gone_lock = threading.Lock()

# What a live document's answers need of its publication row.
LIVE_DOCUMENT_FIELDS = (
    "published_at",
    "document_json",
    "slug",
    "revision_number",
    "language",
    "etag",
    *TRANSLATION_NOTE_FIELDS,  # the treatment id, and what a translation translates
)


class Gone(APIException):
    """The resource existed and is gone for good (410); `extra` adds problem members."""

    status_code = status.HTTP_410_GONE
    default_code = "gone"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.extra = extra


def _gone(slug: str, since: dt.datetime) -> Gone:
    when = since.isoformat().replace("+00:00", "Z")
    return Gone(
        f"'{slug}' was withdrawn from publication on {when}; remove any copy you hold.",
        withdrawn_at=when,
    )


def raise_if_known_withdrawn(key: str) -> None:
    """410 for a key this worker already found withdrawn (no query); nothing otherwise."""
    known: tuple[str, dt.datetime] | None = withdrawn_documents().get(key)
    if known is not None:
        raise _gone(*known)


def locate_live(key: str) -> selectors.Located:
    """The live treatment known as `key`; 410 if it was withdrawn, 404 if never published."""
    raise_if_known_withdrawn(key)
    memory = withdrawn_documents()
    generation = memory.generation()  # before the queries: see WorkerMemory.generation
    located = selectors.publication_locate(key=key)
    if located is None:
        withdrawn = selectors.publication_withdrawn(key=key)
        if withdrawn is not None:
            treatment_id, slug, since = withdrawn
            memory.put(key, (slug, since), generation=generation, tag=treatment_id)
            raise _gone(slug, since)
        raise NotFound(f"No published treatment is known as '{key}'.")
    return located


def quiet_gone(response: HttpResponseBase, where: str) -> None:
    """Log a 410 at most once per `where` every GONE_LOG_SECONDS, instead of on every request.

    Django logs every 4xx as a warning (`django.request`); a fleet polling a withdrawn
    treatment would fill the log with the same line.
    """
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by django.utils.log
    with _gone_lock:
        if where in _gone_logged:
            return
        _gone_logged[where] = True
    logger.info("Gone (410): %s; logged once per %s s per worker.", where, GONE_LOG_SECONDS)


@dataclass(frozen=True)
class LiveDocument:
    """A live document, parsed once, and what the answer needs of its publication row."""

    document: dict[str, Any]
    slug: str
    etag: str
    published_at: dt.datetime
    language: str | None
    canonical: bool
    treatment_id: Any = None
    # What a translation translates (`source_language`, `source_revision`, `outdated`); None
    # for a source.
    translation: dict[str, Any] | None = None


def live_document(key: str) -> LiveDocument:
    """The live document known as `key`: from memory, or one query by slug (more by id)."""
    memory = parsed_documents()
    live: LiveDocument | None = memory.get(key)
    if live is not None:
        return live
    raise_if_known_withdrawn(key)
    generation = memory.generation()  # before the queries: see WorkerMemory.generation
    with prepared_reads(Publication):
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
        treatment_id=row["treatment_id"],
        translation=translation_note(row),
    )
    # A translation's note changes when its source publishes: any change drops it.
    tag = None if live.translation else row["treatment_id"]
    memory.put(key, live, generation=generation, tag=tag)
    return live
