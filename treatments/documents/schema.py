"""The contract of a treatment's content and published document, as pydantic models.

The same models validate content files, editor writes and every document before it is frozen,
and they produce the JSON Schema the API publishes, so the three can never disagree.
"""

import datetime as dt
import functools
import json
import uuid
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    field_validator,
    model_validator,
)

from treatments.choices import (
    ActivityKind,
    Classification,
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
    Seriousness,
    TimelineEventKind,
    TimelineMilestone,
    TimeUnit,
    TissueSource,
    UcumTimeUnit,
    UcumUnit,
    WarningUrgency,
)

from .codes import (
    CODE_PATTERN,
    MAX_CODE_LENGTH,
    MAX_CODES,
    MAX_SYSTEM_LENGTH,
    SYSTEM_PATTERN,
    code_problem,
    system_problem,
)
from .text import checked_text
from .ucum import TO_QUANTITY_UNIT, TO_TIME_UNIT, UNITS, Dimension

# What new publishes say; revisions frozen earlier keep the version they were frozen with.
SCHEMA_VERSION = "1.2"
SCHEMA_VERSIONS = ("1.0", "1.1", "1.2")
MAX_ITEMS = 100


# Every text field passes the one text rule (see text.py): no control or bidi-override characters.
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(checked_text)]
MediumText = Annotated[str, StringConstraints(max_length=500), AfterValidator(checked_text)]
TitleText = Annotated[str, StringConstraints(max_length=300), AfterValidator(checked_text)]
LongText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(checked_text)]
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=120)]
CategorySlug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
# A BCP 47 language tag in its common form: "en", "en-GB", "es-419", "zh-Hant-TW".
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
LanguageTag = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN, max_length=35)]
DEFAULT_LANGUAGE = "en"
Count = Annotated[int, Field(ge=0, le=1_000_000)]
MAX_URL_LENGTH = 2000


def _url_fits(url: HttpUrl) -> HttpUrl:
    # Normalising can lengthen a URL (a trailing "/", punycode hosts); what is stored must fit.
    if len(str(url)) > MAX_URL_LENGTH:
        raise ValueError(f"The URL is longer than {MAX_URL_LENGTH} characters once normalised.")
    return url


Url = Annotated[HttpUrl, UrlConstraints(max_length=MAX_URL_LENGTH), AfterValidator(_url_fits)]


class Part(BaseModel):
    """A strict part of the document: unknown keys are an error, not silently dropped."""

    # Non-finite numbers (NaN, Infinity, or 1e400 read as infinity) have no place in JSON.
    # Documents are dumped whole (defaults included), so the published schema marks every
    # field required: clients may rely on each key being there (null where it can be null).
    model_config = ConfigDict(
        extra="forbid",
        use_enum_values=True,
        allow_inf_nan=False,
        json_schema_serialization_defaults_required=True,
    )


class Coding(Part):
    """A clinical code, as FHIR's Coding: which system, which code in it, and its display."""

    system: Annotated[
        str, StringConstraints(pattern=SYSTEM_PATTERN, max_length=MAX_SYSTEM_LENGTH)
    ] = Field(
        description="The code system as an absolute URI, e.g. `http://snomed.info/sct` "
        "(SNOMED CT), `http://www.ama-assn.org/go/cpt` (CPT), "
        "`http://www.nlm.nih.gov/research/umls/rxnorm` (RxNorm), `http://www.whocc.no/atc` (ATC)."
    )
    code: Annotated[
        str, StringConstraints(pattern=CODE_PATTERN, min_length=1, max_length=MAX_CODE_LENGTH)
    ] = Field(description="The code as the system defines it.")
    display: ShortText = Field(default="", description="The system's display text, if given.")

    @field_validator("system", mode="before")
    @classmethod
    def _system_uri(cls, value: Any) -> Any:
        # Before the pattern, so that the message says how to write one.
        problem = system_problem(value) if isinstance(value, str) else None
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        problem = code_problem(value) if isinstance(value, str) else None
        if problem is not None:
            raise ValueError(problem)
        return value


def _distinct_codes(codes: list[Coding]) -> list[Coding]:
    seen = set()
    for coding in codes:
        key = (coding.system, coding.code)
        if key in seen:
            raise ValueError(f"The code {coding.system}|{coding.code} is listed twice; keep one.")
        seen.add(key)
    return codes


