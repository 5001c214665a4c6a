"""The one function that turns a working copy into the canonical document, and its hashes."""

import datetime as dt
import hashlib
import json
from typing import Any

from django.db.models import QuerySet

from treatments.models import Treatment

from .rows import CHILD_RELATIONS, content_from_rows
from .schema import SCHEMA_VERSION, FrozenDocument, TreatmentContent

# The metadata a frozen document carries before its content.
METADATA_KEYS = ("schema_version", "id", "revision", "published_at")


def treatments_for_documents() -> QuerySet[Treatment]:
    """Working copies with everything a document needs, in a fixed number of queries."""
    return Treatment.objects.select_related("category").prefetch_related(*CHILD_RELATIONS)


def build_content(treatment: Treatment) -> dict[str, Any]:
    """The validated content of a working copy, as JSON-ready data."""
    raw = content_from_rows(
        treatment,
        category=treatment.category,
        children={name: getattr(treatment, name).all() for name in CHILD_RELATIONS},
    )
    return TreatmentContent.model_validate(raw).model_dump(mode="json")


def build_document(
    *, treatment_id: Any, content: dict[str, Any], revision: int, published_at: dt.datetime
) -> dict[str, Any]:
    """The canonical frozen document: metadata first, then the content; no URLs."""
    raw = {
        "schema_version": SCHEMA_VERSION,
        "id": str(treatment_id),
        "revision": revision,
        "published_at": published_at,
        **content,
    }
    document = FrozenDocument.model_validate(raw).model_dump(mode="json")
    # Keep the metadata-first order of `raw` for human readers; pydantic orders by class.
    return {key: document[key] for key in raw}


def content_of(document: dict[str, Any]) -> dict[str, Any]:
    """The content of a frozen (or served) document: without metadata and links."""
    return {k: v for k, v in document.items() if k not in {*METADATA_KEYS, "links"}}


# One encoder for every call: `json.dumps` with options builds a new JSONEncoder each time, a
# measurable part of a list page that misses (about 30 calls per page, bench/PROFILE.md).
# `encode` keeps no state between calls, so the instance is safe to share between threads.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def to_json(data: Any) -> str:
    """Compact, strict JSON (never NaN or Infinity), UTF-8 characters kept, key order as given
    (what `json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)` gives)."""
    return _ENCODER.encode(data)


def content_hash(content: dict[str, Any]) -> str:
    """A SHA-256 of the content in a canonical form, independent of key order."""
    canonical = json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def etag_for(body: str | bytes) -> str:
    """A strong ETag for the exact bytes served."""
    raw = body.encode() if isinstance(body, str) else body
    return etag_of(hashlib.sha256(raw))


def etag_of(digest: "hashlib._Hash") -> str:
    """The strong ETag of bytes hashed with SHA-256 as they went by (a stream too big to hold)."""
    return '"' + digest.hexdigest()[:32] + '"'
