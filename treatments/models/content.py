"""The ordered child records of a treatment: steps, risks, rules, timeline and the rest."""

from django.db import models
from django.db.models import F, Q

from treatments.choices import (
    ActivityKind,
    ContraindicationKind,
    CountRelation,
    CriterionOutcome,
    EligibilityKind,
    LikelihoodBand,
    LikelihoodBasis,
    MedicationRole,
    MedicationRoute,
    QuantityUnit,
    RestrictionKind,
    RuleCondition,
    SafetyKind,
    Seriousness,
    TimelineEventKind,
    TimelineMilestone,
    TimeUnit,
    UcumTimeUnit,
    UcumUnit,
    WarningUrgency,
)

from .catalog import Treatment

CODES_HELP = 'e.g. [{"system": "http://snomed.info/sct", "code": "...", "display": "..."}].'


def _codes() -> models.JSONField:
    return models.JSONField(default=list, blank=True, help_text=CODES_HELP)


def _ucum_value() -> models.FloatField:
    return models.FloatField(null=True, blank=True)


def _ucum_unit(label: str, *, time: bool = False) -> models.CharField:
    vocabulary = UcumTimeUnit if time else UcumUnit
    return models.CharField(
        max_length=16,
        choices=vocabulary.choices,
        blank=True,
        default="",
        help_text=f"{label}: a UCUM unit (schema 1.2); decimals allowed.",
    )


def _approximate() -> models.BooleanField:
    return models.BooleanField(default=False, help_text='The source says "about".')


def _range_constraint(prefix: str, label: str, model: str) -> models.CheckConstraint:
    """A named constraint that a `<prefix>_min` is not larger than its `<prefix>_max`."""
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_min__isnull": True})
        | Q(**{f"{prefix}_max__isnull": True})
        | Q(**{f"{prefix}_min__lte": F(f"{prefix}_max")}),
        name=f"{model}_{prefix}_min_lte_max",
        violation_error_message=f"The {label} minimum is larger than its maximum; swap them.",
    )


