"""The personal recovery plan: a frozen document's rules, timeline and course on a calendar.

A pure function of the published document, the procedure's local date-time, the patient's time
zone and the answers to the document's conditions. It re-expresses what the content says and
nothing more: where the content gives no numbers, the plan gives no dates.

How windows become dates (a rule's window is [start, end) in `unit`, relative to the procedure;
negative is before it; a missing end is open):

- minutes, hours, days and weeks count elapsed time from the procedure instant, in UTC: "at
  least 72 hours" is 72 real hours even when the clocks change in between;
- `calendar_days` windows count the patient's calendar days, day 0 being the day of the
  procedure: day 0 starts at the procedure, any other day at its local midnight ("the day of
  the injection" ends at the next local midnight, "the next day" starts there);
- months and years are calendar arithmetic on the local wall-clock time (dateutil's
  relativedelta: 31 January + 1 month is 28 February);
- timeline ranges and course intervals in days or longer become date ranges (calendar days from
  the day of the procedure); in minutes or hours, elapsed time as for rules.

A wall-clock time that the clocks skip (a computed time, never the procedure's own) moves
forward by the gap, and one they repeat means its first occurrence, as RFC 5545 reads them.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta

from treatments.choices import RestrictionKind, RuleCondition, TimeUnit

from .plan_inputs import (
    ELAPSED_UNITS,
    QUESTIONS,
    TIMED_RANGE_UNITS,
    Kind,
    ProcedureTime,
    Status,
    wall_time,
)


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first instant of a local calendar day."""
    return wall_time(dt.datetime.combine(day, dt.time()), tz)


def _after(procedure: ProcedureTime, amount: int, unit: str) -> dt.datetime:
    """The instant `amount` units after the procedure: elapsed time, or calendar months/years."""
    if unit in ELAPSED_UNITS:
        delta = dt.timedelta(**{ELAPSED_UNITS[unit]: amount})
        return (procedure.utc + delta).astimezone(procedure.tz)
    months = amount * (12 if unit == TimeUnit.YEAR else 1)
    return wall_time(
        procedure.local.replace(tzinfo=None) + relativedelta(months=months), procedure.tz
    )


def _day_after(day: dt.date, amount: int, unit: str) -> dt.date:
    """The calendar day `amount` units after `day` (days, weeks, months or years)."""
    if unit == TimeUnit.DAY:
        return day + dt.timedelta(days=amount)
    if unit == TimeUnit.WEEK:
        return day + dt.timedelta(weeks=amount)
    return day + relativedelta(months=amount * (12 if unit == TimeUnit.YEAR else 1))


BEYOND = "This date is beyond what a calendar can show, so the plan leaves it open."


@dataclass
class Timing:
    """Where an item falls: instants, and the calendar days for all-day items."""

    dated: bool = False
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None
    all_day: bool = False
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    basis: str | None = None
    notes: list[str] = field(default_factory=list)


def _rule_timing(window: dict[str, Any], procedure: ProcedureTime) -> Timing:
    start, end, unit = window["start"], window.get("end"), window["unit"]
    tz = procedure.tz
    try:
        if window.get("calendar_days"):
            first = procedure.day + dt.timedelta(days=start)
            timing = Timing(dated=True, all_day=True, first_day=first, basis="calendar_days")
            timing.starts = procedure.local if start == 0 else _midnight(first, tz)
        else:
            basis = "elapsed" if unit in ELAPSED_UNITS else "calendar_months"
            timing = Timing(dated=True, starts=_after(procedure, start, unit), basis=basis)
    except (OverflowError, ValueError):
        return Timing(notes=[BEYOND])
    if end is None:
        return timing
    try:
        if timing.all_day and timing.first_day and timing.starts:
            # An empty window ([0, 0) in calendar days) stays empty rather than running backwards.
            timing.last_day = max(procedure.day + dt.timedelta(days=end - 1), timing.first_day)
            timing.ends = max(_midnight(procedure.day + dt.timedelta(days=end), tz), timing.starts)
        else:
            timing.ends = _after(procedure, end, unit)
    except (OverflowError, ValueError):
        timing.notes.append(BEYOND)
    return timing