Codes = Annotated[list[Coding], Field(max_length=MAX_CODES), AfterValidator(_distinct_codes)]


def _check_range(low: float | None, high: float | None, what: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"The {what} minimum ({low}) is larger than its maximum ({high}); swap.")


class CategoryRef(Part):
    """The category a treatment belongs to."""

    slug: CategorySlug
    name: Annotated[
        str, StringConstraints(min_length=1, max_length=120), AfterValidator(checked_text)
    ]


class ClassificationPart(Part):
    """What kind of treatment it is and whose tissue it uses."""

    kind: Classification
    tissue_source: TissueSource = TissueSource.NOT_APPLICABLE
    possible_tissue_sources: list[TissueSource] = Field(default_factory=list, max_length=3)
    note: LongText = ""


class MechanismNotePart(Part):
    """One component of how the treatment works."""

    subject: ShortText
    text: LongText


class ComparisonPart(Part):
    """How the treatment differs from another option."""

    compared_with: ShortText
    difference: LongText
    onset_difference: LongText = ""


class Quantity(Part):
    """An amount as a value or range, possibly approximate ("approximately 10 cc")."""

    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    unit: QuantityUnit
    approximate: bool = False
    of: ShortText = ""

    @field_validator("min", "max")
    @classmethod
    def _unsigned_zero(cls, value: float | None) -> float | None:
        # -0.0 passes ge=0 but databases store it as 0.0: keep one zero, so content hashes
        # (what "nothing changed" compares) survive a trip through the rows.
        return None if value is None else value + 0.0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("Give at least one of min and max, or leave the quantity out.")
        _check_range(self.min, self.max, "quantity")
        return self


