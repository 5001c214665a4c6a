"""The Django admin for editors: inline editing, publishing, history with diffs, audit trail."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from treatments import services
from treatments.choices import AuditAction
from treatments.documents.build import build_content, content_hash
from treatments.models import (
    AuditEntry,
    Category,
    Comparison,
    MechanismNote,
    RecoveryRule,
    Revision,
    Risk,
    SafetyItem,
    SlugAlias,
    Source,
    Step,
    TimelineEvent,
    Treatment,
)
from treatments.selectors import (
    WORKING_COPY_STATES,
    revision_diff,
    working_copy_has_unpublished_changes,
    working_copy_list,
    working_copy_live_revision,
    working_copy_state,
)

PUBLISH_PERMISSION = "treatments.publish_treatment"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}


class OrderedInline(admin.StackedInline):
    """Children edited in place; `order` sets their position."""

    extra = 0
    ordering = ["order"]


class StepInline(OrderedInline):
    model = Step
    fields = [
        ("order", "title"),
        "detail",
        ("quantity_min", "quantity_max", "quantity_unit", "quantity_approximate", "quantity_of"),
        ("duration_min", "duration_max", "duration_unit", "duration_wording"),
        ("performer", "guidance", "body_site"),
    ]


class RiskInline(OrderedInline):
    model = Risk
    fields = [
        ("order", "name"),
        "description",
        ("likelihood_band", "likelihood_basis", "likelihood_wording"),
        "seriousness",
        ("resolves_min", "resolves_max", "resolves_unit", "resolves_wording"),
    ]


class RecoveryRuleInline(OrderedInline):
    model = RecoveryRule
    fields = [
        ("order", "activity", "activity_label", "restriction"),
        ("start_offset", "end_offset", "unit", "at_least", "calendar_days"),
        ("condition", "condition_text"),
        "patient_text",
    ]


class TimelineEventInline(OrderedInline):
    model = TimelineEvent
    fields = [
        ("order", "kind", "label"),
        ("range_min", "range_max", "unit", "open_ended", "range_wording"),
        ("qualifier", "varies_between_people"),
        "patient_text",
    ]


class MechanismNoteInline(OrderedInline):
    model = MechanismNote
    fields = [("order", "subject"), "text"]


class ComparisonInline(OrderedInline):
    model = Comparison
    fields = [("order", "compared_with"), "difference", "onset_difference"]


class SafetyItemInline(admin.TabularInline):
    model = SafetyItem
    extra = 0
    ordering = ["order"]
    fields = ["order", "kind", "text"]


URL_FIELDS: dict[Any, dict[str, Any]] = {
    models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
}


class SourceInline(admin.TabularInline):
    model = Source
    formfield_overrides = URL_FIELDS
    extra = 0
    ordering = ["order"]
    fields = ["order", "title", "publisher", "url", "retrieved_on", "note"]


class TreatmentAdminForm(forms.ModelForm):
    """The treatment form, carrying the version it was loaded at to detect stale saves."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    licence_url = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Treatment
        exclude: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance._state.adding:
            current = Treatment.objects.filter(pk=self.instance.pk).values_list(
                "version", flat=True
            )
            expected = cleaned.get("expected_version")
            now = current.first()
            if expected != now:
                raise forms.ValidationError(
                    f"Someone saved this treatment after you opened it (you edited version "
                    f"{expected}, it is now version {now}). Your changes were not saved: "
                    "open the treatment again, re-apply them and save.",
                    code="stale",
                )
        return cleaned


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


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    form = TreatmentAdminForm
    formfield_overrides = URL_FIELDS
    change_form_template = "admin/treatments/treatment/change_form.html"
    list_display = [
        "title",
        "category",
        "classification",
        "publication_state",
        "has_unpublished_changes",
        "review_state",
        "version",
    ]
    list_filter = [
        PublicationStateFilter,
        ReviewStatusFilter,
        "category",
        "classification",
        "tissue_source",
    ]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["category", "publication"]
    readonly_fields = ["id", "version", "created_at", "updated_at", "deleted_at"]
    actions = ["publish_selected", "unpublish_selected"]
    inlines = [
        StepInline,
        RiskInline,
        RecoveryRuleInline,
        TimelineEventInline,
        MechanismNoteInline,
        ComparisonInline,
        SafetyItemInline,
        SourceInline,
    ]
    fieldsets = [
        (None, {"fields": ["id", "title", "slug", "category", "summary", "overview"]}),
        (
            "Classification",
            {
                "fields": [
                    "classification",
                    "tissue_source",
                    "possible_tissue_sources",
                    "tissue_source_note",
                ]
            },
        ),
        (
            "Procedure",
            {"fields": ["performer", "imaging_guidance", "anaesthesia_note", "steps_intro"]},
        ),
        ("Risks", {"fields": ["risk_level_wording", "risk_statement"]}),
        (
            "Course",
            {
                "fields": [
                    ("course_sessions_min", "course_sessions_max"),
                    ("course_interval_min", "course_interval_max", "course_interval_unit"),
                    "course_evidence_qualifier",
                    "course_text",
                ]
            },
        ),
        ("Call to action", {"fields": ["call_to_action_text", "call_to_action_label"]}),
        (
            "Clinical review",
            {"fields": ["reviewer_name", "last_reviewed_on", "next_review_due", "review_note"]},
        ),
        ("Attribution", {"fields": ["attribution", "licence", "licence_url"]}),
        (
            "Record",
            {"fields": ["expected_version", "version", "created_at", "updated_at", "deleted_at"]},
        ),
    ]

    @admin.display(description="state")
    def publication_state(self, obj: Treatment) -> str:
        state = working_copy_state(obj)
        live = working_copy_live_revision(obj)
        return f"{state} r{live}" if live else state

    @admin.display(description="unpublished changes", boolean=True)
    def has_unpublished_changes(self, obj: Treatment) -> bool:
        return working_copy_has_unpublished_changes(obj)

    @admin.display(description="review")
    def review_state(self, obj: Treatment) -> str:
        if not obj.last_reviewed_on:
            return "never reviewed"
        if obj.next_review_due and obj.next_review_due < timezone.localdate():
            return format_html(
                '<strong style="color:#ba2121">overdue since {}</strong>', obj.next_review_due
            )
        return f"due {obj.next_review_due}" if obj.next_review_due else "reviewed"

    # --- saving: every save is a compare-and-set with its audit record -----------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ConflictError as exc:
            # The admin's own transaction was rolled back: nothing of this save was written.
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Treatment, form: Any, change: bool) -> None:
        if change:
            obj._hash_before = content_hash(  # type: ignore[attr-defined]
                build_content(
                    services.treatment_get_for_edit(treatment_id=obj.pk, include_deleted=True)
                )
            )
            obj.version = services.treatment_compare_and_bump(
                treatment_id=obj.pk,
                expected_version=form.cleaned_data.get("expected_version"),
                include_deleted=True,
            )
        else:
            obj.created_by = request.user  # type: ignore[assignment]
        obj.save()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        after = content_hash(
            build_content(
                services.treatment_get_for_edit(treatment_id=obj.pk, include_deleted=True)
            )
        )
        services.audit_record(
            treatment=obj,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            actor=request.user,
            version_before=obj.version - 1 if change else None,
            version_after=obj.version,
            hash_before=getattr(obj, "_hash_before", ""),
            hash_after=after,
            message="Edited in the admin.",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting is soft and goes through the service (see the "delete" button); a hard
        # delete would destroy history.
        return False

    # --- publishing actions ---------------------------------------------------------------

    def _require_publisher(self, request: HttpRequest) -> None:
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied("Publishing needs the 'Can publish' permission.")

    @admin.action(description="Publish selected treatments", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: Any) -> None:
        for treatment in queryset:
            self._run(
                request,
                services.treatment_publish,
                treatment,
                None,
                change_note="Published from the admin list.",
            )

    @admin.action(description="Unpublish selected treatments", permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: Any) -> None:
        for treatment in queryset:
            self._run(
                request,
                services.treatment_unpublish,
                treatment,
                None,
                message="Unpublished from the admin list.",
            )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PUBLISH_PERMISSION)

    def _run(
        self,
        request: HttpRequest,
        service: Any,
        treatment: Treatment,
        expected_version: int | None,
        **kwargs: Any,
    ) -> bool:
        try:
            with transaction.atomic():
                result = service(
                    treatment_id=treatment.pk,
                    expected_version=expected_version,
                    actor=request.user,
                    **kwargs,
                )
        except services.ServiceError as exc:
            self.message_user(request, f"{treatment}: {exc.detail}", messages.ERROR)
            return False
        detail = getattr(result, "detail", "done")
        self.message_user(request, f"{treatment}: {detail}", messages.SUCCESS)
        return True

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<uuid:object_id>/publish/", wrap(self.publish_view), name="treatment_publish"),
            path(
                "<uuid:object_id>/unpublish/", wrap(self.unpublish_view), name="treatment_unpublish"
            ),
            path(
                "<uuid:object_id>/delete-soft/",
                wrap(self.soft_delete_view),
                name="treatment_soft_delete",
            ),
            path("<uuid:object_id>/restore/", wrap(self.restore_view), name="treatment_restore"),
            path(
                "<uuid:object_id>/revisions/", wrap(self.revisions_view), name="treatment_revisions"
            ),
            path(
                "<uuid:object_id>/revisions/<int:number>/revert/",
                wrap(self.revert_view),
                name="treatment_revert",
            ),
            *super().get_urls(),
        ]

    def _post_action(
        self,
        request: HttpRequest,
        object_id: Any,
        service: Any,
        publisher: bool = True,
        **kwargs: Any,
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Use the buttons on the treatment page (POST).", status=405)
        if publisher:
            self._require_publisher(request)
        elif not request.user.has_perm("treatments.change_treatment"):
            raise PermissionDenied
        treatment = get_object_or_404(Treatment, pk=object_id)
        raw = request.POST.get("expected_version", "")
        expected = int(raw) if raw.isdigit() else None
        if expected is None:
            self.message_user(request, "The page was stale; reload and try again.", messages.ERROR)
        else:
            self._run(request, service, treatment, expected, **kwargs)
        return HttpResponseRedirect(reverse("admin:treatments_treatment_change", args=[object_id]))

    def publish_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        note = request.POST.get("change_note", "")[:500]
        return self._post_action(request, object_id, services.treatment_publish, change_note=note)

    def unpublish_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._post_action(request, object_id, services.treatment_unpublish)

    def soft_delete_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._post_action(request, object_id, services.treatment_delete, publisher=False)

    def restore_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._post_action(request, object_id, services.treatment_restore, publisher=False)

    def revert_view(self, request: HttpRequest, object_id: Any, number: int) -> HttpResponse:
        return self._post_action(
            request, object_id, services.treatment_revert, revision_number=number
        )

    def revisions_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        treatment = get_object_or_404(Treatment, pk=object_id)
        if not self.has_view_or_change_permission(request, treatment):
            raise PermissionDenied
        revisions = list(treatment.revisions.order_by("-number"))
        rows = []
        for newer, older in zip(revisions, [*revisions[1:], None], strict=True):
            patch = revision_diff(old=older, new=newer) if older else []
            rows.append({"revision": newer, "patch": [json.dumps(op) for op in patch]})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": treatment,
            "title": f"Revisions of {treatment}",
            "rows": rows,
            "audit": treatment.audit_entries.all()[:200],
            "can_publish": request.user.has_perm(PUBLISH_PERMISSION),
        }
        return TemplateResponse(request, "admin/treatments/treatment/revisions.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
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
class SlugAliasAdmin(admin.ModelAdmin):
    list_display = ["slug", "treatment", "created_at"]
    search_fields = ["slug"]