def _range_timing(low: int | None, high: int | None, unit: str, procedure: ProcedureTime) -> Timing:
    """A range after the procedure: timed in minutes or hours, otherwise calendar days."""
    if low is None and high is None:
        return Timing()
    try:
        if unit in TIMED_RANGE_UNITS:
            timing = Timing(dated=True, starts=_after(procedure, low or 0, unit), basis="elapsed")
            if high is not None:
                timing.ends = _after(procedure, high, unit)
            return timing
        first = _day_after(procedure.day, low or 0, unit)
        timing = Timing(
            dated=True,
            all_day=True,
            first_day=first,
            starts=_midnight(first, procedure.tz),
            basis="calendar_days",
        )
        if high is not None:
            timing.last_day = _day_after(procedure.day, high, unit)
            timing.ends = _midnight(timing.last_day + dt.timedelta(days=1), procedure.tz)
    except (OverflowError, ValueError):
        return Timing(notes=[BEYOND])
    return timing


# -- The plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionState:
    """A rule's condition and what the answers make of it."""

    code: str
    text: str
    status: Status
    label: str | None
    reason: str | None


@dataclass(frozen=True)
class PlanItem:
    """One rule, milestone or suggested session, dated where the content allows it."""

    kind: Kind
    id: str
    title: str
    patient_text: str
    timing: Timing
    open_ended: bool
    phase: str | None = None
    activity: str | None = None
    activity_label: str | None = None
    restriction: str | None = None
    at_least: bool = False
    window: dict[str, Any] | None = None
    condition: ConditionState | None = None
    milestone_kind: str | None = None
    range: dict[str, Any] | None = None
    qualifier: str | None = None
    wording: str | None = None
    varies_between_people: bool | None = None
    session: dict[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    """A document's recovery plan for one procedure time, zone and set of answers."""

    treatment_id: str
    slug: str
    title: str
    revision: int
    published_at: dt.datetime
    language: str | None
    attribution: str
    licence: dict[str, Any]
    review: dict[str, Any]
    procedure: ProcedureTime
    answers: dict[str, bool | None]
    questions: list[dict[str, Any]]
    items: list[PlanItem]
    excluded: list[PlanItem]
    course: dict[str, Any]


def _condition(rule: dict[str, Any], answers: dict[str, bool | None]) -> ConditionState:
    condition = rule.get("condition") or {}
    code, text = condition.get("code", RuleCondition.ALWAYS.value), condition.get("text", "")
    if code == RuleCondition.ALWAYS:
        return ConditionState(code, text, "applies", None, None)
    if text:
        label = "Applies " + text if text.lower().startswith("if ") else f"Applies if {text}"
    else:
        label = str(RuleCondition(code).label)
    parameter = next((p for p, c in QUESTIONS.items() if c == code), None)
    given = answers.get(parameter) if parameter else None
    if given is None:
        return ConditionState(code, text, "applies_if", label, None)
    if given:
        return ConditionState(code, text, "applies", label, None)
    reason = f"You answered {parameter}=no; this rule applies only {text or label.lower()}."
    return ConditionState(code, text, "excluded", label, reason)


def _numbered(base: str, seen: dict[str, int]) -> str:
    """A stable item id: the base, and a counter for the second and later of the same base."""
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"


def _rules(
    document: dict[str, Any], procedure: ProcedureTime, answers: dict[str, bool | None]
) -> list[PlanItem]:
    seen: dict[str, int] = {}
    items = []
    for rule in document.get("recovery_rules", []):
        window = rule["window"]
        restriction = rule["restriction"]
        items.append(
            PlanItem(
                kind="rule",
                id=_numbered(f"rule:{rule['activity']}:{restriction}", seen),
                title=f"{RestrictionKind(restriction).label}: {rule['activity_label']}",
                patient_text=rule["patient_text"],
                timing=_rule_timing(window, procedure),
                open_ended=window.get("end") is None,
                phase="preparation" if window["start"] < 0 else "recovery",
                activity=rule["activity"],
                activity_label=rule["activity_label"],
                restriction=restriction,
                at_least=bool(window.get("at_least")),
                window=window,
                condition=_condition(rule, answers),
            )
        )
    return items


def _milestones(document: dict[str, Any], procedure: ProcedureTime) -> list[PlanItem]:
    seen: dict[str, int] = {}
    items = []
    for event in document.get("timeline", []):
        span = event["range"]
        timing = _range_timing(span.get("min"), span.get("max"), span["unit"], procedure)
        if not timing.dated and not timing.notes:
            words = f" ('{span['wording']}')" if span.get("wording") else ""
            timing.notes.append(f"The content gives no numbers{words}, so the plan gives no dates.")
        items.append(
            PlanItem(
                kind="milestone",
                id=_numbered(f"milestone:{event['kind']}", seen),
                title=event["label"],
                patient_text=event["patient_text"],
                timing=timing,
                open_ended=bool(span.get("open_ended"))
                or (timing.dated and span.get("max") is None),
                milestone_kind=event["kind"],
                range=span,
                qualifier=event.get("qualifier", ""),
                wording=span.get("wording", ""),
                varies_between_people=bool(event.get("varies_between_people")),
            )
        )
    return items


def _course(
    document: dict[str, Any], procedure: ProcedureTime
) -> tuple[dict[str, Any], list[PlanItem]]:
    course = document.get("course") or {}
    sessions, interval = course.get("sessions"), course.get("interval")
    summary = {
        "sessions": sessions,
        "interval": interval,
        "evidence_qualifier": course.get("evidence_qualifier", ""),
        "text": course.get("text", ""),
        "sessions_dated": False,
        "note": "",
    }
    count = (sessions or {}).get("max") or (sessions or {}).get("min")
    if not interval or (interval.get("min") is None and interval.get("max") is None):
        if count and count > 1:
            summary["note"] = (
                "The content gives no interval between sessions, so the plan suggests no "
                "session dates."
            )
        return summary, []
    if not count:
        summary["note"] = (
            "The content gives no number of sessions, so the plan suggests no session dates."
        )
        return summary, []
    items = []
    low, high, unit = interval.get("min"), interval.get("max"), interval["unit"]
    for number in range(2, count + 1):
        steps = number - 1
        timing = _range_timing(
            None if low is None else low * steps,
            None if high is None else high * steps,
            unit,
            procedure,
        )
        items.append(
            PlanItem(
                kind="session",
                id=f"session:{number}",
                title=f"Session {number}: suggested window",
                patient_text=course.get("text", ""),
                timing=timing,
                open_ended=high is None,
                session={"number": number, **{k: (sessions or {}).get(k) for k in ("min", "max")}},
            )
        )
    summary["sessions_dated"] = bool(items)
    summary["note"] = (
        "Session 1 is the procedure. Each later session's window adds the interval between "
        "sessions once per session."
        if items
        else ""
    )
    return summary, items


def recovery_plan(
    document: dict[str, Any], *, procedure: ProcedureTime, answers: dict[str, bool | None]
) -> Plan:
    """The plan of a published document for a procedure time and the answers given."""
    answers = {parameter: answers.get(parameter) for parameter in QUESTIONS}
    rules = _rules(document, procedure, answers)
    asked = {rule.condition.code for rule in rules if rule.condition}
    questions = [
        {"parameter": parameter, "condition": code, "answer": answers[parameter]}
        for parameter, code in QUESTIONS.items()
        if code in asked
    ]
    course, sessions = _course(document, procedure)
    excluded = [r for r in rules if r.condition and r.condition.status == "excluded"]
    review = document.get("review") or {}
    return Plan(
        treatment_id=str(document["id"]),
        slug=document["slug"],
        title=document["title"],
        revision=document["revision"],
        published_at=dt.datetime.fromisoformat(document["published_at"]),
        language=document.get("language"),
        attribution=document.get("attribution", ""),
        licence=document.get("licence") or {"name": "", "url": None},
        review={
            "last_reviewed_on": review.get("last_reviewed_on"),
            "next_review_due": review.get("next_review_due"),
        },
        procedure=procedure,
        answers=answers,
        questions=questions,
        items=[
            *(r for r in rules if r not in excluded),
            *_milestones(document, procedure),
            *sessions,
        ],
        excluded=excluded,
        course=course,
    )


# -- JSON ------------------------------------------------------------------------------------------