class TimeRange(Part):
    """A range of time; a missing end is open."""

    min: Count | None = None
    max: Count | None = None
    unit: TimeUnit
    approximate: bool = Field(
        default=False, description='(1.1) The source gives it as approximate ("about 10 minutes").'
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_range(self.min, self.max, "time range")
        return self


class TimeSpan(Part):
    """(1.1) A single length of time, e.g. a minimum interval of 3 months."""

    value: Count
    unit: TimeUnit


class _UcumAmount(Part):
    """A value or range on a UCUM unit, possibly approximate; decimals allowed."""

    min: float | None = Field(default=None, description="The value, or the low end of a range.")
    max: float | None = Field(default=None, description="The value, or the high end of a range.")
    unit: str
    unit_display: ShortText = Field(
        default="",
        description='How the unit is shown after a number ("°C", "mL"; "" for a plain count): '
        "derived from `unit`, so it may be left out.",
    )
    approximate: bool = Field(default=False, description='The source says "about".')

    @field_validator("min", "max")
    @classmethod
    def _unsigned_zero(cls, value: float | None) -> float | None:
        return None if value is None else value + 0.0  # one zero (see Quantity)

    @model_validator(mode="after")
    def _valid_for_the_unit(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("Give at least one of min and max, or leave the quantity out.")
        _check_range(self.min, self.max, "quantity")
        unit = UNITS[self.unit]
        for value in (self.min, self.max):
            if value is not None and value < unit.lowest:
                raise ValueError(f"A value in `{self.unit}` cannot be below {unit.lowest:g}.")
            if value is not None and unit.whole_numbers and not value.is_integer():
                raise ValueError(f"A count (`{self.unit}`) is a whole number.")
        if self.unit_display and self.unit_display != unit.display:
            raise ValueError(
                f"`unit_display` of `{self.unit}` is {unit.display!r}; leave it out and it is "
                "derived."
            )
        self.unit_display = unit.display
        return self


class UcumQuantity(_UcumAmount):
    """(1.2) An amount on a UCUM unit: a temperature, length, mass, volume or count."""

    unit: UcumUnit = Field(description="The UCUM code (unitsofmeasure.org), e.g. `Cel`, `mL`.")
    of: ShortText = Field(default="", description='What is measured, e.g. "bone marrow".')

    def dimension(self) -> Dimension:
        return UNITS[self.unit].dimension

    def as_1_0(self) -> "Quantity | None":
        """The 1.0 form of this amount, or None when 1.0's units cannot say it."""
        unit = TO_QUANTITY_UNIT.get(self.unit)
        if unit is None:
            return None
        return Quantity(
            min=self.min,
            max=self.max,
            unit=QuantityUnit(unit),
            approximate=self.approximate,
            of=self.of,
        )


class UcumDuration(_UcumAmount):
    """(1.2) A length of time (or a range) on a UCUM time unit, seconds and decimals allowed."""

    unit: UcumTimeUnit = Field(description="`s`, `min`, `h`, `d`, `wk`, `mo` or `a` (years).")

    def as_1_0(self) -> "TimeRange | None":
        """The 1.0 form (whole minutes to years), or None when 1.0 cannot say it."""
        unit = TO_TIME_UNIT.get(self.unit)
        ends = [v for v in (self.min, self.max) if v is not None]
        if unit is None or not all(v.is_integer() and v <= 1_000_000 for v in ends):
            return None
        low, high = (None if v is None else int(v) for v in (self.min, self.max))
        return TimeRange(min=low, max=high, unit=TimeUnit(unit), approximate=self.approximate)


def _same_as_1_0(new: Any, old: Any, names: tuple[str, str]) -> Any:
    """The 1.0 field beside a 1.2 one: derived from it when left empty, else the same."""
    if new is None:
        return old
    derived = new.as_1_0()
    if old is None or old == derived:
        return derived
    raise ValueError(
        f"`{names[0]}` must state what `{names[1]}` states"
        + (" (1.0 cannot say it); leave it empty." if derived is None else ", or be left empty.")
    )


class StepPart(Part):
    """One step of the procedure; steps are in the order of the list."""

    title: ShortText
    detail: LongText
    quantity: Quantity | None = None
    duration: TimeRange | None = None
    duration_wording: ShortText = ""
    performer: ShortText = ""
    guidance: ShortText = ""
    body_site: ShortText = ""
    optional: bool = Field(
        default=False, description="(1.1) The step is done only in some cases, not always."
    )
    guidance_optional: bool = Field(
        default=False,
        description='(1.1) The guidance may be used ("ultrasound may be used"), not always.',
    )
    quantity_ucum: UcumQuantity | None = Field(
        default=None,
        description="(1.2) The step's amount on a UCUM unit, e.g. a temperature applied to "
        "tissue. `quantity` then holds the same amount where 1.0's units can say it.",
    )
    duration_ucum: UcumDuration | None = Field(
        default=None,
        description="(1.2) How long the step takes, in seconds to years, decimals allowed. "
        "`duration` then holds the same where 1.0 can say it (whole minutes to years).",
    )

    @model_validator(mode="after")
    def _1_0_forms_follow(self) -> Self:
        if self.quantity_ucum is not None and self.quantity_ucum.dimension() == Dimension.TIME:
            raise ValueError("A length of time is a duration: give it as `duration_ucum`.")
        self.quantity = _same_as_1_0(
            self.quantity_ucum, self.quantity, ("quantity", "quantity_ucum")
        )
        self.duration = _same_as_1_0(
            self.duration_ucum, self.duration, ("duration", "duration_ucum")
        )
        return self


class ProcedurePart(Part):
    """Who performs the procedure, how it is guided, and its ordered steps."""

    performer: ShortText = ""
    imaging_guidance: ShortText = ""
    imaging_guidance_optional: bool = Field(
        default=False, description="(1.1) The imaging guidance may be used, not always."
    )
    anaesthesia_note: LongText = ""
    intro: LongText = ""
    steps: list[StepPart] = Field(default_factory=list, max_length=MAX_ITEMS)


class Likelihood(Part):
    """How likely a risk is: a standard band and the source's own words."""

    band: LikelihoodBand
    basis: LikelihoodBasis = LikelihoodBasis.QUALITATIVE
    wording: ShortText = ""


class RiskPart(Part):
    """A possible complication."""

    name: ShortText
    description: LongText
    likelihood: Likelihood
    seriousness: Seriousness = Seriousness.NOT_STATED
    resolves_within: TimeRange | None = None
    resolves_wording: ShortText = ""
    population: ShortText = Field(
        default="",
        description='(1.1) Who the risk applies to, e.g. "people with diabetes"; empty: everyone.',
    )
    codes: Codes = Field(default_factory=list, description="(1.1) Codes of the risk.")


class RisksPart(Part):
    """The overall risk statement and each risk."""

    level_wording: ShortText = ""
    statement: LongText = ""
    items: list[RiskPart] = Field(default_factory=list, max_length=MAX_ITEMS)


class Window(Part):
    """A time window [start, end) relative to the procedure; negative is before it."""

    start: int = Field(default=0, ge=-100_000, le=100_000)
    end: int | None = Field(default=None, ge=-100_000, le=100_000)
    unit: TimeUnit
    at_least: bool = False
    calendar_days: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end is not None and self.start > self.end:
            raise ValueError(f"The window ends ({self.end}) before it starts ({self.start}).")
        if self.calendar_days and self.unit != TimeUnit.DAY:
            raise ValueError("Calendar-day windows must use the unit 'day'.")
        return self


class Condition(Part):
    """When a rule applies."""

    code: RuleCondition = RuleCondition.ALWAYS
    text: MediumText = ""

    @model_validator(mode="after")
    def _described(self) -> Self:
        if self.code == RuleCondition.OTHER and not self.text:
            raise ValueError("A condition of code 'other' needs a text that describes it.")
        return self


class MedicationRef(Part):
    """(1.1) The drug or drug class a medication rule is about."""

    name: ShortText = Field(default="", description='A drug, e.g. "aspirin".')
    drug_class: ShortText = Field(
        default="", description='A drug class, e.g. "anti-inflammatory medicines".'
    )
    codes: Codes = Field(default_factory=list, description="Codes of the drug or class.")

    @model_validator(mode="after")
    def _named(self) -> Self:
        if not self.name and not self.drug_class:
            raise ValueError("Name the drug, its class or both, or leave the medication out.")
        return self


class RecoveryRulePart(Part):
    """What to avoid, limit or resume, and when."""

    activity: ActivityKind
    activity_label: ShortText
    restriction: RestrictionKind
    window: Window
    condition: Condition = Field(default_factory=Condition)
    patient_text: LongText
    medication: MedicationRef | None = Field(
        default=None,
        description="(1.1) The drug or class a rule of activity `medication` is about.",
    )

    @model_validator(mode="after")
    def _medication_rule(self) -> Self:
        if self.medication is not None and self.activity != ActivityKind.MEDICATION:
            raise ValueError(
                "Only a rule whose activity is 'medication' can name a medication; "
                "set activity to 'medication' or remove medication."
            )
        return self


class TimelineRange(Part):
    """An expected range that may be open at either end and worded vaguely by the source."""

    min: Count | None = None
    max: Count | None = None
    unit: TimeUnit
    open_ended: bool = False
    wording: ShortText = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_range(self.min, self.max, "timeline range")
        if self.open_ended and self.max is not None:
            raise ValueError("An open-ended range has no maximum; remove max or open_ended.")
        return self


class TimelineEventPart(Part):
    """An expected milestone after the procedure."""

    kind: TimelineEventKind
    label: ShortText
    range: TimelineRange
    qualifier: ShortText = ""
    varies_between_people: bool = False
    patient_text: LongText
    milestone: TimelineMilestone | None = Field(
        default=None,
        description="(1.1) For an onset event: whether it is the first improvement or the "
        "full effect. Without it, an onset event is when the effect is first noticed.",
    )

    @model_validator(mode="after")
    def _milestone_of_onset(self) -> Self:
        if self.milestone is not None and self.kind != TimelineEventKind.ONSET:
            raise ValueError("Only an event of kind 'onset' has a milestone; remove milestone.")
        return self


class SessionCount(Part):
    """How many sessions, as a range."""

    min: int | None = Field(default=None, ge=1, le=1000)
    max: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("Give at least one of min and max, or leave the session count out.")
        _check_range(self.min, self.max, "session count")
        return self


class FrequencyLimit(Part):
    """(1.1) At most so many sessions in a period, e.g. 3 sessions per 1 year."""

    max_sessions: int = Field(ge=1, le=1000)
    period: int = Field(ge=1, le=100_000)
    period_unit: TimeUnit


class CoursePart(Part):
    """The recommended course of treatment."""

    sessions: SessionCount | None = None
    interval: TimeRange | None = None
    evidence_qualifier: ShortText = ""
    text: LongText = ""
    frequency_limit: FrequencyLimit | None = Field(
        default=None, description="(1.1) The most sessions allowed in a period."
    )
    minimum_interval: TimeSpan | None = Field(
        default=None, description="(1.1) The shortest time allowed between two sessions."
    )
    repeat_interval: UcumDuration | None = Field(
        default=None,
        description="(1.2) The time before the whole course (a series of sessions) may be "
        "repeated; not the time between its sessions (`interval`, `minimum_interval`) nor the "
        "most sessions in a period (`frequency_limit`).",
    )


NonEmptyLongText = Annotated[
    str, StringConstraints(min_length=1, max_length=10_000), AfterValidator(checked_text)
]


class ContraindicationPart(Part):
    """(1.1) A contraindication: what rules the treatment out, how strictly, and its codes."""

    text: NonEmptyLongText
    kind: ContraindicationKind = ContraindicationKind.NOT_STATED
    codes: Codes = Field(default_factory=list)


class WarningSignPart(Part):
    """(1.1) A warning sign: what to look out for, what to do and how urgently."""

    text: NonEmptyLongText
    action: MediumText = Field(default="", description='What to do, e.g. "Call 999".')
    urgency: WarningUrgency = WarningUrgency.NOT_STATED


def _texts_of(items: list[Any], texts: list[str], field: str) -> list[str]:
    """The string list a structured list implies; a different non-empty one is an error."""
    derived = [item.text for item in items]
    if items and texts and texts != derived:
        raise ValueError(
            f"`{field}` must hold the texts of `{field.removesuffix('s')}_items` in the same "
            "order (1.0 readers read it); leave it empty and it is derived."
        )
    return derived if items else texts


class SafetyPart(Part):
    """Contraindications and warning signs; empty where the source says nothing."""

    contraindications: list[LongText] = Field(default_factory=list, max_length=MAX_ITEMS)
    warning_signs: list[LongText] = Field(default_factory=list, max_length=MAX_ITEMS)
    contraindication_items: list[ContraindicationPart] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="(1.1) The contraindications in structure; `contraindications` then "
        "holds their texts in the same order.",
    )
    warning_sign_items: list[WarningSignPart] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="(1.1) The warning signs in structure; `warning_signs` then holds their "
        "texts in the same order.",
    )

    @model_validator(mode="after")
    def _string_lists_follow(self) -> Self:
        self.contraindications = _texts_of(
            self.contraindication_items, self.contraindications, "contraindications"
        )
        self.warning_signs = _texts_of(self.warning_sign_items, self.warning_signs, "warning_signs")
        return self


