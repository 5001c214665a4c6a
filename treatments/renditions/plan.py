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
import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from treatments.choices import RestrictionKind, RuleCondition, TimeUnit

# The query parameter that answers each condition a patient can answer. `other` has none: its
# rules are always shown as "applies if <the condition's text>".
QUESTIONS: dict[str, str] = {
    "anaesthesia": RuleCondition.ANAESTHESIA_GIVEN.value,
    "sedation": RuleCondition.SEDATION_GIVEN.value,
}
ANSWERS = {"yes": True, "no": False}
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
# YYYY-MM-DDTHH:MM[:SS], then an optional offset (Z or ±HH:MM).
PROCEDURE_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?$"
_PROCEDURE_AT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
ELAPSED_UNITS = {
    TimeUnit.MINUTE.value: "minutes",
    TimeUnit.HOUR.value: "hours",
    TimeUnit.DAY.value: "days",
    TimeUnit.WEEK.value: "weeks",
}
TIMED_RANGE_UNITS = {TimeUnit.MINUTE.value, TimeUnit.HOUR.value}

Status = Literal["applies", "applies_if", "excluded"]
Kind = Literal["rule", "milestone", "session"]


class PlanInputError(ValueError):
    """A query value the plan cannot use; `errors` maps each field to what to send instead."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@functools.cache
def _zone_names() -> tuple[frozenset[str], dict[str, str]]:
    """Every IANA zone name known here (system tzdata or the tzdata package), and by lower case."""
    names = frozenset(zoneinfo.available_timezones())
    return names, {name.lower(): name for name in names}


def time_zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name`, or a PlanInputError for `tz` that says what to send."""
    names, by_lower_case = _zone_names()
    if name not in names:
        hint = by_lower_case.get(name.lower())
        message = f"'{name[:64]}' is not an IANA time zone name"
        message += f"; did you mean {hint}?" if hint else "; give one such as America/New_York."
        raise PlanInputError({"tz": message})
    return zoneinfo.ZoneInfo(name)


@dataclass(frozen=True)
class ProcedureTime:
    """When the procedure happens: an aware local date-time and the zone it is read in."""

    local: dt.datetime
    zone: str

    @property
    def utc(self) -> dt.datetime:
        return self.local.astimezone(dt.UTC)

    @property
    def day(self) -> dt.date:
        return self.local.date()

    @property
    def tz(self) -> dt.tzinfo:
        assert self.local.tzinfo is not None
        return self.local.tzinfo


def _offset_text(offset: dt.timedelta | None) -> str:
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def procedure_time(value: str, tz: zoneinfo.ZoneInfo) -> ProcedureTime:
    """Read `procedure_at` as a wall-clock time in `tz`; skipped or repeated times are refused.

    An offset, if given, must be one the zone has at that time: it resolves a time the clocks
    repeat (2026-11-01T01:30-04:00 is the first 01:30 in New York, -05:00 the second).
    """
    match = _PROCEDURE_AT.fullmatch(value)
    if not match:
        raise PlanInputError(
            {
                "procedure_at": "Give the local date and time of the procedure as "
                "YYYY-MM-DDTHH:MM, e.g. 2026-03-08T09:30 (read in the time zone `tz`)."
            }
        )
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        naive = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
        )
    except ValueError as exc:
        message = f"'{value}' is not a real date and time ({exc})."
        raise PlanInputError({"procedure_at": message}) from None
    if not EARLIEST_YEAR <= naive.year <= LATEST_YEAR:
        raise PlanInputError(
            {"procedure_at": f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}."}
        )
    shown = naive.isoformat(timespec="minutes" if second is None else "seconds")
    first, second_fold = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if _wall(naive, tz).replace(tzinfo=None) != naive:
        raise PlanInputError(
            {
                "procedure_at": f"{shown} does not exist in {tz.key}: the clocks skip it when "
                "they go forward that night. Give the time the clock will show."
            }
        )
    offsets = [first.utcoffset(), second_fold.utcoffset()]
    if offset is not None:
        wanted = _offset_text(dt.timedelta()) if offset == "Z" else offset
        chosen = [c for c in (first, second_fold) if _offset_text(c.utcoffset()) == wanted]
        if not chosen:
            raise PlanInputError(
                {
                    "procedure_at": f"{tz.key} is at {_offset_text(offsets[0])} at {shown}, "
                    f"not {offset}. Leave the offset out, or correct it."
                }
            )
        return ProcedureTime(local=chosen[0].astimezone(tz), zone=tz.key)
    if offsets[0] != offsets[1]:
        raise PlanInputError(
            {
                "procedure_at": f"{shown} happens twice in {tz.key}: the clocks go back that "
                f"night. Add the offset to say which: {shown}{_offset_text(offsets[0])} (the "
                f"first) or {shown}{_offset_text(offsets[1])} (the second)."
            }
        )
    return ProcedureTime(local=first.astimezone(tz), zone=tz.key)


