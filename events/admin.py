"""The outbox in the admin: events, handler runs (re-run a failed one) and live workers."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import HandlerRun, HandlerRunStatus, OutboxEvent, WorkerProcess
from .tasks import handler_run_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system: shown, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HandlerRunInline(admin.TabularInline):
    model = HandlerRun
    extra = 0
    can_delete = False
    fields = ("handler", "status", "attempts", "next_attempt_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "sequence", "slug", "revision", "created_at"]
    list_filter = ["type"]
    search_fields = ["slug", "=treatment_id"]
    inlines = [HandlerRunInline]


@admin.register(HandlerRun)
class HandlerRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "handler", "event", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "handler"]
    list_select_related = ["event"]
    actions = ["run_again"]

    @admin.action(description="Run the selected failed runs again")
    def run_again(self, request: HttpRequest, queryset: QuerySet[HandlerRun]) -> None:
        runs = list(queryset.exclude(status=HandlerRunStatus.SUCCEEDED))
        for run in runs:
            handler_run_retry(run_id=run.pk)
        self.message_user(request, f"{len(runs)} run(s) queued again.", messages.SUCCESS)


@admin.register(WorkerProcess)
class WorkerProcessAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at"]
