"""Translations in the admin: the list (outdated ones first), and the pages to add and edit one.

The list is read-only: a translation's text is a working copy, edited side by side with its
source (`views_admin`), reviewed on the ordinary review page and published like any treatment.
"""

from typing import Any

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from treatments.permissions import Action, can
from treatments.selectors import working_copy_live_revision

from . import views_admin
from .admin_sections import source_changes
from .models import Translation
from .selectors import source_revision_document


class OutdatedFilter(admin.SimpleListFilter):
    """Translations whose source published another revision than the one they translate."""

    title = "up to date with the source"
    parameter_name = "outdated"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Outdated"), ("no", "Up to date")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Translation]) -> Any:
        if self.value() == "yes":
            return queryset.filter(outdated_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(outdated_since__isnull=True)
        return queryset


@admin.register(Translation)
class TranslationAdmin(admin.ModelAdmin):
    """Every translation, outdated ones first; each links to its side-by-side editor."""

    list_display = [
        "translation_title",
        "language",
        "source_title",
        "translates",
        "source_now",
        "outdated_since",
        "changed_sections",
        "edit_link",
    ]
    list_display_links = None
    list_filter = [OutdatedFilter, "language"]
    search_fields = ["source__title", "source__slug", "treatment__title", "language"]
    list_select_related = ["source__publication", "treatment"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Translation]:
        # Outdated first (longest outdated at the top), then by source and language.
        return (
            super()
            .get_queryset(request)
            .order_by(F("outdated_since").asc(nulls_last=True), "source__title", "language")
        )

    # --- columns -------------------------------------------------------------------------------

    @admin.display(description="translation")
    def translation_title(self, obj: Translation) -> str:
        return obj.treatment.title

    @admin.display(description="source treatment")
    def source_title(self, obj: Translation) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:treatments_treatment_change", args=[obj.source_id]),
            obj.source.title,
        )

    @admin.display(description="translates source revision")
    def translates(self, obj: Translation) -> str:
        return str(obj.source_revision) if obj.source_revision else "none (source unpublished)"

    @admin.display(description="source's live revision")
    def source_now(self, obj: Translation) -> str:
        live = working_copy_live_revision(obj.source)
        return str(live) if live else "not live"

    @admin.display(description="sections changed in the source since")
    def changed_sections(self, obj: Translation) -> str:
        live = working_copy_live_revision(obj.source)
        if live is None or obj.source_revision == live:
            return "–"
        new = source_revision_document(source_id=obj.source_id, number=live)
        if new is None:
            return "–"
        old = source_revision_document(source_id=obj.source_id, number=obj.source_revision)
        changed = source_changes(old, new)
        return ", ".join(section.title for section in changed.values()) or "none"

    @admin.display(description="side by side")
    def edit_link(self, obj: Translation) -> str:
        return format_html(
            '<a href="{}">Open {} side by side</a>',
            views_admin.side_by_side_url(obj.treatment_id),
            obj.language,
        )

    # --- permissions: the one policy ------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and can(request.user, Action.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_staff and can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added from the source treatment's page (a translation needs a source)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the text is edited side by side; the link row itself never is

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- the pages -------------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "add-to/<uuid:source_id>/",
                wrap(self.add_translation_view),
                name="translation_add",
            ),
            path(
                "<uuid:treatment_id>/side-by-side/",
                wrap(self.side_by_side_view),
                name="translation_side_by_side",
            ),
            *super().get_urls(),
        ]

    def add_translation_view(self, request: HttpRequest, source_id: Any) -> HttpResponse:
        return views_admin.add_view(self, request, source_id)

    def side_by_side_view(self, request: HttpRequest, treatment_id: Any) -> HttpResponse:
        return views_admin.side_by_side_view(self, request, treatment_id)
