"""Admin forms: field-level parsing only; the contract decides what content may be."""

from typing import Any, ClassVar

from django import forms
from django.forms.models import BaseInlineFormSet
from django.forms.utils import pretty_name
from django.http import HttpRequest

from treatments.models import (
    Treatment,
)


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


def show_hidden_field_errors(form: forms.BaseForm) -> None:
    """Move errors of hidden fields (which the admin never displays) to the form's own errors.

    A page that says "Please correct the errors below." must show every one of them.
    """
    for name in list(form.errors):
        if name in form.fields and form.fields[name].widget.is_hidden:
            label = form.fields[name].label or pretty_name(name)
            for message in form.errors.pop(name):
                form.add_error(None, f"{label}: {message}")


class ChildRowForm(ContractFields, forms.ModelForm):
    """One child row (step, risk, …) as part of the treatment's content."""

    def _post_clean(self) -> None:
        # Not the model's own validation, a second rulebook: the admin never saves this row.
        # The whole edit is validated by the contract and written by the services.
        show_hidden_field_errors(self)


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
        # Keep the row's id as the page's value (Django's own field carries it as `initial`):
        # without it the browser posts an empty id and every existing row is refused.
        row_id = form.fields[pk.name].initial
        form.fields[pk.name] = forms.Field(
            required=False,
            widget=forms.HiddenInput,
            initial=row_id,
            label="Row id",
            error_messages={"required": "missing from the page; reload the treatment."},
        )
        # A new row starts with no position (the model's default, 0, would put it first):
        # left empty it goes to the end, since the services number the rows as they come.
        if "order" in form.fields and (index is None or index >= self.initial_form_count()):
            form.initial["order"] = None

    def validate_unique(self) -> None:
        # Two rows with the same `order` keep their order on the page; nothing to refuse.
        pass


class TreatmentAdminForm(ContractFields, forms.ModelForm):
    """The treatment form, carrying the version it was loaded at to detect stale saves."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    licence_url = forms.URLField(required=False, assume_scheme="https")

    # Set for each request by TreatmentAdmin.get_form: who saves, and through which admin.
    model_admin: ClassVar[Any] = None  # the TreatmentAdmin (its submit_edit saves)
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
        show_hidden_field_errors(self)
        if self.errors or self.model_admin is None or self.admin_request is None:
            return
        self.model_admin.submit_edit(self.admin_request, self)
