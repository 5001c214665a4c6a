"""Admin forms of scheduling: a time (in the site's time zone) and, for a treatment, an action."""

import datetime as dt

from django import forms
from django.utils import timezone

from .models import ChangeKind

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class WhenInput(forms.DateTimeInput):
    """The browser's own date-and-time picker (`<input type="datetime-local">`)."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class ScheduleTimeForm(forms.Form):
    """When a release should go live."""

    at = forms.DateTimeField(
        label="Go live at",
        input_formats=INPUT_FORMATS,
        widget=WhenInput(),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        zone = timezone.get_current_timezone_name()
        self.fields["at"].help_text = f"In the site's time zone ({zone}); must be in the future."
        if not self.is_bound:
            start = timezone.localtime() + dt.timedelta(hours=1)
            self.initial.setdefault("at", start.replace(minute=0, second=0, microsecond=0))

    def clean_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["at"]
        if timezone.is_naive(value):  # with USE_TZ Django makes it aware already; be sure
            value = timezone.make_aware(value)
        if value <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return value


class TreatmentScheduleForm(ScheduleTimeForm):
    """Publish the working copy, or withdraw the treatment, at a time."""

    action = forms.ChoiceField(choices=ChangeKind.choices, initial=ChangeKind.PUBLISH)
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")
    # The working-copy version the page showed: a publish goes live only at this version.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    field_order = ["action", "at", "note", "expected_version"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["at"].label = "At"
