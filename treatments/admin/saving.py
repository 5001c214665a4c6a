"""One admin save: forms -> content -> contract -> services, or errors on the right fields."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django import forms
from django.db import models
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import model_to_dict
from django.http import HttpRequest

from treatments.documents.rows import CHILD_RELATIONS, content_from_rows, locate_pointer
from treatments.models import (
    Treatment,
)

from .forms import TreatmentAdminForm

# The editor API writes content with an empty audit message; the admin does the same, so the
# same edit leaves the same audit record whichever screen it was made on.
EDIT_MESSAGE = ""


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
        # pydantic starts a validator's message with "Value error, ": noise next to a field.
        message = str(error.get("message") or "Invalid.").removeprefix("Value error, ")
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


def stale_message(expected: int | None, current: int | None) -> str:
    return (
        f"Someone saved this treatment after you opened it (you edited version {expected}, it "
        f"is now version {current}). Your changes were not saved: open the treatment again, "
        "re-apply them and save."
    )
