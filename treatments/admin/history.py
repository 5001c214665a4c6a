"""The read-only history: revisions, audit entries, former slugs."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from treatments.models import (
    AuditEntry,
    Revision,
    SlugAlias,
)

from .styles import StyledAdmin


class ReadOnlyAdmin(StyledAdmin):
    """History is shown, never added to, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["treatment", "number", "created_at", "created_by", "change_note"]
    list_filter = ["treatment"]
    readonly_fields = [f.name for f in Revision._meta.fields]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "treatment",
        "action",
        "actor_label",
        "version_before",
        "version_after",
        "revision_number",
        "message",
    ]
    list_filter = ["action", "treatment"]
    search_fields = ["actor_label", "message", "request_id"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(SlugAlias)
class SlugAliasAdmin(ReadOnlyAdmin):
    """Former slugs are kept by the services when a slug changes; never edited by hand."""

    list_display = ["slug", "treatment", "created_at"]
    search_fields = ["slug"]
    readonly_fields = ["slug", "treatment", "created_at"]
