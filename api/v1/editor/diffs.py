"""The editor API's readable diff: section by section, between live, working and revisions.

`GET /api/v1/editor/treatments/{id}/diff/?from=live&to=working` (the defaults). `from` and `to`
each take `live`, `working` or a revision number. The answer carries the readable sections (for
people) and the RFC 6902 JSON Patch of the content (for machines).
"""

import builtins
import uuid
from typing import Any, Literal

import jsonpatch
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from pydantic import BaseModel, ConfigDict, Field
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from treatments.documents.diff import content_part
from treatments.selectors.diffs import LIVE, WORKING, diff_ref_parse, treatment_diff

from .views import ID, EditorView, editor_operation

REFERENCE = {
    "type": "string",
    "pattern": r"^(live|working|[1-9][0-9]{0,9})$",
    "maxLength": 10,
}


class DiffSideInfo(BaseModel):
    """One side of a diff."""

    ref: str = Field(description="`live`, `working` or the revision number.")
    revision: int | None = Field(description="The revision number (live and numbered sides).")
    version: int | None = Field(description="The working copy's version (the working side).")
    label: str = Field(description='For people, e.g. "Live (revision 3)".')


class DiffFieldChange(BaseModel):
    """A field whose value changed, both values as readable text (null: nothing)."""

    path: str = Field(description="A JSON Pointer into the newer side (older, if removed).")
    label: str
    old: str | None
    new: str | None


class DiffItemChange(BaseModel):
    """An item of an ordered list (a step, a risk, a rule ...) added, removed, changed or moved."""

    change: Literal["added", "removed", "changed", "moved"]
    list: str = Field(description='Which list, e.g. "Procedure › Steps".')
    kind: str = Field(description='What the item is, e.g. "step".')
    label: str = Field(description="The item's name (a step's title, a risk's name ...).")
    old_position: int | None = Field(description="1-based; null for an added item.")
    new_position: int | None = Field(description="1-based; null for a removed item.")
    path: str = Field(description="A JSON Pointer to the item (newer side; older if removed).")
    moved: bool = Field(description="Its place among the other items changed.")
    fields: builtins.list[DiffFieldChange]  # `list` is a field name here


class DiffSectionCounts(BaseModel):
    """How many items and fields of a section changed."""

    added: int
    removed: int
    changed: int
    moved: int
    fields: int


class SectionDiff(BaseModel):
    """One section (summary, steps, risks, recovery rules, timeline, safety, course, review ...)."""

    key: str
    title: str
    changed: bool
    counts: DiffSectionCounts
    fields: list[DiffFieldChange] = Field(description="Changed fields of the section itself.")
    items: list[DiffItemChange] = Field(description="Changed items of its lists.")


class ReadableDiff(BaseModel):
    """What changed between two versions of a treatment: for people and for machines."""

    model_config = ConfigDict(populate_by_name=True)

    from_: DiffSideInfo = Field(alias="from")
    to: DiffSideInfo
    changed: bool = Field(description="False when the content is the same.")
    sections: list[SectionDiff] = Field(
        description="Every section in reading order, unchanged ones included (`changed: false`). "
        "Publication metadata (revision, published_at, schema_version) is never a change."
    )
    patch: list[dict[str, Any]] = Field(
        description="The RFC 6902 JSON Patch that turns the content of `from` into `to`."
    )


DIFF_EXAMPLE = OpenApiExample(
    "diff",
    summary="The working copy against the live revision",
    value={
        "from": {"ref": "live", "revision": 1, "version": None, "label": "Live (revision 1)"},
        "to": {
            "ref": "working",
            "revision": None,
            "version": 3,
            "label": "Working copy (version 3)",
        },
        "changed": True,
        "sections": [
            {
                "key": "summary",
                "title": "Summary",
                "changed": True,
                "counts": {"added": 0, "removed": 0, "changed": 0, "moved": 0, "fields": 1},
                "fields": [
                    {
                        "path": "/summary",
                        "label": "Summary",
                        "old": "The summary as published.",
                        "new": "The summary as edited.",
                    }
                ],
                "items": [],
            },
            {
                "key": "steps",
                "title": "Procedure and steps",
                "changed": True,
                "counts": {"added": 0, "removed": 0, "changed": 1, "moved": 0, "fields": 0},
                "fields": [],
                "items": [
                    {
                        "change": "changed",
                        "list": "Procedure › Steps",
                        "kind": "step",
                        "label": "The step's title",
                        "old_position": 2,
                        "new_position": 2,
                        "path": "/procedure/steps/1",
                        "moved": False,
                        "fields": [
                            {
                                "path": "/procedure/steps/1/detail",
                                "label": "Detail",
                                "old": "The detail as published.",
                                "new": "The detail as edited.",
                            }
                        ],
                    }
                ],
            },
        ],
        "patch": [
            {"op": "replace", "path": "/summary", "value": "The summary as edited."},
            {
                "op": "replace",
                "path": "/procedure/steps/1/detail",
                "value": "The detail as edited.",
            },
        ],
    },
    response_only=True,
)


def _reference(request: Request, name: str, default: str) -> str | int:
    raw = request.query_params.get(name, default)
    try:
        return diff_ref_parse(raw)
    except ValueError as exc:
        raise ValidationError({name: [str(exc)]}) from None


class TreatmentDiffView(EditorView):
    """A readable diff of a treatment between two versions (live, working, revision N)."""

    allowed_query_parameters = frozenset({"from", "to"})

    @editor_operation(
        operation_id="editor_treatments_diff",
        description="What changed, section by section (summary, steps, risks, recovery rules, "
        "timeline, course, safety, review, sources ...), with field-level old and new values as "
        "readable text, and the JSON Patch of the content. `from` and `to` each take `live`, "
        "`working` or a revision number; by default the live revision against the working "
        "copy. Unknown revision: 404; `live` when nothing is live: 409.",
        ok=ReadableDiff,
        errors=(400, 401, 403, 404, 409, 429),
        parameters=[
            ID,
            OpenApiParameter(
                "from", REFERENCE, default=LIVE, description="`live`, `working` or a revision."
            ),
            OpenApiParameter(
                "to", REFERENCE, default=WORKING, description="`live`, `working` or a revision."
            ),
        ],
    )
    @extend_schema(examples=[DIFF_EXAMPLE])
    def get(self, request: Request, treatment_id: uuid.UUID) -> Response:
        old = _reference(request, "from", LIVE)
        new = _reference(request, "to", WORKING)
        treatment = self.get_treatment(treatment_id)
        diff = treatment_diff(treatment=treatment, old=old, new=new)
        body = diff.as_dict()
        before, after = content_part(diff.old.document), content_part(diff.new.document)
        body["patch"] = list(jsonpatch.make_patch(before, after))
        return Response(body)
