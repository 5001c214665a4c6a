"""List filters of the treatment admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from treatments.selectors import (
    WORKING_COPY_STATES,
    working_copy_list,
)


class ReviewStatusFilter(admin.SimpleListFilter):
    title = "review status"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("current", "Current"), ("missing", "Never reviewed")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "current":
            return queryset.filter(next_review_due__gte=today)
        if self.value() == "missing":
            return queryset.filter(last_reviewed_on__isnull=True)
        return queryset


class PublicationStateFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state, state.capitalize()) for state in WORKING_COPY_STATES]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in WORKING_COPY_STATES:
            return queryset.filter(pk__in=working_copy_list(state=self.value()).values("pk"))
        return queryset