def answer(parameter: str, value: str) -> bool:
    """A yes/no answer to a condition's question, or a PlanInputError naming the parameter."""
    if value not in ANSWERS:
        raise PlanInputError({parameter: f"Answer yes or no, not '{value[:20]}'."})
    return ANSWERS[value]


# -- Time arithmetic -------------------------------------------------------------------------------


def _wall(naive: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The instant a wall-clock time names in `tz` (a skipped time moves forward by the gap)."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC).astimezone(tz)


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first instant of a local calendar day."""
    return _wall(dt.datetime.combine(day, dt.time()), tz)


def _after(procedure: ProcedureTime, amount: int, unit: str) -> dt.datetime:
    """The instant `amount` units after the procedure: elapsed time, or calendar months/years."""
    if unit in ELAPSED_UNITS:
        delta = dt.timedelta(**{ELAPSED_UNITS[unit]: amount})
        return (procedure.utc + delta).astimezone(procedure.tz)
    months = amount * (12 if unit == TimeUnit.YEAR else 1)
    return _wall(procedure.local.replace(tzinfo=None) + relativedelta(months=months), procedure.tz)


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


def _instant(at: dt.datetime | None) -> dict[str, str] | None:
    if at is None:
        return None
    return {
        "local": at.isoformat(),
        "utc": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }


def _item_json(item: PlanItem) -> dict[str, Any]:
    timing = item.timing
    condition = item.condition
    return {
        "kind": item.kind,
        "id": item.id,
        "title": item.title,
        "patient_text": item.patient_text,
        "phase": item.phase,
        "activity": item.activity,
        "activity_label": item.activity_label,
        "restriction": item.restriction,
        "at_least": item.at_least,
        "condition": None
        if condition is None
        else {
            "code": condition.code,
            "text": condition.text,
            "status": condition.status,
            "label": condition.label,
            "reason": condition.reason,
        },
        "dated": timing.dated,
        "basis": timing.basis,
        "all_day": timing.all_day,
        "starts": _instant(timing.starts),
        "ends": _instant(timing.ends),
        "days": None
        if not timing.all_day or timing.first_day is None
        else {
            "first": timing.first_day.isoformat(),
            "last": timing.last_day.isoformat() if timing.last_day else None,
        },
        "open_ended": item.open_ended,
        "notes": timing.notes,
        "window": item.window,
        "milestone_kind": item.milestone_kind,
        "range": item.range,
        "qualifier": item.qualifier,
        "wording": item.wording,
        "varies_between_people": item.varies_between_people,
        "session": item.session,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (links are added where it is served)."""
    return {
        "treatment": {"id": plan.treatment_id, "slug": plan.slug, "title": plan.title},
        "revision": plan.revision,
        "published_at": plan.published_at.isoformat().replace("+00:00", "Z"),
        "language": plan.language,
        "attribution": plan.attribution,
        "licence": plan.licence,
        "review": plan.review,
        "tz": plan.procedure.zone,
        "procedure_at": _instant(plan.procedure.local),
        "answers": {
            parameter: None if given is None else ("yes" if given else "no")
            for parameter, given in plan.answers.items()
        },
        "questions": [
            {**q, "answer": None if q["answer"] is None else ("yes" if q["answer"] else "no")}
            for q in plan.questions
        ],
        "items": [_item_json(item) for item in plan.items],
        "excluded": [_item_json(item) for item in plan.excluded],
        "course": plan.course,
    }
