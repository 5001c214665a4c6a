"""The card's phrases around numbers: "for at least the first 72 hours", "8–12 weeks".

Each phrase is a gettext message (domain `django`, extracted by `makemessages`) with named
placeholders for the document's numbers, which a translation places but never changes; plural
forms by `ngettext` (the number named last chooses the form); a context (`pgettext`) where a
phrase alone would be ambiguous. One message per unit and shape, not "%(count)s %(unit)s", so
that a language can inflect each unit its own way. Without a catalogue the phrases are English,
as they always were. `worded` says whether the active catalogue left a phrase in English.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, npgettext_lazy, pgettext, pgettext_lazy

ENGLISH = "en"  # the language of the messages themselves (their msgid)
# A number, with its digit groups: "72", "1,000", "1.000", "1 000" (also narrow no-break space).
NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*")
logger = logging.getLogger(__name__)

# An amount of a unit, and a range of them; the plural form follows "count", or "high".
AMOUNTS: dict[str, Promise] = {
    "minute": npgettext_lazy("duration", "%(count)s minute", "%(count)s minutes", "count"),
    "hour": npgettext_lazy("duration", "%(count)s hour", "%(count)s hours", "count"),
    "day": npgettext_lazy("duration", "%(count)s day", "%(count)s days", "count"),
    "week": npgettext_lazy("duration", "%(count)s week", "%(count)s weeks", "count"),
    "month": npgettext_lazy("duration", "%(count)s month", "%(count)s months", "count"),
    "year": npgettext_lazy("duration", "%(count)s year", "%(count)s years", "count"),
    "session": npgettext_lazy(
        "number of sessions", "%(count)s session", "%(count)s sessions", "count"
    ),
}
SPANS: dict[str, Promise] = {
    "minute": npgettext_lazy(
        "duration", "%(low)s–%(high)s minute", "%(low)s–%(high)s minutes", "high"
    ),
    "hour": npgettext_lazy("duration", "%(low)s–%(high)s hour", "%(low)s–%(high)s hours", "high"),
    "day": npgettext_lazy("duration", "%(low)s–%(high)s day", "%(low)s–%(high)s days", "high"),
    "week": npgettext_lazy("duration", "%(low)s–%(high)s week", "%(low)s–%(high)s weeks", "high"),
    "month": npgettext_lazy(
        "duration", "%(low)s–%(high)s month", "%(low)s–%(high)s months", "high"
    ),
    "year": npgettext_lazy("duration", "%(low)s–%(high)s year", "%(low)s–%(high)s years", "high"),
    "session": npgettext_lazy(
        "number of sessions", "%(low)s–%(high)s session", "%(low)s–%(high)s sessions", "high"
    ),
}
# "For (at least) the first ..." of a rule that starts with the procedure. The first of one unit
# is a message of its own: in some languages the singular form also serves 21, 31, ...
FIRST_ONE: dict[str, Promise] = {
    "minute": pgettext_lazy("a period that starts with the procedure", "the first minute"),
    "hour": pgettext_lazy("a period that starts with the procedure", "the first hour"),
    "day": pgettext_lazy("a period that starts with the procedure", "the first day"),
    "week": pgettext_lazy("a period that starts with the procedure", "the first week"),
    "month": pgettext_lazy("a period that starts with the procedure", "the first month"),
    "year": pgettext_lazy("a period that starts with the procedure", "the first year"),
}
FIRST: dict[str, Promise] = {
    "minute": npgettext_lazy(
        "a period that starts with the procedure",
        "the first %(count)s minute",
        "the first %(count)s minutes",
        "count",
    ),
    "hour": npgettext_lazy(
        "a period that starts with the procedure",
        "the first %(count)s hour",
        "the first %(count)s hours",
        "count",
    ),
    "day": npgettext_lazy(
        "a period that starts with the procedure",
        "the first %(count)s day",
        "the first %(count)s days",
        "count",
    ),
    "week": npgettext_lazy(
        "a period that starts with the procedure",
        "the first %(count)s week",
        "the first %(count)s weeks",
        "count",
    ),
    "month": npgettext_lazy(
        "a period that starts with the procedure",
        "the first %(count)s month",
        "the first %(count)s months",
        "count",
    ),
    "year": npgettext_lazy(
        "a period that starts with the procedure",
        "the first %(count)s year",
        "the first %(count)s years",
        "count",
    ),
}
# Calendar days: day 0 is the day of the procedure.
DAYS_AFTER = npgettext_lazy(
    "calendar days after the day of the procedure",
    "%(count)s day after",
    "%(count)s days after",
    "count",
)
DAYS_BEFORE = npgettext_lazy(
    "calendar days before the day of the procedure",
    "%(count)s day before",
    "%(count)s days before",
    "count",
)


def is_english(language: str) -> bool:
    """Whether `language` (a BCP 47 tag, any case) is English, the messages' own language."""
    return language.lower() == ENGLISH or language.lower().startswith(f"{ENGLISH}-")


def worded(phrase: Callable[[], str]) -> tuple[str, bool]:
    """The phrase in the active language, and whether it is English standing in for it.

    As for the labels, a phrase is untranslated when the active catalogue leaves it as its
    English (a translation that happens to read as the English counts as untranslated). A
    translation whose numbers are not the English phrase's (a msgstr that dropped or wrote over
    a placeholder; `msgfmt --check-format` catches the first, not the second) is not shown:
    the English is, and the catalogue is logged.
    """
    text = phrase()
    language = translation.get_language()
    if not language or is_english(language):
        return text, False
    with translation.override(ENGLISH):
        english = phrase()
    if text == english:
        return text, True
    if numbers(text) != numbers(english):
        logger.warning(
            "The %s catalogue words %r as %r, with other numbers: the card shows the English.",
            language,
            english,
            text,
        )
        return english, True
    return text, False


