"""Response bodies of the sync feed and the bundle (pydantic: they document themselves)."""

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from treatments.documents.schema import TreatmentDocument


class Tombstone(BaseModel):
    """A treatment the client must remove: withdrawn, or no longer in the sync's scope."""

    id: uuid.UUID
    slug: str
    reason: Literal["unpublished", "deleted", "out_of_scope"]
    since: dt.datetime = Field(description="When it was withdrawn (or left the scope).")


class SyncPage(BaseModel):
    """One page of a sync: documents to store, treatments to remove, and where to go next."""

    upserts: list[TreatmentDocument] = Field(
        description="Full live documents; replace what you hold for the same `id`."
    )
    deletions: list[Tombstone]
    next_page_token: str | None = Field(
        description="More pages follow: call again with `?token=` this value."
    )
    next_sync_token: str | None = Field(
        description="The sync is complete: keep this and call later with `?token=` it to get "
        "only what changed since."
    )


class Bundle(BaseModel):
    """Every live document in scope, and the sync token that continues from them."""

    next_sync_token: str = Field(
        description="Call `/sync/?token=` this value to get what changed since the bundle was "
        "built (the name the sync feed gives it)."
    )
    sync_token: str = Field(
        description="Deprecated (sunset 2028-12-05): the same token as `next_sync_token`."
    )
    language: str | None
    category: str | None
    documents: list[TreatmentDocument]


class BundlePartEntry(BaseModel):
    """One part of the bundle: where to download it, and its validator and size."""

    category: str
    language: str | None = Field(description="The part's language; null: every language.")
    page: int = Field(
        description="Which page of the category's bundle this part is (1 to `pages`)."
    )
    pages: int = Field(
        description="How many pages the category's bundle is cut into: 1 when it is small, else "
        "a power of two that keeps a page at a few hundred documents (a page holds the "
        "treatments whose id falls in its share of the id range)."
    )
    url: str = Field(
        description="Where to GET the part: the bundle of this category, with `pages` and "
        "`page` when it is cut into more than one."
    )
    etag: str = Field(
        description="The part's ETag (its gzip variant is served as this tag with `-gzip`)."
    )
    documents: int = Field(description="How many documents the part holds.")
    size: int = Field(description="Bytes to download with `Accept-Encoding: gzip`.")
    raw_size: int = Field(description="Bytes of JSON once decompressed.")


class BundleManifest(BaseModel):
    """The parts of the offline bundle, and the sync token that continues from all of them."""

    language: str | None
    next_sync_token: str = Field(
        description="After installing every part, call `/sync/?token=` this value."
    )
    parts: list[BundlePartEntry]
