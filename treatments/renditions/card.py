"""The embeddable card's context: a frozen document as display-ready text, section by section.

A pure function: no HTML, no URLs (the card view adds those). The words it adds are labels and
the phrasing of structured values ("for at least the first 72 hours", "8–12 weeks"); every
fact comes from the document, and where the document gives words rather than numbers the card
shows its words. Both are gettext messages resolved in the language active when the card is
rendered: the labels here (section titles, likelihood and restriction words), the phrases in
`card_phrases`. A phrase the active catalogue leaves in English says so (`*_untranslated`), so
that the card can mark it `lang="en"`. A likelihood band mapped from the source's qualitative
wording is shown as a word with the source's wording, never with the band's numeric frequency.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .card_phrases import interval_phrase, sessions_phrase, timeline_phrase, window_phrase, worded

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
    "very_common": pgettext_lazy("measured frequency of a risk", "1 in 10 or more"),
    "common": pgettext_lazy("measured frequency of a risk", "1 in 100 to 1 in 10"),
    "uncommon": pgettext_lazy("measured frequency of a risk", "1 in 1,000 to 1 in 100"),
    "rare": pgettext_lazy("measured frequency of a risk", "1 in 10,000 to 1 in 1,000"),
    "very_rare": pgettext_lazy("measured frequency of a risk", "less than 1 in 10,000"),
}
RESTRICTION_WORDS = {
    "avoid": _("Avoid"),
    "limit": _("Limit"),
    "resume": _("Resume"),
    "allowed": _("Allowed"),
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
    note_untranslated: bool = False  # the measured frequency, in English for want of a message


@dataclass(frozen=True)
class Rule:
    restriction: str  # "Avoid"
    activity: str
    when: str
    condition: str
    text: str
    when_untranslated: bool = False  # `when` is the card's English for want of a translation


@dataclass(frozen=True)
class Milestone:
    label: str
    when: str
    qualifier: str
    varies: bool
    text: str
    when_untranslated: bool = False  # `when` is the card's English for want of a translation


@dataclass(frozen=True)
class Course:
    sessions: str
    interval: str
    text: str
    sessions_untranslated: bool = False
    interval_untranslated: bool = False


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


NO_PHRASE = ("", False)


def _risk(item: dict[str, Any]) -> Risk:
    likelihood = item["likelihood"]
    band = likelihood["band"]
    word = str(LIKELIHOOD_WORDS.get(band, band))
    if likelihood.get("basis") == "measured" and band in MEASURED_FREQUENCIES:
        note, untranslated = worded(lambda: str(MEASURED_FREQUENCIES[band]))
    else:
        note, untranslated = likelihood.get("wording") or "", False
    if note.lower() == word.lower():
        note, untranslated = "", False
    return Risk(
        name=item["name"],
        description=item["description"],
        likelihood=word,
        likelihood_note=note,
        resolves=item.get("resolves_wording") or "",
        note_untranslated=untranslated,
    )


def _rule(rule: dict[str, Any]) -> Rule:
    condition = rule.get("condition") or {}
    when, untranslated = worded(lambda: window_phrase(rule["window"]))
    return Rule(
        restriction=str(RESTRICTION_WORDS.get(rule["restriction"], rule["restriction"])),
        activity=rule["activity_label"],
        when=when,
        condition=condition.get("text") or "",
        text=rule["patient_text"],
        when_untranslated=untranslated,
    )


def _milestone(event: dict[str, Any]) -> Milestone:
    span = event["range"]
    when, untranslated = worded(lambda: timeline_phrase(span))
    if not when:  # no numbers: the document's own words, in its language
        when, untranslated = span.get("wording") or "", False
    return Milestone(
        label=event["label"],
        when=when,
        qualifier=event.get("qualifier") or "",
        varies=bool(event.get("varies_between_people")),
        text=event["patient_text"],
        when_untranslated=untranslated,
    )


def _course(course: dict[str, Any]) -> Course | None:
    sessions = course.get("sessions") or {}
    interval = course.get("interval") or {}
    count, count_untranslated = worded(lambda: sessions_phrase(sessions)) if sessions else NO_PHRASE
    apart, apart_untranslated = worded(lambda: interval_phrase(interval)) if interval else NO_PHRASE
    if not (count or apart or course.get("text")):
        return None
    return Course(
        sessions=count,
        interval=apart,
        text=course.get("text") or "",
        sessions_untranslated=count_untranslated,
        interval_untranslated=apart_untranslated,
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