class OrderedChild(models.Model):
    """A child record of a treatment, shown in a fixed order."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["treatment", "order", "id"]


def _unique_order(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["treatment", "order"],
        name=f"{model}_unique_order_per_treatment",
        violation_error_message="Two entries have the same position; give each its own order.",
    )


class Step(OrderedChild):
    """One step of the procedure, in order."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=200, blank=True)
    detail = models.TextField(blank=True, help_text="The step as the source says it.")
    quantity_min = models.FloatField(null=True, blank=True)
    quantity_max = models.FloatField(null=True, blank=True)
    quantity_unit = models.CharField(
        max_length=16, choices=QuantityUnit.choices, blank=True, default=""
    )
    quantity_approximate = models.BooleanField(
        default=False, help_text='The source gives the quantity as approximate ("about 10 cc").'
    )
    quantity_of = models.CharField(max_length=200, blank=True, help_text='e.g. "bone marrow".')
    duration_min = models.PositiveIntegerField(null=True, blank=True)
    duration_max = models.PositiveIntegerField(null=True, blank=True)
    duration_unit = models.CharField(
        max_length=16, choices=TimeUnit.choices, blank=True, default=""
    )
    duration_wording = models.CharField(
        max_length=200, blank=True, help_text='How the source words the pace, e.g. "quickly".'
    )
    duration_approximate = models.BooleanField(default=False, help_text='"about 10 minutes".')
    performer = models.CharField(max_length=200, blank=True)
    guidance = models.CharField(max_length=200, blank=True, help_text='Imaging, e.g. "x-ray".')
    guidance_optional = models.BooleanField(default=False, help_text="The guidance may be used.")
    body_site = models.CharField(max_length=200, blank=True)
    optional = models.BooleanField(default=False, help_text="The step is done only sometimes.")
    # Schema 1.2: the amount and duration on UCUM units. When given, the 1.0 columns above stay
    # empty: the document derives the 1.0 form from these where 1.0 can say it.
    quantity_ucum_min = _ucum_value()
    quantity_ucum_max = _ucum_value()
    quantity_ucum_unit = _ucum_unit("An amount, e.g. a temperature")
    quantity_ucum_approximate = _approximate()
    quantity_ucum_of = models.CharField(max_length=200, blank=True, help_text="What is measured.")
    duration_ucum_min = _ucum_value()
    duration_ucum_max = _ucum_value()
    duration_ucum_unit = _ucum_unit("How long, from seconds to years", time=True)
    duration_ucum_approximate = _approximate()

    class Meta(OrderedChild.Meta):
        constraints = [
            _unique_order("step"),
            _range_constraint("quantity", "quantity", "step"),
            _range_constraint("duration", "duration", "step"),
            _range_constraint("quantity_ucum", "amount", "step"),
            _range_constraint("duration_ucum", "duration", "step"),
            models.CheckConstraint(
                condition=Q(quantity_min__isnull=True) | Q(quantity_min__gte=0),
                name="step_quantity_min_non_negative",
                violation_error_message="A quantity cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(quantity_max__isnull=True) | Q(quantity_max__gte=0),
                name="step_quantity_max_non_negative",
                violation_error_message="A quantity cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Risk(OrderedChild):
    """A possible complication, with how likely and how serious it is."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="risks")
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, help_text="The risk as the source says it.")
    likelihood_band = models.CharField(max_length=16, choices=LikelihoodBand.choices)
    likelihood_basis = models.CharField(
        max_length=16, choices=LikelihoodBasis.choices, default=LikelihoodBasis.QUALITATIVE
    )
    likelihood_wording = models.CharField(
        max_length=200, blank=True, help_text='The source\'s own words, e.g. "rarely".'
    )
    seriousness = models.CharField(
        max_length=16, choices=Seriousness.choices, default=Seriousness.NOT_STATED
    )
    resolves_min = models.PositiveIntegerField(null=True, blank=True)
    resolves_max = models.PositiveIntegerField(null=True, blank=True)
    resolves_unit = models.CharField(
        max_length=16, choices=TimeUnit.choices, blank=True, default=""
    )
    resolves_wording = models.CharField(
        max_length=200, blank=True, help_text='e.g. "most of the time, within a few hours".'
    )
    resolves_approximate = models.BooleanField(default=False)
    population = models.CharField(
        max_length=200, blank=True, help_text='Who it applies to, e.g. "people with diabetes".'
    )
    codes = _codes()

    class Meta(OrderedChild.Meta):
        constraints = [_unique_order("risk"), _range_constraint("resolves", "resolution", "risk")]

    def __str__(self) -> str:
        return self.name


class RecoveryRule(OrderedChild):
    """What to avoid, limit or resume, in a window relative to the procedure."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="recovery_rules"
    )
    activity = models.CharField(max_length=32, choices=ActivityKind.choices)
    activity_label = models.CharField(
        max_length=200, blank=True, help_text='e.g. "running or jogging".'
    )
    restriction = models.CharField(max_length=16, choices=RestrictionKind.choices)
    # The window is [start_offset, end_offset) in `unit`, relative to the procedure: negative
    # offsets are before it (preparation). A null end is open ("from the next day on").
    start_offset = models.IntegerField(default=0)
    end_offset = models.IntegerField(null=True, blank=True)
    unit = models.CharField(max_length=16, choices=TimeUnit.choices)
    at_least = models.BooleanField(
        default=False, help_text='The window is a minimum ("for at least 72 hours").'
    )
    calendar_days = models.BooleanField(
        default=False,
        help_text="Offsets count calendar days: day 0 is the day of the procedure.",
    )
    condition = models.CharField(
        max_length=32, choices=RuleCondition.choices, default=RuleCondition.ALWAYS
    )
    condition_text = models.CharField(max_length=500, blank=True)
    patient_text = models.TextField(blank=True, help_text="The rule as the patient reads it.")
    medication_name = models.CharField(
        max_length=200, blank=True, help_text="For a medication rule: the drug it names."
    )
    medication_class = models.CharField(
        max_length=200, blank=True, help_text='Or the class, e.g. "anti-inflammatory medicines".'
    )
    medication_codes = _codes()

    class Meta(OrderedChild.Meta):
        constraints = [
            _unique_order("recoveryrule"),
            models.CheckConstraint(
                condition=Q(end_offset__isnull=True) | Q(start_offset__lte=F("end_offset")),
                name="recoveryrule_start_lte_end",
                violation_error_message="The window ends before it starts; swap the offsets.",
            ),
            models.CheckConstraint(
                condition=Q(calendar_days=False) | Q(unit="day"),
                name="recoveryrule_calendar_days_in_days",
                violation_error_message="Calendar-day windows must use the unit 'day'.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_restriction_display()} {self.activity_label}"


class TimelineEvent(OrderedChild):
    """An expected milestone as a range that may be open at either end."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=32, choices=TimelineEventKind.choices)
    label = models.CharField(max_length=200, blank=True)
    range_min = models.PositiveIntegerField(null=True, blank=True)
    range_max = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=16, choices=TimeUnit.choices)
    open_ended = models.BooleanField(default=False, help_text='"or longer".')
    range_wording = models.CharField(
        max_length=200, blank=True, help_text='The source\'s words, e.g. "several months".'
    )
    qualifier = models.CharField(max_length=200, blank=True, help_text='e.g. "typically".')
    varies_between_people = models.BooleanField(default=False)
    patient_text = models.TextField(blank=True)
    milestone = models.CharField(
        max_length=32,
        choices=TimelineMilestone.choices,
        blank=True,
        default="",
        help_text="For an onset: first improvement or full effect (blank: first noticed).",
    )

    class Meta(OrderedChild.Meta):
        constraints = [
            _unique_order("timelineevent"),
            _range_constraint("range", "range", "timelineevent"),
        ]

    def __str__(self) -> str:
        return self.label


class MechanismNote(OrderedChild):
    """How the treatment works, one component at a time (e.g. growth factors)."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="mechanism_notes"
    )
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)

    class Meta(OrderedChild.Meta):
        constraints = [_unique_order("mechanismnote")]

    def __str__(self) -> str:
        return self.subject


class Comparison(OrderedChild):
    """How the treatment differs from another option."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="comparisons")
    compared_with = models.CharField(
        max_length=200, blank=True, help_text='e.g. "corticosteroids".'
    )
    difference = models.TextField(blank=True)
    onset_difference = models.TextField(blank=True)

    class Meta(OrderedChild.Meta):
        constraints = [_unique_order("comparison")]

    def __str__(self) -> str:
        return f"vs {self.compared_with}"


class SafetyItem(OrderedChild):
    """A contraindication or a warning sign that needs urgent help."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="safety_items")
    kind = models.CharField(max_length=32, choices=SafetyKind.choices)
    text = models.TextField(blank=True)
    # Schema 1.1: the structured form. A treatment whose items of a kind are `detailed` lists
    # them in `contraindication_items` / `warning_sign_items` as well as in the string list.
    detailed = models.BooleanField(
        default=False, help_text="Publish it in structure (kind, urgency, action, codes) too."
    )
    contraindication_kind = models.CharField(
        max_length=16,
        choices=ContraindicationKind.choices,
        default=ContraindicationKind.NOT_STATED,
        help_text="For a contraindication: absolute or relative.",
    )
    urgency = models.CharField(
        max_length=16,
        choices=WarningUrgency.choices,
        default=WarningUrgency.NOT_STATED,
        help_text="For a warning sign: how soon to get help.",
    )
    action = models.CharField(
        max_length=500, blank=True, help_text='For a warning sign: what to do, e.g. "Call 999".'
    )
    codes = _codes()

    class Meta(OrderedChild.Meta):
        constraints = [_unique_order("safetyitem")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class Medication(OrderedChild):
    """A drug the treatment gives (schema 1.1)."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=200, blank=True, help_text='e.g. "lidocaine".')
    drug_class = models.CharField(max_length=200, blank=True, help_text='e.g. "corticosteroid".')
    role = models.CharField(
        max_length=16, choices=MedicationRole.choices, default=MedicationRole.NOT_STATED
    )
    route = models.CharField(
        max_length=32, choices=MedicationRoute.choices, default=MedicationRoute.NOT_STATED
    )
    codes = _codes()
    # Schema 1.2: the dose one session gives.
    dose_min = _ucum_value()
    dose_max = _ucum_value()
    dose_unit = _ucum_unit("Dose per session (a mass, volume or count)")
    dose_approximate = _approximate()
    dose_of = models.CharField(max_length=200, blank=True, help_text="What is measured.")

    class Meta(OrderedChild.Meta):
        constraints = [_unique_order("medication"), _range_constraint("dose", "dose", "medication")]

    def __str__(self) -> str:
        return self.name


class EligibilityCriterion(OrderedChild):
    """A condition a person must meet to have the treatment (schema 1.2)."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="eligibility_criteria"
    )
    kind = models.CharField(max_length=32, choices=EligibilityKind.choices)
    explanation = models.TextField(blank=True, help_text="The source's own sentence.")
    subject = models.CharField(
        max_length=200, blank=True, help_text='What it names, e.g. "diagnostic nerve block".'
    )
    codes = _codes()
    count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text='How many: 2 in "at least 2 successful blocks".'
    )
    count_relation = models.CharField(
        max_length=16, choices=CountRelation.choices, blank=True, default=""
    )
    outcome = models.CharField(
        max_length=16,
        choices=CriterionOutcome.choices,
        default=CriterionOutcome.NOT_STATED,
        help_text="For a prior procedure: how it must have gone.",
    )
    quantity_min = _ucum_value()
    quantity_max = _ucum_value()
    quantity_unit = _ucum_unit("An age, a length of time or a measure")
    quantity_approximate = _approximate()
    quantity_of = models.CharField(max_length=200, blank=True, help_text="What is measured.")

    class Meta(OrderedChild.Meta):
        constraints = [
            _unique_order("eligibilitycriterion"),
            _range_constraint("quantity", "quantity", "eligibilitycriterion"),
        ]
        verbose_name_plural = "eligibility criteria"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.explanation[:40]}"


class Source(OrderedChild):
    """Where the content comes from."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    retrieved_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta(OrderedChild.Meta):
        constraints = [_unique_order("source")]

    def __str__(self) -> str:
        return self.title
