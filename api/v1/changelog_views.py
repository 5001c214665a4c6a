"""`GET /api/v1/changelog/`: the changelog and the active deprecations, as JSON."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample
from pydantic import BaseModel, Field
from rest_framework.request import Request

from api.deprecation import DEPRECATIONS, Deprecated
from api.openapi import read_operation

from .base import PublicView
from .changelog import CHANGES, Change


class ChangeEntry(BaseModel):
    """One change to API v1."""

    id: str = Field(description="Stable; the anchor of the entry in the docs' changelog too.")
    date: dt.date
    kind: Literal["added", "changed", "deprecated", "removed"]
    what: str = Field(description="What changed (Markdown).")
    migration: str | None = Field(description="What a client should do, if anything (Markdown).")
    link: str = Field(description="This entry: the changelog's path and the entry's anchor.")
    operations: list[str] = Field(
        description="The operation ids (openapi.yaml) it adds or concerns, where it names them."
    )


class DeprecationEntry(BaseModel):
    """Something deprecated: answers that concern it carry Deprecation, Sunset and Link."""

    target: Literal["operation", "parameter", "field"]
    operation: str = Field(description="The operation id in openapi.yaml.")
    method: str
    parameter: str | None = Field(description="For a parameter: its name.")
    fields: list[str] = Field(
        description="For fields: `Component.property` in openapi.yaml's components."
    )
    deprecated_at: dt.datetime = Field(description="The `Deprecation` header's date.")
    sunset: dt.datetime = Field(description="The `Sunset` header's date: it may go after it.")
    change: str = Field(description="The id of the changelog entry that says what to do.")
    link: str


class Changelog(BaseModel):
    """The changelog of API v1, newest first, and what is deprecated now."""

    changes: list[ChangeEntry]
    deprecations: list[DeprecationEntry]


def _utc(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def change_data(change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "date": change.date.isoformat(),
        "kind": change.kind,
        "what": change.what,
        "migration": change.migration or None,
        "link": change.link,
        "operations": list(change.operations),
    }


def deprecation_data(entry: Deprecated) -> dict[str, Any]:
    return {
        "target": entry.target,
        "operation": entry.operation_id,
        "method": entry.method,
        "parameter": entry.parameter or None,
        "fields": list(entry.fields),
        "deprecated_at": _utc(entry.deprecated_at),
        "sunset": _utc(entry.sunset),
        "change": entry.change,
        "link": entry.link,
    }


def changelog_data() -> dict[str, Any]:
    """The body of `GET /api/v1/changelog/` (the same for the life of a process)."""
    return {
        "changes": [change_data(c) for c in CHANGES],
        "deprecations": [deprecation_data(d) for d in DEPRECATIONS],
    }


def changelog_example() -> OpenApiExample:
    bundle = next(c for c in CHANGES if c.id == "2026-12-05-bundle-sync-token")
    deprecation = next(d for d in DEPRECATIONS if d.change == bundle.id)
    return OpenApiExample(
        "Changelog",
        value={"changes": [change_data(bundle)], "deprecations": [deprecation_data(deprecation)]},
    )


class ChangelogView(PublicView):
    """What changed in API v1 and what is deprecated, for clients to read and act on."""

    def query_parameter_names(self) -> set[str]:
        return set()

    @read_operation(
        operation_id="changelog",
        tag="changelog",
        description=(
            "Every change to API v1, newest first (added, changed, deprecated, removed), each "
            "with a migration hint where a client has something to do, and every deprecation "
            "in force with its `Deprecation` and `Sunset` dates. The `Link` header of a "
            "deprecated answer points at an entry here (`#` and its id). The same list is the "
            "changelog page of the documentation."
        ),
        ok=Changelog,
        ok_description="The changelog.",
        not_found=False,
        example=changelog_example(),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.constant(request, changelog_data)
