"""Request and response bodies of scheduled actions and releases (pydantic, self-documenting)."""

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from treatments.documents.text import checked_text

from .schemas import ChangeNote

Kind = Literal["publish", "withdraw"]


def _iso_text(value: Any) -> Any:
    # A number or a bare date would parse too (as a Unix time, or midnight): ask for the form
    # people read, so a typo is an error instead of a surprise.
    if not isinstance(value, str) or "T" not in value:
        raise ValueError(
            "Give an ISO 8601 date and time with its UTC offset, e.g. 2030-05-01T09:00:00+02:00 "
            "or 2030-05-01T07:00:00Z."
        )
    return value


When = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    Field(
        description="When to act: an ISO 8601 date-time with a UTC offset, in the future.",
        examples=["2030-05-01T09:00:00+02:00"],
    ),
]


class ScheduleRequest(BaseModel):
    """Publish the working copy (at the If-Match version) or withdraw the treatment, at a time."""

    model_config = ConfigDict(extra="forbid")

    action: Kind = Field(description="`publish` the working copy, or `withdraw` it (expiry).")
    at: When
    note: ChangeNote = ""


class ReleaseScheduleRequest(BaseModel):
    """When a release should go live."""

    model_config = ConfigDict(extra="forbid")

    at: When


class ReleaseCreateRequest(BaseModel):
    """A new, empty release."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(checked_text)]


class ReleaseMemberRequest(BaseModel):
    """Add a treatment to a draft release, or re-bind it to its current working copy."""

    model_config = ConfigDict(extra="forbid")

    treatment: uuid.UUID = Field(description="The treatment's id.")
    action: Kind = Field(description="`publish` its working copy, or `withdraw` it.")


class ScheduleLinks(BaseModel):
    """Where to go from a scheduled action."""

    self: str
    target: str = Field(description="The treatment's working copy, or the release.")


class ScheduledActionBody(BaseModel):
    """A publish or withdrawal at a time, and what became of it."""

    id: int
    treatment: uuid.UUID | None = Field(description="The treatment, for a treatment's action.")
    release: int | None = Field(description="The release, for a release's scheduled publish.")
    action: Kind
    at: dt.datetime
    state: Literal["pending", "done", "cancelled", "failed"]
    version: int | None = Field(
        description="The working-copy version a publish goes live at; an edit after scheduling "
        "cancels it."
    )
    note: str
    created_by: str | None
    created_at: dt.datetime
    ran_at: dt.datetime | None
    result: str = Field(description="What the run did (done).")
    cancel_reason: str = Field(description="Why it did not run (cancelled or failed).")
    links: ScheduleLinks


class ScheduledActionList(BaseModel):
    """Scheduled actions, earliest first."""

    results: list[ScheduledActionBody]


class MemberTreatment(BaseModel):
    """The treatment a release member changes."""

    id: uuid.UUID
    slug: str
    title: str


class ReleaseMemberBody(BaseModel):
    """One change in a release."""

    treatment: MemberTreatment
    action: Kind
    version: int = Field(description="The working-copy version the release publishes.")
    current_version: int
    stale: bool = Field(
        description="The working copy changed since the member was added: add it again, or the "
        "release is refused (or cancelled, if scheduled)."
    )
    added_at: dt.datetime


class ReleaseLinks(BaseModel):
    """Where to go from a release."""

    self: str
    members: str
    publish: str
    schedule: str


class ReleaseBody(BaseModel):
    """A named set of changes that goes live together, or not at all."""

    id: int
    name: str
    state: Literal["draft", "scheduled", "published", "cancelled", "failed"]
    created_by: str | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    first_sequence: int | None = Field(description="Its first change-log entry, once published.")
    last_sequence: int | None = Field(description="Its last change-log entry (consecutive).")
    message: str = Field(description="Why it was cancelled or failed, or what it did.")
    schedule: ScheduledActionBody | None = Field(description="Its pending or last schedule.")
    members: list[ReleaseMemberBody]
    links: ReleaseLinks


class ReleaseSummary(BaseModel):
    """A release in a list."""

    id: int
    name: str
    state: Literal["draft", "scheduled", "published", "cancelled", "failed"]
    created_at: dt.datetime
    published_at: dt.datetime | None
    scheduled_for: dt.datetime | None
    member_count: int
    links: ReleaseLinks


class ReleaseList(BaseModel):
    """Releases, newest first."""

    results: list[ReleaseSummary]
