"""The contract of a treatment's content and published document, as pydantic models.

The same models validate content files, editor writes and every document before it is frozen,
and they produce the JSON Schema the API publishes, so the three can never disagree.
"""

import datetime as dt
import uuid
from typing import Annotated, Literal, Self

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
    LikelihoodBand,
    LikelihoodBasis,
    QuantityUnit,
    RestrictionKind,
    RuleCondition,
    Seriousness,
    TimelineEventKind,
    TimeUnit,
    TissueSource,
)

from .text import checked_text

SCHEMA_VERSION = "1.0"
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

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_range(self.min, self.max, "time range")
        return self


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


class ProcedurePart(Part):
    """Who performs the procedure, how it is guided, and its ordered steps."""

    performer: ShortText = ""
    imaging_guidance: ShortText = ""
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


class RecoveryRulePart(Part):
    """What to avoid, limit or resume, and when."""

    activity: ActivityKind
    activity_label: ShortText
    restriction: RestrictionKind
    window: Window
    condition: Condition = Field(default_factory=Condition)
    patient_text: LongText


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


class CoursePart(Part):
    """The recommended course of treatment."""

    sessions: SessionCount | None = None
    interval: TimeRange | None = None
    evidence_qualifier: ShortText = ""
    text: LongText = ""


class SafetyPart(Part):
    """Contraindications and warning signs; empty where the source says nothing."""

    contraindications: list[LongText] = Field(default_factory=list, max_length=MAX_ITEMS)
    warning_signs: list[LongText] = Field(default_factory=list, max_length=MAX_ITEMS)


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
        return self


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

    schema_version: Literal["1.0"]
    id: uuid.UUID
    revision: int = Field(ge=1)
    published_at: dt.datetime


class TreatmentDocument(FrozenDocument):
    """The published, versioned document of a treatment as served: frozen content plus links."""

    model_config = ConfigDict(title="TreatmentDocument")

    links: DocumentLinks


def document_json_schema() -> dict[str, object]:
    """The JSON Schema (2020-12) of a published treatment document."""
    schema = TreatmentDocument.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:treatment-knowledge:treatment-document:{SCHEMA_VERSION}"
    return schema