class CallToActionPart(Part):
    """What the source invites the reader to do next."""

    text: LongText = ""
    label: ShortText = ""


class ReviewPart(Part):
    """Clinical review metadata."""

    reviewer: ShortText = ""
    last_reviewed_on: dt.date | None = None
    next_review_due: dt.date | None = None
    note: LongText = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if (
            self.last_reviewed_on
            and self.next_review_due
            and self.next_review_due < self.last_reviewed_on
        ):
            raise ValueError("next_review_due is before last_reviewed_on; correct either date.")
        if self.last_reviewed_on and self.last_reviewed_on > latest_today():
            raise ValueError(
                "last_reviewed_on is in the future; give the date the review was done "
                "(today or earlier)."
            )
        return self


def latest_today() -> dt.date:
    """Today's date where it is latest on Earth (UTC+14): no review anywhere is later."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


class SourcePart(Part):
    """Where the content comes from."""

    title: TitleText
    publisher: ShortText = ""
    url: Url | None = None
    retrieved_on: dt.date | None = None
    note: LongText = ""


class LicencePart(Part):
    """Under which terms the content may be reused."""

    name: ShortText = ""
    url: Url | None = None


class MedicationPart(Part):
    """(1.1) A drug the treatment gives."""

    name: Annotated[
        str, StringConstraints(min_length=1, max_length=200), AfterValidator(checked_text)
    ] = Field(description='The drug, e.g. "lidocaine", or its kind as the source says it.')
    drug_class: ShortText = Field(default="", description='e.g. "corticosteroid".')
    role: MedicationRole = MedicationRole.NOT_STATED
    route: MedicationRoute = MedicationRoute.NOT_STATED
    codes: Codes = Field(default_factory=list, description="e.g. RxNorm or ATC codes.")
    dose_per_session: UcumQuantity | None = Field(
        default=None,
        description="(1.2) How much of it one session gives (a mass, volume or count).",
    )

    @model_validator(mode="after")
    def _dose_is_an_amount(self) -> Self:
        dose = self.dose_per_session
        if dose is not None and dose.dimension() not in _DOSE_DIMENSIONS:
            raise ValueError("A dose is a mass, a volume or a count; give one of their units.")
        return self


_DOSE_DIMENSIONS = {Dimension.MASS, Dimension.VOLUME, Dimension.COUNT}


class EligibilityCriterionPart(Part):
    """(1.2) A condition a person must meet to have the treatment (all of them must hold)."""

    kind: EligibilityKind
    explanation: NonEmptyLongText = Field(description="The source's own sentence.")
    subject: ShortText = Field(
        default="",
        description='The procedure, treatment or diagnosis named, e.g. "diagnostic nerve block".',
    )
    codes: Codes = Field(default_factory=list, description="Codes of the subject.")
    count: int | None = Field(
        default=None, ge=1, le=1000, description='How many, e.g. 2 in "at least 2 blocks".'
    )
    count_relation: CountRelation | None = Field(
        default=None, description="How `count` compares; given with `count` and only then."
    )
    outcome: CriterionOutcome = Field(
        default=CriterionOutcome.NOT_STATED,
        description='For a prior procedure, how it must have gone ("successful").',
    )
    quantity: UcumQuantity | None = Field(
        default=None,
        description="An amount the criterion states: the age range (kind `age`, a time unit), "
        'how long ("for at least 6 weeks": min 6 `wk`), or a measure ("50 % relief").',
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.count is None) != (self.count_relation is None):
            raise ValueError("Give `count` and `count_relation` together, or neither.")
        if self.kind == EligibilityKind.AGE and (
            self.quantity is None or self.quantity.dimension() != Dimension.TIME
        ):
            raise ValueError("An age criterion gives the age as `quantity` in a time unit (`a`).")
        if (
            self.outcome != CriterionOutcome.NOT_STATED
            and self.kind != EligibilityKind.PRIOR_PROCEDURE
        ):
            raise ValueError("Only a prior procedure has an outcome; remove outcome.")
        return self


class TreatmentContent(Part):
    """A treatment's content: what editors write, content files hold and export produces."""

    slug: Slug
    language: LanguageTag = Field(
        default=DEFAULT_LANGUAGE, description="The language of the text (BCP 47), e.g. `en`."
    )
    title: ShortText = Field(min_length=1)
    category: CategoryRef
    summary: MediumText = Field(min_length=1)
    overview: LongText = ""
    classification: ClassificationPart
    mechanism: list[MechanismNotePart] = Field(default_factory=list, max_length=MAX_ITEMS)
    comparisons: list[ComparisonPart] = Field(default_factory=list, max_length=MAX_ITEMS)
    procedure: ProcedurePart = Field(default_factory=ProcedurePart)
    risks: RisksPart = Field(default_factory=RisksPart)
    recovery_rules: list[RecoveryRulePart] = Field(default_factory=list, max_length=MAX_ITEMS)
    timeline: list[TimelineEventPart] = Field(default_factory=list, max_length=MAX_ITEMS)
    course: CoursePart = Field(default_factory=CoursePart)
    safety: SafetyPart = Field(default_factory=SafetyPart)
    call_to_action: CallToActionPart = Field(default_factory=CallToActionPart)
    review: ReviewPart = Field(default_factory=ReviewPart)
    sources: list[SourcePart] = Field(default_factory=list, max_length=MAX_ITEMS)
    attribution: LongText = ""
    licence: LicencePart = Field(default_factory=LicencePart)
    codes: Codes = Field(
        default_factory=list,
        description="(1.1) Codes of the treatment (SNOMED CT, CPT, HCPCS, ICD-10-PCS, ...).",
    )
    medications: list[MedicationPart] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="(1.1) The drugs it gives."
    )
    eligibility: list[EligibilityCriterionPart] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="(1.2) Who may have it: criteria that must all hold (e.g. earlier "
        "procedures, an age); empty where the source states none.",
    )


