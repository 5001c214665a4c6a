"""Response bodies of the recovery plan (pydantic: they document themselves in OpenAPI)."""

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from treatments.choices import ActivityKind, RestrictionKind, RuleCondition, TimelineEventKind
from treatments.documents.schema import (
    SERVED_WHEN_IT_APPLIES,
    LanguageFallback,
    LicencePart,
    SessionCount,
    TimelineRange,
    TimeRange,
    TranslationNote,
    Window,
)

YesNo = Literal["yes", "no"]


class Strict(BaseModel):
    """A response part whose fields are all documented: an undocumented key is a bug."""

    model_config = ConfigDict(extra="forbid")


class PlanInstant(Strict):
    """One instant, in the patient's time zone and in UTC."""

    local: dt.datetime = Field(
        description="ISO 8601 with the zone's offset at that instant, e.g. "
        "`2026-03-10T10:30:00-04:00`."
    )
    utc: dt.datetime = Field(description="The same instant in UTC, e.g. `2026-03-10T14:30:00Z`.")


class PlanDays(Strict):
    """The calendar days an all-day item covers, both included."""

    first: dt.date
    last: dt.date | None = Field(description="null: open-ended, no last day given.")


class PlanCondition(Strict):
    """A rule's condition and what the answers make of it."""

    code: RuleCondition
    text: str = Field(description="The condition as the content words it.")
    status: Literal["applies", "applies_if", "excluded"] = Field(
        description="`applies`: unconditional, or its question answered yes. `applies_if`: its "
        "question was not answered (or cannot be, code `other`); shown, never dropped. "
        "`excluded`: answered no (the rule is then listed in `excluded`)."
    )
    label: str | None = Field(description='e.g. "Applies if you have had any form of anesthesia".')
    reason: str | None = Field(description="Why the rule is excluded (status `excluded` only).")


class PlanSession(Strict):
    """Which session a suggested window is for."""

    number: int = Field(description="2 for the second session; session 1 is the procedure.")
    min: int | None = Field(description="The content's minimum number of sessions.")
    max: int | None = Field(description="The content's maximum number of sessions.")


class PlanItem(Strict):
    """One recovery or preparation rule, timeline milestone or suggested session, dated."""

    kind: Literal["rule", "milestone", "session"]
    id: str = Field(
        description="Stable across revisions, e.g. `rule:running:avoid`, `milestone:onset`, "
        "`session:2` (a second rule for the same activity and restriction ends in `-2`)."
    )
    title: str = Field(description='e.g. "Avoid: running or jogging" or the milestone label.')
    patient_text: str = Field(description="The content's text for the patient.")
    phase: Literal["preparation", "recovery"] | None = Field(
        description="Rules: `preparation` when the window starts before the procedure."
    )
    activity: ActivityKind | None
    activity_label: str | None
    restriction: RestrictionKind | None
    at_least: bool = Field(description='The window is a minimum ("for at least 72 hours").')
    condition: PlanCondition | None = Field(description="Rules only.")
    dated: bool = Field(
        description='false when the content gives no numbers (e.g. "within a few hours"): '
        "no dates are made up; `notes` says why."
    )
    basis: Literal["elapsed", "calendar_days", "calendar_months"] | None = Field(
        description="How the dates were computed: `elapsed` time from the procedure instant "
        "(in UTC, so DST changes do not shorten or lengthen it); `calendar_days` in the "
        "patient's zone (day 0 is the day of the procedure, other days start at local "
        "midnight); `calendar_months` (months and years on the local wall clock)."
    )
    all_day: bool = Field(description="Calendar-day items; `days` lists the days they cover.")
    starts: PlanInstant | None = Field(description="null when undated.")
    ends: PlanInstant | None = Field(
        description="Exclusive end. null when the content gives no end (`open_ended`) or no dates."
    )
    days: PlanDays | None = Field(description="All-day items only.")
    open_ended: bool = Field(description="The content gives no end: the item stays open.")
    notes: list[str] = Field(description="Why an item has no dates or no end, if so.")
    window: Window | None = Field(description="Rules: the window as the content gives it.")
    milestone_kind: TimelineEventKind | None
    range: TimelineRange | None = Field(
        description="Milestones: the range as the content gives it."
    )
    qualifier: str | None = Field(description='Milestones: e.g. "typically".')
    wording: str | None = Field(
        description='Milestones: the source\'s words, e.g. "several months".'
    )
    varies_between_people: bool | None
    session: PlanSession | None = Field(description="Suggested sessions only.")


class PlanTreatment(Strict):
    """Which treatment the plan is for."""

    id: uuid.UUID
    slug: str
    title: str


class PlanReview(Strict):
    """The clinical review dates of the document the plan was computed from."""

    last_reviewed_on: dt.date | None
    next_review_due: dt.date | None


class PlanQuestion(Strict):
    """A condition of this document that a query parameter answers, and the answer given."""

    parameter: Literal["anaesthesia", "sedation"]
    condition: RuleCondition
    answer: YesNo | None


class PlanAnswers(Strict):
    """Every answerable condition and the answer given (null: not answered)."""

    anaesthesia: YesNo | None
    sedation: YesNo | None


class PlanCourse(Strict):
    """The recommended course, and whether the plan could date its sessions."""

    sessions: SessionCount | None
    interval: TimeRange | None
    evidence_qualifier: str
    text: str
    sessions_dated: bool = Field(
        description="false when the content gives no interval (or no count): no session "
        "dates are suggested, and `note` says so."
    )
    note: str


class PlanLinks(Strict):
    """Where the plan, its calendar and its source document live."""

    self: str
    calendar: str = Field(description="The same plan as iCalendar (.ics).")
    treatment: str
    revision: str = Field(description="The revision the plan was computed from.")


def _served_only_when_it_applies(schema: dict[str, Any]) -> None:
    # The language notes are served only on some answers: never a required key.
    required = schema.get("required", [])
    schema["required"] = [name for name in required if name not in SERVED_WHEN_IT_APPLIES]


class RecoveryPlan(Strict):
    """A personal recovery plan: a published document's rules and timeline on a calendar."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_served_only_when_it_applies)

    treatment: PlanTreatment
    revision: int = Field(description="The revision the plan was computed from.")
    published_at: dt.datetime
    language: str | None = Field(description="The document's language (BCP 47).")
    attribution: str
    licence: LicencePart
    review: PlanReview
    tz: str = Field(description="The patient's IANA time zone.")
    procedure_at: PlanInstant
    answers: PlanAnswers
    questions: list[PlanQuestion] = Field(
        description="The questions this document's rules depend on: ask the patient these."
    )
    items: list[PlanItem] = Field(
        description="Included rules, then milestones, then suggested sessions, in content order."
    )
    excluded: list[PlanItem] = Field(description="Rules excluded by an answer, with the reason.")
    course: PlanCourse
    links: PlanLinks
    translation: TranslationNote | None = Field(
        default=None,
        description="Present when the plan is made from a translation (language negotiation, "
        "as on the document URL): what it translates and whether its source changed since.",
    )
    language_fallback: LanguageFallback | None = Field(
        default=None,
        description="Present when no language asked for (`?lang=`, `Accept-Language`) is "
        "published: the plan is made from the source language instead.",
    )
