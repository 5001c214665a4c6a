"""The Django admin for editors: inline editing, publishing, history with diffs, audit trail.

The admin is a second screen, not a second write path: a save builds the content document from
the forms, validates it with the contract and writes it through the same services as the editor
API; every decision about who may do what is asked of `treatments.permissions`.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.formsets import DELETION_FIELD_NAME, all_valid
from django.forms.models import BaseInlineFormSet, model_to_dict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from treatments import services
from treatments.documents.rows import CHILD_RELATIONS, content_from_rows, locate_pointer
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
from treatments.permissions import Action, can, require
from treatments.selectors import (
    WORKING_COPY_STATES,
    revision_diff,
    working_copy_has_unpublished_changes,
    working_copy_list,
    working_copy_live_revision,
    working_copy_state,
)

# The editor API writes content with an empty audit message; the admin does the same, so the
# same edit leaves the same audit record whichever screen it was made on.
EDIT_MESSAGE = ""


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}


# --- forms: field-level parsing only; the contract decides what the content may be ----------


class ContractFields:
    """Form fields that parse what was typed and leave every content rule to the contract.

    Nothing is required here (the contract says what is), text is kept as typed (stripping would
    make opening and saving a treatment change it), and the CRLF line endings browsers send
    from text areas are turned back into the LF the content was written with.
    """

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    # Fields that are not content: they say which part of the document a row belongs to.
    structural_fields: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, form_field in self.fields.items():
            if name not in self.structural_fields:
                form_field.required = False
            if type(form_field) is forms.CharField:
                form_field.strip = False

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        for name, form_field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(form_field.widget, forms.Textarea) and isinstance(value, str):
                cleaned[name] = value.replace("\r\n", "\n")
        return cleaned


class ChildRowForm(ContractFields, forms.ModelForm):
    """One child row (step, risk, …) as part of the treatment's content."""

    def _post_clean(self) -> None:
        # Not the model's own validation, a second rulebook: the admin never saves this row.
        # The whole edit is validated by the contract and written by the services.
        pass


class SafetyItemForm(ChildRowForm):
    """A safety item; its kind picks the list (contraindications or warning signs) it is in."""

    structural_fields = frozenset({"kind"})


class ChildRowFormSet(BaseInlineFormSet):
    """Child rows edited inline; the services renumber them, so `order` only sorts them."""

    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        # Every save replaces the rows, so a page opened before someone else's save names rows
        # that no longer exist. That is a stale page, which the compare-and-set reports in
        # words; a "Select a valid choice" on a hidden id field would only confuse.
        assert self.model is not None, "an inline formset always has its model"
        pk = self.model._meta.pk
        assert pk is not None
        form.fields[pk.name] = forms.Field(required=False, widget=forms.HiddenInput)

    def validate_unique(self) -> None:
        # Two rows with the same `order` keep their order on the page; nothing to refuse.
        pass


class PolicyInlineMixin:
    """Inline rows may be changed by whoever may edit the treatment (the one policy)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_write(request, obj)


def _may_write(request: HttpRequest, treatment: Treatment | None) -> bool:
    """May the user save this treatment (None: a new one)? Deleted ones are restored first."""
    if treatment is None:
        return can(request.user, Action.CREATE)
    return can(request.user, Action.EDIT) and treatment.deleted_at is None


class OrderedInline(PolicyInlineMixin, admin.StackedInline):
    """Children edited in place; `order` sets their position."""

    form = ChildRowForm
    formset = ChildRowFormSet
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


class SafetyItemInline(PolicyInlineMixin, admin.TabularInline):
    model = SafetyItem
    form = SafetyItemForm
    formset = ChildRowFormSet
    extra = 0
    ordering = ["order"]
    fields = ["order", "kind", "text"]


URL_FIELDS: dict[Any, dict[str, Any]] = {
    models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
}


class SourceInline(PolicyInlineMixin, admin.TabularInline):
    model = Source
    form = ChildRowForm
    formset = ChildRowFormSet
    formfield_overrides = URL_FIELDS
    extra = 0
    ordering = ["order"]
    fields = ["order", "title", "publisher", "url", "retrieved_on", "note"]


class TreatmentAdminForm(ContractFields, forms.ModelForm):
    """The treatment form, carrying the version it was loaded at to detect stale saves."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    licence_url = forms.URLField(required=False, assume_scheme="https")

    # Set for each request by TreatmentAdmin.get_form: who saves, and through which admin.
    model_admin: ClassVar["TreatmentAdmin | None"] = None
    admin_request: ClassVar[HttpRequest | None] = None

    class Meta:
        model = Treatment
        exclude: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

    def _post_clean(self) -> None:
        # In place of the model's own validation (a second rulebook): once every field parsed,
        # the whole edit (this form and its inlines) goes to the contract and the services.
        if self.errors or self.model_admin is None or self.admin_request is None:
            return
        self.model_admin.submit_edit(self.admin_request, self)


# --- one save: forms -> content -> contract -> services, or errors on the right fields -------


@dataclass
class AdminEdit:
    """One admin save in progress: its inline formsets and what the services made of it."""

    formsets: list[Any] = field(default_factory=list)
    saved: Treatment | None = None
    unchanged: bool = False