# 1.0 documents said only "1.0"; from 1.1 on any 1.x may appear (each additive to the last).
SchemaVersion = Annotated[
    str,
    StringConstraints(pattern=r"^1\.(0|[1-9][0-9]*)$", max_length=10),
    Field(
        description="The document schema version, `1.0`, `1.1` or `1.2` (revisions keep theirs)."
    ),
]


class DocumentLinks(Part):
    """Where the document and its history live in the API (paths relative to the host).

    Links are not part of a frozen revision: the API adds them when it serves a document.
    """

    self: str
    revision: str
    revisions: str


class FrozenDocument(TreatmentContent):
    """What a revision freezes: the content plus its publication metadata, and no URLs."""

    model_config = ConfigDict(title="FrozenTreatmentDocument")

    schema_version: SchemaVersion
    id: uuid.UUID
    revision: int = Field(ge=1)
    published_at: dt.datetime


class TranslationNote(Part):
    """Served with a translation: what it translates and whether its source changed since."""

    source_language: LanguageTag
    source_revision: int | None = Field(
        description="The source's revision this text translates (null: made from a draft)."
    )
    outdated: bool = Field(
        description="The source published another revision since: this text may say what the "
        "source no longer says. Prefer the source language where that matters."
    )


class LanguageFallback(Part):
    """Served when none of the languages asked for is published: which were asked for."""

    requested: list[LanguageTag] = Field(max_length=20)
    served: LanguageTag


