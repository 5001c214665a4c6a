"""The admin of preview links, and the URLs of the readable-diff and preview-link pages.

Links are created on a treatment's preview-links page (the URL is shown once) and listed here
for every treatment; they are never edited. Who may see and revoke them follows the one
permission policy (`treatments.permissions`), like the treatment admin.
"""

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html

from treatments.errors import ServiceError
from treatments.permissions import Action, can

from . import admin_views
from .models import PreviewLink
from .services import preview_link_revoke


@admin.register(PreviewLink)
class PreviewLinkAdmin(admin.ModelAdmin):
    """Every preview link, newest first; revoke links in bulk."""

    list_display = [
        "treatment_link",
        "note",
        "state",
        "created_by_label",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    # The treatment column links to the treatment's preview-links page; were it also the row's
    # link to this change page (Django links the first column), the two anchors would nest and
    # the browser would leave an empty link behind (axe link-name).
    list_display_links = ["created_at"]
    list_filter = ["treatment"]
    search_fields = ["note", "created_by_label", "treatment__title"]
    list_select_related = ["treatment"]
    actions = ["revoke"]
    readonly_fields = [
        "id",
        "treatment",
        "note",
        "created_by_label",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_by_label",
    ]
    exclude = ["secret_hash", "created_by"]

    @admin.display(description="Treatment", ordering="treatment__title")
    def treatment_link(self, obj: PreviewLink) -> str:
        url = reverse("admin:previews_links", args=[obj.treatment_id])
        return format_html('<a href="{}">{}</a>', url, obj.treatment.title)

    @admin.action(description="Revoke the selected preview links", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[PreviewLink]) -> None:
        done = 0
        for link in queryset.filter(revoked_at__isnull=True):
            try:
                preview_link_revoke(
                    treatment_id=link.treatment_id,
                    link_id=link.pk,
                    actor=request.user,
                    request_id=getattr(request, "request_id", ""),
                )
            except ServiceError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
                return
            done += 1
        self.message_user(request, f"{done} preview link(s) revoked.", messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.EDIT)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created on a treatment's preview-links page, where the URL is shown

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: the audit trail names them

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        site = self.admin_site
        return [
            path(
                "compare/<uuid:object_id>/",
                wrap(partial(admin_views.compare_view, site)),
                name="previews_compare",
            ),
            path(
                "treatment/<uuid:object_id>/",
                wrap(partial(admin_views.links_view, site)),
                name="previews_links",
            ),
            *super().get_urls(),
        ]
