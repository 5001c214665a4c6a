"""Request and response bodies of the editor API (pydantic: they document themselves)."""

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from api.pagination import PageLinks
from treatments.documents.schema import TreatmentContent
from treatments.documents.text import checked_text

State = Literal["draft", "live", "unpublished", "deleted"]


class EditorLinks(BaseModel):
    """Where to go from a working copy."""

    self: str
    preview: str
    audit: str
    public: str | None


class WorkingCopy(BaseModel):
    """A treatment's editable working copy: its content and where it stands."""

    id: uuid.UUID
    version: int = Field(description="Bumped on every write; the ETag carries it.")
    state: State
    live_revision: int | None = Field(description="The revision the public sees, if any.")
    has_unpublished_changes: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    content: TreatmentContent
    links: EditorLinks


def _optional(schema: dict[str, Any]) -> None:
    # Leaving a key out of a patch means "keep it", not "set it to null": no default to show
    # (openapi-typescript would also type a property with a default as always present).
    schema.pop("default", None)


# The PATCH body: any top-level key of the content, each merged as RFC 7396 says. A named
# component (not an inline object) so that client generators make one type for both media types;
# drf-spectacular names it as it names every PATCH body: PatchedTreatmentContentRequest.
TreatmentContentPatch = create_model(  # type: ignore[call-overload]
    "TreatmentContent",
    __doc__="A JSON Merge Patch (RFC 7396) of the content: objects merge, `null` removes a key, "
    "arrays and other values replace. The merged content is validated whole.",
    __config__=ConfigDict(extra="forbid"),
    **{
        name: (
            Any,
            Field(default=None, description=f"Merged into `{name}`.", json_schema_extra=_optional),
        )
        for name in TreatmentContent.model_fields
    },
)


class WorkingCopySummary(BaseModel):
    """A working copy in a list."""

    id: uuid.UUID
    slug: str
    title: str
    version: int
    state: State
    live_revision: int | None
    has_unpublished_changes: bool
    updated_at: dt.datetime
    links: EditorLinks


class WorkingCopyPage(BaseModel):
    """A page of working copies; follow `links.next`."""

    next: str | None = Field(description="Deprecated (sunset 2028-12-05): use `links.next`.")
    previous: str | None = Field(
        description="Deprecated (sunset 2028-12-05): use `links.previous`."
    )
    results: list[WorkingCopySummary]
    links: PageLinks


ChangeNote = Annotated[str, Field(max_length=500), AfterValidator(checked_text)]


class Action(BaseModel):
    """A body for actions that take only an optional note."""

    # Strict: `"1"`, `1.0` and `true` are not the revision 1, and a note must be a string.
    model_config = ConfigDict(strict=True, extra="forbid")

    change_note: ChangeNote = ""


class RevertRequest(Action):
    """Which revision's content to publish again, as a new revision."""

    revision: int = Field(ge=1, le=1_000_000)


class PublishOutcome(BaseModel):
    """What a publish or revert did."""

    created: bool = Field(description="False when the content equals the live revision.")
    revision: int
    detail: str
    working_copy: WorkingCopy


class ExportedContent(TreatmentContent):
    """A treatment's content as export gives it: the content-file format and the treatment's id."""

    id: uuid.UUID = Field(description="The treatment's identity; import keeps it.")


class ImportedContent(TreatmentContent):
    """A content document to import; with `id` (as export gives it) the treatment keeps it."""

    id: uuid.UUID | None = Field(
        default=None,
        description="The id of the treatment it was exported from: import matches by it (not by "
        "slug) and creates the treatment with it when this database does not have it.",
    )


class ImportOutcome(BaseModel):
    """What importing a document did, or would do in a dry run."""

    slug: str
    action: Literal["created", "updated", "unchanged"]
    dry_run: bool
    working_copy: WorkingCopy | None


class AuditRecord(BaseModel):
    """One editorial action on a treatment."""

    action: str
    actor: str
    at: dt.datetime
    version_before: int | None
    version_after: int | None
    revision: int | None
    hash_before: str
    hash_after: str
    message: str
    request_id: str


class AuditTrail(BaseModel):
    """A treatment's audit trail, newest first."""

    results: list[AuditRecord]