def _served_only_when_it_applies(schema: dict[str, Any]) -> None:
    # Served only on some answers (a translation, a fallback): never a required key.
    schema["required"] = [
        name for name in schema.get("required", []) if name not in SERVED_WHEN_IT_APPLIES
    ]


SERVED_WHEN_IT_APPLIES = ("translation", "language_fallback")


class TreatmentDocument(FrozenDocument):
    """The published, versioned document of a treatment as served: frozen content plus links."""

    model_config = ConfigDict(
        title="TreatmentDocument", json_schema_extra=_served_only_when_it_applies
    )

    links: DocumentLinks
    translation: TranslationNote | None = Field(
        default=None,
        description="Present when the document is a translation (language negotiation).",
    )
    language_fallback: LanguageFallback | None = Field(
        default=None,
        description="Present when no language asked for (`?lang=`, `Accept-Language`) is "
        "published: the document is in its source language instead.",
    )


SCHEMAS_DIR = Path(__file__).parent / "schemas"


@functools.cache
def _frozen_schema(version: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (SCHEMAS_DIR / f"treatment-document-{version}.json").read_text(encoding="utf-8")
    )
    return data


# The versions whose JSON Schema is committed (schemas/): every one before the current.
EARLIER_VERSIONS = SCHEMA_VERSIONS[:-1]
ADDED_IN = "x-added-in"