_EDIT_ATTRIBUTE = "treatment_admin_edit"


def admin_edit(request: HttpRequest) -> AdminEdit:
    """The save in progress for this request (one treatment form per request)."""
    edit = getattr(request, _EDIT_ATTRIBUTE, None)
    if edit is None:
        edit = AdminEdit()
        setattr(request, _EDIT_ATTRIBUTE, edit)
    return edit


@dataclass
class ChildRows:
    """A relation's rows in document order, with the inline form each came from (or None)."""

    label: str
    rows: list[Any] = field(default_factory=list)
    row_forms: list[forms.BaseForm | None] = field(default_factory=list)


def _relation_of(formset: Any) -> str:
    return str(formset.fk.remote_field.get_accessor_name())


def _values(form: forms.BaseForm, instance: models.Model) -> SimpleNamespace:
    """The row as the form describes it: stored (or default) values, overlaid with the form's."""
    return SimpleNamespace(**{**model_to_dict(instance), **form.cleaned_data})


def _formset_rows(formset: Any) -> ChildRows:
    """The formset's kept rows (not deleted, not untouched extras), by `order` then position."""
    entries = []
    for position, row_form in enumerate(formset.forms):
        cleaned = getattr(row_form, "cleaned_data", {})
        if formset.can_delete and cleaned.get(DELETION_FIELD_NAME):
            continue
        if position >= formset.initial_form_count() and not row_form.has_changed():
            continue
        row = _values(row_form, row_form.instance)
        entries.append(((row.order is None, row.order or 0, position), row, row_form))
    entries.sort(key=lambda entry: entry[0])
    return ChildRows(
        label=str(formset.model._meta.verbose_name_plural).capitalize(),
        rows=[row for _, row, _ in entries],
        row_forms=[row_form for _, _, row_form in entries],
    )


def edit_children(treatment: Treatment, formsets: Sequence[Any]) -> dict[str, ChildRows]:
    """Every child relation's rows: from its formset, or as stored when it has no formset."""
    children = {_relation_of(formset): _formset_rows(formset) for formset in formsets}
    for relation in CHILD_RELATIONS:
        if relation not in children:
            stored = [] if treatment._state.adding else list(getattr(treatment, relation).all())
            label = relation.replace("_", " ").capitalize()
            children[relation] = ChildRows(label, stored, [None] * len(stored))
    return children


# Stands in for a category while building content without one; the key is then removed so the
# contract reports the missing category itself.
_NO_CATEGORY = SimpleNamespace(slug="", name="")


def edit_content(form: TreatmentAdminForm, children: dict[str, ChildRows]) -> dict[str, Any]:
    """The content document (not yet validated) the treatment form and its inlines describe."""
    treatment = _values(form, form.instance)
    if treatment.possible_tissue_sources is None:  # an empty box is an empty list
        treatment.possible_tissue_sources = []
    category = form.cleaned_data.get("category")
    content = content_from_rows(
        treatment,
        category=category or _NO_CATEGORY,
        children={relation: child.rows for relation, child in children.items()},
    )
    if category is None:
        del content["category"]
    return content


def _add_error(form: forms.BaseForm, column: str | None, message: str) -> None:
    if column is not None and column not in form.fields:
        form.add_error(None, f"{column}: {message}")
    else:
        form.add_error(column, message)


def show_contract_errors(
    form: TreatmentAdminForm, children: dict[str, ChildRows], errors: list[dict[str, Any]]
) -> None:
    """Put each contract error on the form and field it came from (JSON Pointer -> row)."""
    rows = {relation: child.rows for relation, child in children.items()}
    for error in errors:
        message = str(error.get("message") or "Invalid.")
        where = locate_pointer(str(error.get("pointer") or ""), rows)
        if where.relation is None:
            _add_error(form, where.column, message)
            continue
        child = children[where.relation]
        position = where.position
        row_form = child.row_forms[position] if position is not None else None
        if row_form is None:
            # About the whole list, or a row the page does not show: say which list.
            row = f" {position + 1}" if position is not None else ""
            form.add_error(None, f"{child.label}{row}: {message}")
        else:
            _add_error(row_form, where.column, message)


def _stale_message(expected: int | None, current: int | None) -> str:
    return (
        f"Someone saved this treatment after you opened it (you edited version {expected}, it "
        f"is now version {current}). Your changes were not saved: open the treatment again, "
        "re-apply them and save."
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
            message = _stale_message(exc.expected_version, exc.current_version)
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
            rows.append({"revision": newer, "patch": [json.dumps(op) for op in patch]})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": treatment,
            "title": f"Revisions of {treatment}",
            "rows": rows,
            "audit": treatment.audit_entries.all()[:200],
            "can_revert": can(request.user, Action.REVERT),
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
class SlugAliasAdmin(ReadOnlyAdmin):
    """Former slugs are kept by the services when a slug changes; never edited by hand."""

    list_display = ["slug", "treatment", "created_at"]
    search_fields = ["slug"]
    readonly_fields = ["slug", "treatment", "created_at"]
