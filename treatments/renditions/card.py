"""The embeddable card's context: a frozen document as display-ready text, section by section.

A pure function: no HTML, no URLs (the card view adds those). The words it adds are labels and
the phrasing of structured values ("for at least the first 72 hours", "8–12 weeks"); every
fact comes from the document, and where the document gives words rather than numbers the card
shows its words. The labels (section titles, likelihood and restriction words) are marked for
gettext and resolved in the language active when the card is rendered; the phrasing of
structured values is English only. A likelihood band mapped from the source's qualitative
wording is shown as a word with the source's wording, never with the band's numeric frequency.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# The card's sections, in the order the card shows them; `sections=` selects among them.
SECTIONS = ("steps", "risks", "recovery", "timeline", "course", "safety")
SECTION_TITLES = {
    "steps": _("How it is done"),
    "risks": _("Risks"),
    "recovery": _("Before and after"),
    "timeline": _("What to expect when"),
    "course": _("Course of treatment"),
    "safety": _("Safety"),
}
LIKELIHOOD_WORDS = {
    "very_common": _("Very common"),
    "common": _("Common"),
    "uncommon": _("Uncommon"),
    "rare": _("Rare"),
    "very_rare": _("Very rare"),
    "not_known": _("Not known"),
    "none": _("No risk"),
}
# The band's frequency is shown only when it was measured, never for a mapped word.
MEASURED_FREQUENCIES = {
    "very_common": "1 in 10 or more",
    "common": "1 in 100 to 1 in 10",
    "uncommon": "1 in 1,000 to 1 in 100",
    "rare": "1 in 10,000 to 1 in 1,000",
    "very_rare": "less than 1 in 10,000",
}
RESTRICTION_WORDS = {
    "avoid": _("Avoid"),
    "limit": _("Limit"),
    "resume": _("Resume"),
    "allowed": _("Allowed"),
}
UNITS = {
    "minute": ("minute", "minutes"),
    "hour": ("hour", "hours"),
    "day": ("day", "days"),
    "week": ("week", "weeks"),
    "month": ("month", "months"),
    "year": ("year", "years"),
}


@dataclass(frozen=True)
class Step:
    title: str
    detail: str


@dataclass(frozen=True)
class Risk:
    name: str
    description: str
    likelihood: str  # a word: "Rare"
    likelihood_note: str  # the source's wording, or the measured frequency
    resolves: str


@dataclass(frozen=True)
class Rule:
    restriction: str  # "Avoid"
    activity: str
    when: str
    condition: str
    text: str


@dataclass(frozen=True)
class Milestone:
    label: str
    when: str
    qualifier: str
    varies: bool
    text: str


@dataclass(frozen=True)
class Course:
    sessions: str
    interval: str
    text: str


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str
    url: str


@dataclass(frozen=True)
class Card:
    """Everything the card shows, as text; sections the document leaves empty are empty."""

    title: str
    summary: str
    language: str
    revision: int
    intro: str = ""
    steps: list[Step] = field(default_factory=list)
    risk_statement: str = ""
    risks: list[Risk] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    course: Course | None = None
    contraindications: list[str] = field(default_factory=list)
    warning_signs: list[str] = field(default_factory=list)
    reviewer: str = ""
    last_reviewed: dt.date | None = None
    next_review_due: dt.date | None = None
    attribution: str = ""
    licence_name: str = ""
    licence_url: str = ""
    sources: list[Source] = field(default_factory=list)


def treatment_card(document: dict[str, Any]) -> Card:
    """The card of a frozen document."""
    procedure = document.get("procedure") or {}
    risks = document.get("risks") or {}
    safety = document.get("safety") or {}
    review = document.get("review") or {}
    licence = document.get("licence") or {}
    return Card(
        title=document["title"],
        summary=document["summary"],
        language=document["language"],
        revision=document["revision"],
        intro=procedure.get("intro", ""),
        steps=[Step(s["title"], s["detail"]) for s in procedure.get("steps") or []],
        risk_statement=risks.get("statement", ""),
        risks=[_risk(item) for item in risks.get("items") or []],
        rules=[_rule(rule) for rule in document.get("recovery_rules") or []],
        milestones=[_milestone(event) for event in document.get("timeline") or []],
        course=_course(document.get("course") or {}),
        contraindications=list(safety.get("contraindications") or []),
        warning_signs=list(safety.get("warning_signs") or []),
        reviewer=review.get("reviewer") or "",
        last_reviewed=_date(review.get("last_reviewed_on")),
        next_review_due=_date(review.get("next_review_due")),
        attribution=document.get("attribution") or "",
        licence_name=licence.get("name") or "",
        licence_url=licence.get("url") or "",
        sources=[
            Source(s["title"], s.get("publisher") or "", s.get("url") or "")
            for s in document.get("sources") or []
        ],
    )


def _risk(item: dict[str, Any]) -> Risk:
    likelihood = item["likelihood"]
    band = likelihood["band"]
    if likelihood.get("basis") == "measured" and band in MEASURED_FREQUENCIES:
        note = MEASURED_FREQUENCIES[band]
    else:
        note = likelihood.get("wording") or ""
    word = str(LIKELIHOOD_WORDS.get(band, band))
    if note.lower() == word.lower():
        note = ""
    return Risk(
        name=item["name"],
        description=item["description"],
        likelihood=word,
        likelihood_note=note,
        resolves=item.get("resolves_wording") or "",
    )


def _rule(rule: dict[str, Any]) -> Rule:
    condition = rule.get("condition") or {}
    return Rule(
        restriction=str(RESTRICTION_WORDS.get(rule["restriction"], rule["restriction"])),
        activity=rule["activity_label"],
        when=window_phrase(rule["window"]),
        condition=condition.get("text") or "",
        text=rule["patient_text"],
    )


def _milestone(event: dict[str, Any]) -> Milestone:
    span = event["range"]
    when = range_phrase(span.get("min"), span.get("max"), span["unit"])
    if span.get("open_ended") and when:
        when += " or longer"
    return Milestone(
        label=event["label"],
        when=when or span.get("wording") or "",
        qualifier=event.get("qualifier") or "",
        varies=bool(event.get("varies_between_people")),
        text=event["patient_text"],
    )


def _course(course: dict[str, Any]) -> Course | None:
    sessions = course.get("sessions") or {}
    interval = course.get("interval") or {}
    count = ""
    if sessions:
        count = range_phrase(sessions.get("min"), sessions.get("max"), None)
        count += " session" if count == "1" else " sessions"
    apart = ""
    if interval:
        apart = range_phrase(interval.get("min"), interval.get("max"), interval["unit"])
        apart = f"{apart} apart" if apart else ""
    if not (count or apart or course.get("text")):
        return None
    return Course(sessions=count, interval=apart, text=course.get("text") or "")


def _units(unit: str, amount: float) -> str:
    singular, plural = UNITS.get(unit, (unit, unit))
    return singular if amount == 1 else plural


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def range_phrase(low: float | None, high: float | None, unit: str | None) -> str:
    """'8–12 weeks', '3 days', 'at least 2 hours', 'up to 4 weeks'; '' without numbers."""
    suffix = (lambda n: f" {_units(unit, n)}") if unit else (lambda n: "")
    if low is not None and high is not None:
        if low == high:
            return f"{_number(low)}{suffix(low)}"
        return f"{_number(low)}–{_number(high)}{suffix(high)}"
    if low is not None:
        return f"at least {_number(low)}{suffix(low)}"
    if high is not None:
        return f"up to {_number(high)}{suffix(high)}"
    return ""


def window_phrase(window: dict[str, Any]) -> str:
    """When a rule applies, relative to the procedure, from its structured window."""
    start, end, unit = window["start"], window.get("end"), window["unit"]
    if window.get("calendar_days") and unit == "day":
        return _calendar_days(start, end)
    at_least = "at least " if window.get("at_least") else ""
    if start == 0 and end is not None and end > 0:
        amount = "" if end == 1 else f"{end} "
        return f"for {at_least}the first {amount}{_units(unit, end)}"
    if end is None:
        return f"from {_point(start, unit)} on"
    return f"{at_least}from {_point(start, unit)} to {_point(end, unit)}".strip()


def _point(amount: int, unit: str) -> str:
    if amount == 0:
        return "the procedure"
    side = "after" if amount > 0 else "before"
    return f"{abs(amount)} {_units(unit, abs(amount))} {side} the procedure"


def _calendar_days(start: int, end: int | None) -> str:
    """Calendar days: day 0 is the day of the procedure; `end` is excluded."""

    def day(n: int) -> str:
        named = {0: "the day of the procedure", 1: "the day after", -1: "the day before"}
        return named.get(n, f"{abs(n)} days {'after' if n > 0 else 'before'}")

    if end is None:
        return f"from {day(start)} on"
    if end == start + 1:
        return day(start)
    return f"from {day(start)} to {day(end - 1)}"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