def _part_in(version: str, name: str) -> dict[str, Any] | None:
    """The definition of part `name` in the committed schema of `version`, if it had one."""
    schema = _frozen_schema(version)
    defs = schema.get("$defs", {})
    assert isinstance(defs, dict)
    part = schema if name == schema.get("title") else defs.get(name)
    return part if isinstance(part, dict) else None


def version_history(name: str, definition: dict[str, Any]) -> None:
    """Mark in part `name` of the current schema what each later version added.

    - `x-added-in` on a part added after 1.0, and on each property added to a part after the
      version that introduced the part (so every field after 1.0 says, or its part says, when
      it came);
    - such properties leave `required`: every key the server sends is required (client
      generators need that), but a revision frozen under an earlier version keeps it and lacks
      what came later. A part is complete as of the version that introduced it.
    """
    history = [(v, part) for v in EARLIER_VERSIONS if (part := _part_in(v, name)) is not None]
    if not history or history[0][0] != "1.0":
        definition[ADDED_IN] = history[0][0] if history else SCHEMA_VERSION
    if not history:
        return
    properties = definition.get("properties", {})
    for prop, schema in properties.items():
        added = next(
            (v for v, part in history if prop in part.get("properties", {})), SCHEMA_VERSION
        )
        if added != history[0][0]:  # the part's own version is said once, on the part
            schema[ADDED_IN] = added
    if "required" in definition:
        first = set(history[0][1].get("properties", {}))
        required = [prop for prop in definition["required"] if prop in first]
        if required:
            definition["required"] = required
        else:
            del definition["required"]


@functools.cache
def document_parts() -> frozenset[str]:
    """The names of the parts (definitions) of the current document schema, its root included."""
    schema = TreatmentDocument.model_json_schema(mode="serialization")
    return frozenset({str(schema["title"]), *schema.get("$defs", {})})


def document_json_schema(version: str = SCHEMA_VERSION) -> dict[str, object]:
    """The JSON Schema (2020-12) of a published treatment document of `version`.

    Earlier versions come from the file committed when they were current, so they stay what
    their clients were generated from.
    """
    if version != SCHEMA_VERSION:
        return _frozen_schema(version)
    schema = TreatmentDocument.model_json_schema(mode="serialization")
    version_history(str(schema.get("title", "")), schema)
    for name, definition in schema.get("$defs", {}).items():
        version_history(name, definition)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:treatment-knowledge:treatment-document:{SCHEMA_VERSION}"
    return schema
