"""Inline editors of a treatment's child rows, guarded by the permission policy."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from treatments.models import (
    Comparison,
    EligibilityCriterion,
    MechanismNote,
    Medication,
    RecoveryRule,
    Risk,
    SafetyItem,
    Source,
    Step,
    TimelineEvent,
    Treatment,
)
from treatments.permissions import Action, can

from .forms import ChildRowForm, ChildRowFormSet, SafetyItemForm


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
        (
            "duration_min",
            "duration_max",
            "duration_unit",
            "duration_approximate",
            "duration_wording",
        ),
        ("performer", "guidance", "guidance_optional", "body_site"),
        "optional",
        # Schema 1.2: on UCUM units (a temperature, seconds, decimals). When these are given,
        # leave the 1.0 quantity and duration above empty: they are derived where 1.0 can say it.
        (
            "quantity_ucum_min",
            "quantity_ucum_max",
            "quantity_ucum_unit",
            "quantity_ucum_approximate",
            "quantity_ucum_of",
        ),
        (
            "duration_ucum_min",
            "duration_ucum_max",
            "duration_ucum_unit",
            "duration_ucum_approximate",
        ),
    ]


class RiskInline(OrderedInline):
    model = Risk
    fields = [
        ("order", "name"),
        "description",
        ("likelihood_band", "likelihood_basis", "likelihood_wording"),
        ("seriousness", "population"),
        (
            "resolves_min",
            "resolves_max",
            "resolves_unit",
            "resolves_approximate",
            "resolves_wording",
        ),
        "codes",
    ]


class RecoveryRuleInline(OrderedInline):
    model = RecoveryRule
    fields = [
        ("order", "activity", "activity_label", "restriction"),
        ("start_offset", "end_offset", "unit", "at_least", "calendar_days"),
        ("condition", "condition_text"),
        "patient_text",
        ("medication_name", "medication_class"),
        "medication_codes",
    ]


class TimelineEventInline(OrderedInline):
    model = TimelineEvent
    fields = [
        ("order", "kind", "milestone", "label"),
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


class MedicationInline(OrderedInline):
    model = Medication
    fields = [
        ("order", "name", "drug_class"),
        ("role", "route"),
        "codes",
        ("dose_min", "dose_max", "dose_unit", "dose_approximate", "dose_of"),
    ]


class EligibilityCriterionInline(OrderedInline):
    model = EligibilityCriterion
    fields = [
        ("order", "kind", "outcome"),
        "explanation",
        ("subject", "count", "count_relation"),
        ("quantity_min", "quantity_max", "quantity_unit", "quantity_approximate", "quantity_of"),
        "codes",
    ]


class SafetyItemInline(PolicyInlineMixin, admin.StackedInline):
    model = SafetyItem
    form = SafetyItemForm
    formset = ChildRowFormSet
    extra = 0
    ordering = ["order"]
    # `detailed` publishes a kind's items in structure too (schema 1.1); kind-specific columns:
    # contraindication_kind and codes for contraindications, urgency and action for warnings.
    fields = [
        ("order", "kind", "detailed"),
        "text",
        ("contraindication_kind", "urgency", "action"),
        "codes",
    ]


URL_FIELDS: dict[Any, dict[str, Any]] = {
    models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
}


class SourceInline(PolicyInlineMixin, admin.StackedInline):
    # Stacked, not tabular: six columns of inputs made the page twice as wide as a laptop's
    # window, and a table's cells carry no label for screen readers.
    model = Source
    form = ChildRowForm
    formset = ChildRowFormSet
    formfield_overrides = URL_FIELDS
    extra = 0
    ordering = ["order"]
    fields = [("order", "title"), ("publisher", "retrieved_on"), "url", "note"]
