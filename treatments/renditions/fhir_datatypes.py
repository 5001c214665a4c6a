"""FHIR R5 data types built from the document's parts: durations, timings, concepts, narratives.

Helpers of the FHIR rendition (fhir.py). Each returns plain JSON-ready data, or None (or an
empty value) where the document gives nothing to say, so the caller can prune it.
"""

import html
import re
from typing import Any

from django.db.models import TextChoices

from treatments.choices import LikelihoodBand, TimeUnit
from treatments.documents.ucum import FROM_QUANTITY_UNIT, FROM_TIME_UNIT

FHIR_VERSION = "5.0.0"
UCUM = "http://unitsofmeasure.org"
PUBLICATION_STATUS = "http://hl7.org/fhir/publication-status"
UNDESIRABLE_EFFECT_FREQUENCY = "http://hl7.org/fhir/undesirable-effect-frequency"
XHTML = "http://www.w3.org/1999/xhtml"
PROCEDURE = "procedure"
NOT_STATED = "not_stated"

# UCUM codes of the document's 1.0 time units (FHIR's UnitsOfTime uses the same codes), and of
# the 1.0 quantity units that have an exact UCUM code ("unit" and "dose" have none: words).
TIME_CODES: dict[str, str] = FROM_TIME_UNIT
QUANTITY_CODES: dict[str, str] = FROM_QUANTITY_UNIT
# The bands FHIR's undesirable-effect-frequency code system names; the others stay words.
FREQUENCY_CODES: dict[str, str] = {
    LikelihoodBand.COMMON: "Common",
    LikelihoodBand.UNCOMMON: "Uncommon",
    LikelihoodBand.RARE: "Rare",
}
# A computable name (FHIR's cnl-0 pattern); left out when the slug cannot give one.
NAME_PATTERN = re.compile(r"^[A-Z][A-Za-z0-9_]{1,254}$")


def duration(value: float, unit: str) -> dict[str, Any]:
    return {
        "value": value,
        "unit": str(TimeUnit(unit).label),
        "system": UCUM,
        "code": TIME_CODES[unit],
    }


def words(text: str) -> dict[str, Any]:
    """A CodeableConcept that is words only."""
    return {"text": text}


def _coding(code: dict[str, Any]) -> dict[str, Any]:
    """A schema 1.1 code `{system, code, display}`, as given."""
    coding = {"system": code["system"], "code": code["code"]}
    if code.get("display"):
        coding["display"] = code["display"]
    return coding


