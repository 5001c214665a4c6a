"""Request and response bodies of the clinical review in the editor API (pydantic)."""

import datetime as dt
import uuid
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from treatments.documents.text import checked_text

from .schemas import State

ReviewStateName = Literal["draft", "in_review", "changes_requested", "approved"]
RoundStateName = Literal["in_review", "changes_requested", "approved", "closed"]
# Named enums in the OpenAPI (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]): `state` is a field
# of several components, so each vocabulary needs its own name for client generators.
REVIEW_STATES = list(get_args(ReviewStateName))
ROUND_STATES = list(get_args(RoundStateName))
WORKING_COPY_STATES = list(get_args(State))  # keeps its name from before: StateEnum
Note = Annotated[str, Field(max_length=2000), AfterValidator(checked_text)]
CommentText = Annotated[str, Field(min_length=1, max_length=10_000), AfterValidator(checked_text)]
Pointer = Annotated[
    str,
    Field(
        max_length=300,
        description="A JSON Pointer (RFC 6901) into the working copy's content, e.g. "
        "`/risks/items/2`; empty for the whole document.",
    ),
]
Username = Annotated[str, Field(min_length=1, max_length=150)]


class AskForReview(BaseModel):
    """Ask for a clinical review; name reviewers, or leave it to every clinical reviewer."""

    model_config = ConfigDict(strict=True, extra="forbid")

    reviewers: list[Username] = Field(
        default_factory=list,
        max_length=20,
        description="Usernames of clinical reviewers to ask (all of them when empty).",
    )
    message: Note = ""


class Approve(BaseModel):
    """Approve the working copy at the version If-Match names."""

    model_config = ConfigDict(strict=True, extra="forbid")

    message: Note = ""


class RequestChanges(BaseModel):
    """Send the working copy back with a comment on what to change (and where)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    comment: CommentText
    pointer: Pointer = ""


class NewComment(BaseModel):
    """A comment on the working copy, optionally pointing at a part of it."""

    model_config = ConfigDict(strict=True, extra="forbid")

    body: CommentText
    pointer: Pointer = ""


class ReviewComment(BaseModel):
    """A comment in a treatment's review."""

    id: int
    author: str
    body: str
    pointer: str
    version: int = Field(description="The working-copy version it was written on.")
    round: int | None
    created_at: dt.datetime
    resolved: bool


class ReviewCommentList(BaseModel):
    """A treatment's review comments, oldest first."""

    results: list[ReviewComment]


class ReviewApproval(BaseModel):
    """The latest approval, and whether it still holds for the working copy."""

    reviewer: str = Field(description="The reviewer's username.")
    published_as: str = Field(description="How the review block will name them.")
    version: int = Field(description="The working-copy version approved.")
    created_at: dt.datetime
    message: str
    valid: bool = Field(description="False once an edit came after it (void).")
    reason: str = Field(description="Why it is void; empty when valid.")


class ReviewRound(BaseModel):
    """One request for review and how it ended."""

    id: int
    state: RoundStateName
    requested_by: str
    requested_at: dt.datetime
    version: int = Field(description="The working-copy version the review was requested at.")
    reviewers: list[str] = Field(description="Named reviewers; empty means all of them.")
    message: str
    closed_at: dt.datetime | None
    closed_reason: str


class ReviewLinks(BaseModel):
    """Where the review and the working copy live."""

    self: str
    comments: str
    working_copy: str


class ReviewStatus(BaseModel):
    """Where a treatment's clinical review stands."""

    treatment_id: uuid.UUID
    version: int = Field(description="The working copy's version (its ETag carries it).")
    state: ReviewStateName
    approval_required: bool = Field(
        description="Publishing now needs a valid approval (a person changed the content "
        "since the last published revision)."
    )
    four_eyes: bool = Field(description="False only on a developer's machine.")
    authors: list[str] = Field(description="Who changed the content since the last publish.")
    approval: ReviewApproval | None
    rounds: list[ReviewRound] = Field(description="Newest first.")
    links: ReviewLinks