def numbers(text: str) -> list[str]:
    """The numbers in a phrase, whatever their digit grouping ("1,000", "1.000", "1 000")."""
    return sorted(re.sub(r"\D", "", number) for number in NUMBER.findall(text))


def _whole(value: float) -> int | float:
    """A whole number as an int ("72", not "72.0"; the contract's counts are whole)."""
    return int(value) if float(value).is_integer() else value


def _number(value: float) -> str:
    return str(_whole(value))


def amount_phrase(amount: float, unit: str | None) -> str:
    """'72 hours', '1 day', '2 sessions'; the bare number without a unit."""
    if unit is None:
        return _number(amount)
    if unit not in AMOUNTS:  # not a unit of the contract: shown as it is named
        return f"{_number(amount)} {unit}"
    return str(AMOUNTS[unit] % {"count": _whole(amount)})


def range_phrase(low: float | None, high: float | None, unit: str | None) -> str:
    """'8–12 weeks', '3 days', 'at least 2 hours', 'up to 4 weeks'; '' without numbers.

    `unit`: a time unit of the contract, "session", or None for bare numbers ('2–3').
    """
    if low is not None and high is not None:
        if low == high:
            return amount_phrase(low, unit)
        if unit is None:
            return pgettext("a range of numbers", "%(low)s–%(high)s") % {
                "low": _number(low),
                "high": _number(high),
            }
        if unit not in SPANS:
            return f"{_number(low)}–{amount_phrase(high, unit)}"
        return str(SPANS[unit] % {"low": _number(low), "high": _whole(high)})
    if low is not None:
        return gettext("at least %(amount)s") % {"amount": amount_phrase(low, unit)}
    if high is not None:
        return gettext("up to %(amount)s") % {"amount": amount_phrase(high, unit)}
    return ""


def window_phrase(window: dict[str, Any]) -> str:
    """When a rule applies, relative to the procedure, from its structured window."""
    start, end, unit = window["start"], window.get("end"), window["unit"]
    if window.get("calendar_days") and unit == "day":
        return _calendar_days(start, end)
    at_least = bool(window.get("at_least"))
    if start == 0 and end is not None and end > 0:
        period = _first(end, unit)
        if at_least:
            return gettext("for at least %(period)s") % {"period": period}
        return gettext("for %(period)s") % {"period": period}
    if end is None:
        return _from_on(_point(start, unit))
    if at_least:
        return gettext("at least from %(start)s to %(end)s") % {
            "start": _point(start, unit),
            "end": _point(end, unit),
        }
    return _from_to(_point(start, unit), _point(end, unit))


def _first(amount: int, unit: str) -> str:
    if unit not in FIRST:  # not a unit of the contract: shown as it is named
        return f"the first {amount_phrase(amount, unit)}"
    if amount == 1:
        return str(FIRST_ONE[unit])
    return str(FIRST[unit] % {"count": _whole(amount)})


def _from_on(start: str) -> str:
    return pgettext("when a rule applies", "from %(start)s on") % {"start": start}


def _from_to(start: str, end: str) -> str:
    return pgettext("when a rule applies", "from %(start)s to %(end)s") % {
        "start": start,
        "end": end,
    }


def _point(amount: int, unit: str) -> str:
    if amount == 0:
        return pgettext("a point in time", "the procedure")
    duration = amount_phrase(abs(amount), unit)
    if amount > 0:
        return gettext("%(amount)s after the procedure") % {"amount": duration}
    return gettext("%(amount)s before the procedure") % {"amount": duration}


def _calendar_days(start: int, end: int | None) -> str:
    """Calendar days: day 0 is the day of the procedure; `end` is excluded."""

    def day(n: int) -> str:
        if n == 0:
            return pgettext("a calendar day", "the day of the procedure")
        if n == 1:
            return pgettext("a calendar day", "the day after")
        if n == -1:
            return pgettext("a calendar day", "the day before")
        return str((DAYS_AFTER if n > 0 else DAYS_BEFORE) % {"count": abs(n)})

    if end is None:
        return _from_on(day(start))
    if end == start + 1:
        return day(start)
    return _from_to(day(start), day(end - 1))


def timeline_phrase(span: dict[str, Any]) -> str:
    """An expected range: '8–12 weeks', 'at least 6 months or longer'; '' without numbers."""
    when = range_phrase(span.get("min"), span.get("max"), span["unit"])
    if span.get("open_ended") and when:
        return gettext("%(amount)s or longer") % {"amount": when}
    return when


def sessions_phrase(sessions: dict[str, Any]) -> str:
    """How many sessions: '2–3 sessions', '1 session', 'at least 2 sessions'."""
    return range_phrase(sessions.get("min"), sessions.get("max"), "session")


def interval_phrase(interval: dict[str, Any]) -> str:
    """How far apart the sessions are: '4–6 weeks apart'; '' without numbers."""
    amount = range_phrase(interval.get("min"), interval.get("max"), interval["unit"])
    return gettext("%(amount)s apart") % {"amount": amount} if amount else ""