def concept(text: str, codes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if codes:
        concept["coding"] = [_coding(c) for c in codes]
    if text:
        concept["text"] = text
    return concept


def narrative(*paragraphs: str) -> dict[str, Any] | None:
    """XHTML narrative of the document's own words (status `additional`: beyond the structure)."""
    kept = [p for p in paragraphs if p.strip()]
    if not kept:
        return None
    body = "".join(f"<p>{html.escape(_xml_chars(p), quote=False)}</p>" for p in kept)
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _xml_chars(text: str) -> str:
    """The text with the two characters XML 1.0 refuses (and the contract allows) replaced."""
    return text.replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


def markdown(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def pruned(value: Any) -> Any:
    """Without empty members, at any depth: FHIR forbids empty strings, arrays and objects.

    A string of whitespace only (" ", a no-break space) says nothing and counts as empty:
    fhir.resources refuses one made of Unicode spaces other than space, tab, CR and LF.
    """
    if isinstance(value, str):
        return value if value.strip() else ""
    if isinstance(value, dict):
        kept = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in map(pruned, value) if v not in (None, "", [], {})]
    return value


def first_said(*texts: str) -> str:
    """The first text that says something (not empty, not only whitespace), else ""."""
    return next((text for text in texts if text.strip()), "")


def rule_title(restriction: str, activity: str) -> str:
    """A rule's title as the recovery plan words it: "Avoid: running or jogging"."""
    return f"{restriction}: {activity}" if activity else str(restriction)


def stated(vocabulary: type[TextChoices], value: str | None) -> str:
    """The name of a vocabulary value, or "" when the source states none."""
    return str(vocabulary(value).label) if value and value != NOT_STATED else ""


def computable_name(slug: str) -> str | None:
    name = "".join(part[:1].upper() + part[1:] for part in slug.split("-"))[:255]
    return name if NAME_PATTERN.match(name) else None


def quantity(
    quantity: dict[str, Any] | None, exact: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """An exact quantity as a FHIR SimpleQuantity; a range or an approximate one stays words.

    (1.2) The amount on a UCUM unit (`exact`) when the step gives one.
    """
    if exact:
        value = ucum_value(exact)
        return value[1] if value and value[0] == "Quantity" else None
    if not quantity or quantity.get("approximate") or quantity.get("min") != quantity.get("max"):
        return None
    value, unit = quantity["min"], quantity["unit"]
    result: dict[str, Any] = {"value": value, "unit": unit}
    if unit in QUANTITY_CODES:
        result |= {"system": UCUM, "code": QUANTITY_CODES[unit]}
    return result


def ucum_quantity(value: float, amount: dict[str, Any]) -> dict[str, Any]:
    """(1.2) One value of an amount on a UCUM unit as a FHIR Quantity (Duration for time)."""
    return {
        "value": value,
        "unit": amount.get("unit_display") or None,
        "system": UCUM,
        "code": amount["unit"],
    }


def ucum_value(amount: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    """(1.2) An amount on a UCUM unit as ("Quantity", …) when exact or ("Range", …).

    An approximate amount stays words: FHIR has no way to say "about" (its comparators are <,
    <=, >= and >). A range may be open at one end (Range.low or Range.high alone).
    """
    if not amount or amount.get("approximate"):
        return None
    low, high = amount.get("min"), amount.get("max")
    if low is not None and low == high:
        return "Quantity", ucum_quantity(low, amount)
    ends = {"low": low, "high": high}
    return "Range", {end: ucum_quantity(v, amount) for end, v in ends.items() if v is not None}


def ucum_choice(
    prefix: str, amount: dict[str, Any] | None, *, exact_only: bool = False
) -> dict[str, Any]:
    """(1.2) `{prefix}Quantity` or `{prefix}Range` for a choice element (e.g. `valueRange`)."""
    value = ucum_value(amount)
    if value is None or (exact_only and value[0] != "Quantity"):
        return {}
    kind, data = value
    return {f"{prefix}{kind}": data}


def step_timing(step: dict[str, Any]) -> dict[str, Any] | None:
    """How long a step takes: Timing.repeat.duration (and durationMax), or its words."""
    timing: dict[str, Any] = {}
    exact = step.get("duration_ucum")
    if exact and exact.get("min") is not None and not exact.get("approximate"):
        # (1.2) Seconds and decimals: FHIR's durationUnit takes the same UCUM time codes.
        repeat = {"duration": exact["min"], "durationUnit": exact["unit"]}
        if exact.get("max") is not None and exact["max"] != exact["min"]:
            repeat["durationMax"] = exact["max"]
        timing["repeat"] = repeat
    duration = None if exact else step.get("duration")
    # FHIR has no way to say "about": approximate numbers stay in the step's words.
    if duration and duration.get("min") is not None and not duration.get("approximate"):
        repeat = {"duration": duration["min"], "durationUnit": TIME_CODES[duration["unit"]]}
        if duration.get("max") is not None and duration["max"] != duration["min"]:
            repeat["durationMax"] = duration["max"]
        timing["repeat"] = repeat
    if step.get("duration_wording"):
        timing["code"] = words(step["duration_wording"])
    return timing or None


def course_timing(course: dict[str, Any]) -> dict[str, Any] | None:
    """The course: how many sessions (count..countMax) and how far apart (period..periodMax)."""
    repeat: dict[str, Any] = {}
    sessions = course.get("sessions") or {}
    low, high = sessions.get("min"), sessions.get("max")
    if low is not None or high is not None:
        # The contract counts sessions from 1, so "up to 3" is 1 to 3 (FHIR needs a count).
        repeat["count"] = low if low is not None else 1
        if high is not None and high != repeat["count"]:
            repeat["countMax"] = high
    interval = course.get("interval") or {}
    exact = not interval.get("approximate")
    if exact and interval.get("min") is not None and interval.get("max") is not None:
        # One session per period; an interval with one end only has no FHIR form, so it stays
        # in the course's words.
        repeat |= {"frequency": 1, "period": interval["min"]}
        if interval["max"] != interval["min"]:
            repeat["periodMax"] = interval["max"]
        repeat["periodUnit"] = TIME_CODES[interval["unit"]]
    timing: dict[str, Any] = {}
    if repeat:
        timing["repeat"] = repeat
    if course.get("text"):
        timing["code"] = words(course["text"])
    return timing or None


def window(window: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A rule's window as a relation to the procedure and (when it ends) its length."""
    start, end, unit = window.get("start", 0), window.get("end"), window["unit"]
    related: dict[str, Any] = {"targetId": PROCEDURE}
    if start >= 0:
        related |= {"relationship": "after-end", "offsetDuration": duration(start, unit)}
    else:
        related |= {"relationship": "before-start", "offsetDuration": duration(-start, unit)}
    if end is None:
        return related, None
    length = duration(end - start, unit)
    # "for at least 72 hours": a lower bound with no upper one.
    bounds = (
        {"boundsRange": {"low": length}} if window.get("at_least") else {"boundsDuration": length}
    )
    return related, {"repeat": bounds}


def frequency_limit(limit: dict[str, Any] | None) -> dict[str, Any] | None:
    """(1.1) At most N sessions in a period: 1 to N repeats within the period."""
    if not limit:
        return None
    period = duration(limit["period"], limit["period_unit"])
    repeat = {"count": 1, "countMax": limit["max_sessions"], "boundsDuration": period}
    if limit["max_sessions"] == 1:
        del repeat["countMax"]
    return {"repeat": repeat}


def medication_concept(medication: dict[str, Any] | None) -> dict[str, Any] | None:
    """(1.1) The drug, or else the drug class, a medication rule names, with its codes."""
    if not medication:
        return None
    return concept(
        medication.get("name") or medication.get("drug_class", ""), medication.get("codes")
    )


def frequency(likelihood: dict[str, Any]) -> dict[str, Any]:
    """How often a risk happens: FHIR's code where it names the band, and the words."""
    band = likelihood["band"]
    frequency: dict[str, Any] = {}
    if band in FREQUENCY_CODES:
        code = FREQUENCY_CODES[band]
        frequency["coding"] = [
            {"system": UNDESIRABLE_EFFECT_FREQUENCY, "code": code, "display": code}
        ]
    frequency["text"] = likelihood.get("wording") or str(LikelihoodBand(band).label)
    return frequency


def target(event: dict[str, Any]) -> dict[str, Any]:
    """A timeline event's range as a goal target: a range of durations, or the source's words."""
    target: dict[str, Any] = {"measure": words(event["label"]) if event["label"] else None}
    rng = event["range"]
    low, high = rng.get("min"), rng.get("max")
    if low is not None or high is not None:
        detail: dict[str, Any] = {}
        if low is not None:
            detail["low"] = duration(low, rng["unit"])
        if high is not None:
            detail["high"] = duration(high, rng["unit"])
        target["detailRange"] = detail
    elif rng.get("wording"):
        target["detailString"] = rng["wording"]
    return target
