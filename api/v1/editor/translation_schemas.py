"""Request and response bodies of translations in the editor API (pydantic)."""

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from treatments.documents.schema import TreatmentContent

from .schemas import State


class NewTranslation(BaseModel):
    """A new translation: its language and its whole content, as for a new working copy."""

    model_config = ConfigDict(extra="forbid")

    language: str = Field(
        max_length=35,
        description="A BCP 47 tag other than the source's, e.g. `es` or `es-MX`.",
    )
    content: TreatmentContent = Field(
        description="The translated content; its `language` may be left out (it is filled in) "
        "and, when given, must agree with `language`. Its `slug` is the translation's own."
    )


class TranslationLinks(BaseModel):
    """Where the translation's working copy, its review and its source live."""

    working_copy: str
    review: str
    source: str


class Translation(BaseModel):
    """A translation of a treatment: its own working copy, tied to a source revision."""

    id: uuid.UUID = Field(description="The translation's own working copy id.")
    language: str
    source_id: uuid.UUID
    source_revision: int | None = Field(
        description="The source's revision this text translates (null: the source was not "
        "published when the translation was made)."
    )
    published_source_revision: int | None = Field(
        description="The source revision the translation's live revision translates."
    )
    outdated: bool = Field(
        description="The source published a different revision since: the text needs review."
    )
    outdated_since: dt.datetime | None
    source_live_revision: int | None = Field(
        description="The source revision the public sees now, if any."
    )
    version: int = Field(description="The translation's working-copy version (its ETag).")
    state: State
    live_revision: int | None = Field(description="The translation's own live revision.")
    created_at: dt.datetime
    links: TranslationLinks


class TranslationList(BaseModel):
    """Every translation of a treatment, by language."""

    results: list[Translation]


class UpToDate(BaseModel):
    """The source revision the translation's working copy now translates (the live one)."""

    model_config = ConfigDict(extra="forbid")

    source_revision: int = Field(ge=1)
