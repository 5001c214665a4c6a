"""The treatment admin: inline editing, publishing buttons, revisions with diffs."""

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.formsets import all_valid
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from treatments import services
from treatments.models import (
    Treatment,
)
from treatments.permissions import Action, can, require
from treatments.selectors import (
    revision_diff,
    working_copy_has_unpublished_changes,
    working_copy_live_revision,
    working_copy_state,
)

from .filters import PublicationStateFilter, ReviewStatusFilter
from .forms import TreatmentAdminForm
from .inlines import (
    URL_FIELDS,
    ComparisonInline,
    EligibilityCriterionInline,
    MechanismNoteInline,
    MedicationInline,
    RecoveryRuleInline,
    RiskInline,
    SafetyItemInline,
    SourceInline,
    StepInline,
    TimelineEventInline,
)
from .panels import change_page_panel_contents, compare_page_url
from .saving import (
    EDIT_MESSAGE,
    admin_edit,
    edit_children,
    edit_content,
    show_contract_errors,
    stale_message,
)
from .styles import StyledAdmin


@admin.register(Treatment)
class TreatmentAdmin(StyledAdmin):
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
        MedicationInline,
        RiskInline,
        RecoveryRuleInline,
        TimelineEventInline,
        MechanismNoteInline,
        ComparisonInline,
        SafetyItemInline,
        EligibilityCriterionInline,
        SourceInline,
    ]
    fieldsets = [
        (None, {"fields": ["id", "title", "slug", "language", "category", "summary", "overview"]}),
        ("Clinical codes", {"fields": ["codes"]}),
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
            {
                "fields": [
                    "performer",
                    ("imaging_guidance", "imaging_guidance_optional"),
                    "anaesthesia_note",
                    "steps_intro",
                ]
            },
        ),
        ("Risks", {"fields": ["risk_level_wording", "risk_statement"]}),
        (
            "Course",
            {
                "fields": [
                    ("course_sessions_min", "course_sessions_max"),
                    (
                        "course_interval_min",
                        "course_interval_max",
                        "course_interval_unit",
                        "course_interval_approximate",
                    ),
                    (
                        "course_limit_max_sessions",
                        "course_limit_period",
                        "course_limit_period_unit",
                    ),
                    ("course_minimum_interval", "course_minimum_interval_unit"),
                    (
                        "course_repeat_min",
                        "course_repeat_max",
                        "course_repeat_unit",
                        "course_repeat_approximate",
                    ),
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
                '<strong class="treatment-overdue">overdue since {}</strong>', obj.next_review_due
            )
        return f"due {obj.next_review_due}" if obj.next_review_due else "reviewed"

    # --- permissions: the one policy ----------------------------------------------------------

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.CREATE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A deleted treatment is shown read-only with its Restore button: the services do not
        # edit deleted working copies.
        return can(request.user, Action.EDIT) and (obj is None or obj.deleted_at is None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting is soft and goes through the service (see the "delete" button); a hard
        # delete would destroy history.
        return False

    # --- saving: the same services as the editor API ------------------------------------------
    #
    # Why this hook: Django's change view builds the form, then the inline formsets, validates
    # the form, then the formsets, and saves only when all are valid; a refusal re-renders the
    # page with the errors only when it happens during validation. The services validate and
    # write the whole edit at once and can refuse it (contract, compare-and-set, slug or
    # category clash), so the edit is submitted at the end of the treatment form's validation
    # (its `_post_clean`), when the formsets exist and are validated first: `_create_formsets`
    # hands them over through the request. Refusals become form errors; success leaves nothing
    # for `save_model`/`save_related` to do. Django's own view, rendering, redirects, messages
    # and history stay as they are; copying its 120-line `_changeform_view` would not.

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"model_admin": self, "admin_request": request})

    def _create_formsets(self, request: HttpRequest, obj: Any, change: bool) -> Any:
        formsets, inline_instances = super()._create_formsets(request, obj, change)  # type: ignore[misc]
        admin_edit(request).formsets = formsets
        return formsets, inline_instances

    def submit_edit(self, request: HttpRequest, form: TreatmentAdminForm) -> None:
        """Validate the edit with the contract and save it through the services, or show why not.

        Called once the treatment form's fields parsed. Nothing is written unless the service
        call succeeds; every refusal becomes an error on the form (or inline row) it is about.
        """
        edit = admin_edit(request)
        if not all_valid(edit.formsets):  # a row did not parse; its errors are on the page
            return
        children = edit_children(form.instance, edit.formsets)
        request_id = str(getattr(request, "request_id", ""))
        adding = form.instance._state.adding
        expected = form.cleaned_data.get("expected_version")
        if not adding and expected is None:
            form.add_error(None, "This page lost the version it was opened at; reload it.")
            return
        try:
            content = services.content_validate(edit_content(form, children))
            if adding:
                edit.saved = services.treatment_create(
                    content=content,
                    actor=request.user,
                    message=EDIT_MESSAGE,
                    request_id=request_id,
                )
            else:
                edit.saved = services.treatment_replace(
                    treatment_id=form.instance.pk,
                    content=content,
                    expected_version=expected,
                    actor=request.user,
                    message=EDIT_MESSAGE,
                    request_id=request_id,
                )
                edit.unchanged = edit.saved.version == expected
        except services.ContentInvalidError as exc:
            show_contract_errors(form, children, exc.errors)
        except services.ConflictError as exc:
            message = stale_message(exc.expected_version, exc.current_version)
            form.add_error(None, ValidationError(message, code="stale"))
        except services.ForbiddenError as exc:
            raise PermissionDenied(exc.detail) from None
        except services.ServiceError as exc:
            form.add_error(None, exc.detail)

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        # The services saved it during validation; this is what they saved.
        return admin_edit(request).saved or form.instance

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # written by the services in submit_edit

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # written by the services in submit_edit

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, dict[str, list[str]]]]:
        # The inline formsets were not saved (the services were), so name the changed lists.
        message = construct_change_message(form, [], add)
        changed = [str(fs.model._meta.verbose_name_plural) for fs in formsets if fs.has_changed()]
        if changed and not add:
            message.append({"changed": {"fields": changed}})
        return message

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if admin_edit(request).unchanged:
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if not admin_edit(request).unchanged:
            return super().response_change(request, obj)
        self.message_user(request, "No changes to save.", messages.INFO)
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return self.response_post_save_change(request, obj)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        context["may"] = {action.value: can(request.user, action) for action in Action}
        context["panels"] = change_page_panel_contents(request, obj) if obj is not None else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- publishing actions ---------------------------------------------------------------

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

    @admin.action(description="Unpublish selected treatments", permissions=["unpublish"])
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
        return can(request.user, Action.PUBLISH)

    def has_unpublish_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.UNPUBLISH)

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
        action: Action,
        **kwargs: Any,
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Use the buttons on the treatment page (POST).", status=405)
        try:
            require(request.user, action)
        except services.ForbiddenError as exc:
            raise PermissionDenied(exc.detail) from None
        treatment = get_object_or_404(Treatment, pk=object_id)
        raw = request.POST.get("expected_version", "")
        # isdigit() alone accepts digits int() refuses, such as "²".
        expected = int(raw) if raw.isascii() and raw.isdigit() else None
        if expected is None:
            self.message_user(request, "The page was stale; reload and try again.", messages.ERROR)
        else:
            self._run(request, service, treatment, expected, **kwargs)
        return HttpResponseRedirect(reverse("admin:treatments_treatment_change", args=[object_id]))

    def publish_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        note = request.POST.get("change_note", "")[:500]
        return self._post_action(
            request, object_id, services.treatment_publish, Action.PUBLISH, change_note=note
        )

    def unpublish_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._post_action(request, object_id, services.treatment_unpublish, Action.UNPUBLISH)

    def soft_delete_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._post_action(request, object_id, services.treatment_delete, Action.DELETE)

    def restore_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._post_action(request, object_id, services.treatment_restore, Action.RESTORE)

    def revert_view(self, request: HttpRequest, object_id: Any, number: int) -> HttpResponse:
        return self._post_action(
            request, object_id, services.treatment_revert, Action.REVERT, revision_number=number
        )

    def revisions_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        treatment = get_object_or_404(Treatment, pk=object_id)
        if not self.has_view_or_change_permission(request, treatment):
            raise PermissionDenied
        revisions = list(treatment.revisions.order_by("-number"))
        rows = []
        for newer, older in zip(revisions, [*revisions[1:], None], strict=True):
            patch = revision_diff(old=older, new=newer) if older else []
            rows.append(
                {
                    "revision": newer,
                    "previous": older.number if older else None,
                    "patch": [json.dumps(op) for op in patch],
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": treatment,
            "title": f"Revisions of {treatment}",
            "rows": rows,
            "audit": treatment.audit_entries.all()[:200],
            "can_revert": can(request.user, Action.REVERT),
            "compare_url": compare_page_url(treatment),
            "numbers": [revision.number for revision in revisions],
            "media": self.media,
        }
        return TemplateResponse(request, "admin/treatments/treatment/revisions.html", context)
