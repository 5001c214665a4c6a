"""The FHIR R5 rendition: a frozen document as a Bundle (type `collection`) of definitions.

A pure function of the frozen document and the absolute URLs the API passes in (the domain
knows none). What it says is what the document says: words stay words (`text`, `description`,
narrative), never codes made up for them. Codes appear only where the document gives them
(schema 1.1 `codes`, carried as given) or where FHIR's own code systems say exactly what the
document says (the resource types, publication status, UCUM time units, the frequency bands
FHIR names).

- A PlanDefinition holds it together: one action for the procedure (its steps as nested actions
  in order, the course as the procedure's timing), one action per recovery or preparation rule
  (`relatedAction` to the procedure: `after-end` for windows that start at or after it,
  `before-start` for preparation windows that start before it), and a goal per timeline event
  (its range as a target range of durations).
- ActivityDefinitions define what each action does: the procedure (the treatment's codes), each
  step (body site, performer, an exact quantity), each rule's activity (`doNotPerform` for
  "avoid" rules).
- ClinicalUseDefinitions carry the risks (`undesirable-effect`, with their frequency),
  contraindications and warning signs, each about the PlanDefinition.

Resource ids are UUIDs derived from the treatment's id and the item's place (stable across
revisions while the content keeps its order), so entries reference each other by `urn:uuid:`.
"""

import html
import re
import uuid
from dataclasses import dataclass
from typing import Any

from treatments.choices import (
    ContraindicationKind,
    LikelihoodBand,
    MedicationRole,
    MedicationRoute,
    RestrictionKind,
    TimelineEventKind,
    TimeUnit,
    WarningUrgency,
)

FHIR_VERSION = "5.0.0"
UCUM = "http://unitsofmeasure.org"
PUBLICATION_STATUS = "http://hl7.org/fhir/publication-status"
UNDESIRABLE_EFFECT_FREQUENCY = "http://hl7.org/fhir/undesirable-effect-frequency"
XHTML = "http://www.w3.org/1999/xhtml"
PROCEDURE = "procedure"
NOT_STATED = "not_stated"

# UCUM codes of the document's time units; FHIR's UnitsOfTime (Timing) uses the same codes.
TIME_CODES: dict[str, str] = {
    TimeUnit.MINUTE: "min",
    TimeUnit.HOUR: "h",
    TimeUnit.DAY: "d",
    TimeUnit.WEEK: "wk",
    TimeUnit.MONTH: "mo",
    TimeUnit.YEAR: "a",
}
# UCUM for the quantity units that have an exact UCUM code; the others ("unit", "dose") have
# none that means the same, so they stay words.
QUANTITY_CODES: dict[str, str] = {
    "cc": "cm3",
    "ml": "mL",
    "l": "L",
    "mg": "mg",
    "g": "g",
    "mcg": "ug",
}
# The bands FHIR's undesirable-effect-frequency code system names; the others stay words.
FREQUENCY_CODES: dict[str, str] = {
    LikelihoodBand.COMMON: "Common",
    LikelihoodBand.UNCOMMON: "Uncommon",
    LikelihoodBand.RARE: "Rare",
}
# A computable name (FHIR's cnl-0 pattern); left out when the slug cannot give one.
NAME_PATTERN = re.compile(r"^[A-Z][A-Za-z0-9_]{1,254}$")


@dataclass(frozen=True)
class FhirUrls:
    """The absolute URLs the rendition names; the API computes them when it serves one."""

    canonical: str  # the treatment's permanent address (by id): the PlanDefinition's url
    bundle: str  # where this Bundle is served (Bundle.link self)


def fhir_bundle(document: dict[str, Any], *, urls: FhirUrls) -> dict[str, Any]:
    """The FHIR R5 Bundle (collection) of a frozen treatment document."""
    return _Rendition(document, urls).bundle()


# -- Data types ------------------------------------------------------------------------------------


def _duration(value: float, unit: str) -> dict[str, Any]:
    return {
        "value": value,
        "unit": str(TimeUnit(unit).label),
        "system": UCUM,
        "code": TIME_CODES[unit],
    }


def _words(text: str) -> dict[str, Any]:
    """A CodeableConcept that is words only."""
    return {"text": text}


def _coding(code: dict[str, Any]) -> dict[str, Any]:
    """A schema 1.1 code `{system, code, display}`, as given."""
    coding = {"system": code["system"], "code": code["code"]}
    if code.get("display"):
        coding["display"] = code["display"]
    return coding


def _concept(text: str, codes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if codes:
        concept["coding"] = [_coding(c) for c in codes]
    if text:
        concept["text"] = text
    return concept


def _narrative(*paragraphs: str) -> dict[str, Any] | None:
    """XHTML narrative of the document's own words (status `additional`: beyond the structure)."""
    kept = [p for p in paragraphs if p]
    if not kept:
        return None
    body = "".join(f"<p>{html.escape(_xml_chars(p), quote=False)}</p>" for p in kept)
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _xml_chars(text: str) -> str:
    """The text with the two characters XML 1.0 refuses (and the contract allows) replaced."""
    return text.replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


def _markdown(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _pruned(value: Any) -> Any:
    """Without empty members, at any depth: FHIR forbids empty strings, arrays and objects."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in map(_pruned, value) if v not in (None, "", [], {})]
    return value


def _rule_title(restriction: str, activity: str) -> str:
    """A rule's title as the recovery plan words it: "Avoid: running or jogging"."""
    return f"{restriction}: {activity}" if activity else str(restriction)


def _computable_name(slug: str) -> str | None:
    name = "".join(part[:1].upper() + part[1:] for part in slug.split("-"))[:255]
    return name if NAME_PATTERN.match(name) else None


def _quantity(quantity: dict[str, Any] | None) -> dict[str, Any] | None:
    """An exact quantity as a FHIR SimpleQuantity; a range or an approximate one stays words."""
    if not quantity or quantity.get("approximate") or quantity.get("min") != quantity.get("max"):
        return None
    value, unit = quantity["min"], quantity["unit"]
    result: dict[str, Any] = {"value": value, "unit": unit}
    if unit in QUANTITY_CODES:
        result |= {"system": UCUM, "code": QUANTITY_CODES[unit]}
    return result


def _step_timing(step: dict[str, Any]) -> dict[str, Any] | None:
    """How long a step takes: Timing.repeat.duration (and durationMax), or its words."""
    timing: dict[str, Any] = {}
    duration = step.get("duration")
    # FHIR has no way to say "about": approximate numbers stay in the step's words.
    if duration and duration.get("min") is not None and not duration.get("approximate"):
        repeat = {"duration": duration["min"], "durationUnit": TIME_CODES[duration["unit"]]}
        if duration.get("max") is not None and duration["max"] != duration["min"]:
            repeat["durationMax"] = duration["max"]
        timing["repeat"] = repeat
    if step.get("duration_wording"):
        timing["code"] = _words(step["duration_wording"])
    return timing or None


def _course_timing(course: dict[str, Any]) -> dict[str, Any] | None:
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
        timing["code"] = _words(course["text"])
    return timing or None


def _window(window: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A rule's window as a relation to the procedure and (when it ends) its length."""
    start, end, unit = window.get("start", 0), window.get("end"), window["unit"]
    related: dict[str, Any] = {"targetId": PROCEDURE}
    if start >= 0:
        related |= {"relationship": "after-end", "offsetDuration": _duration(start, unit)}
    else:
        related |= {"relationship": "before-start", "offsetDuration": _duration(-start, unit)}
    if end is None:
        return related, None
    length = _duration(end - start, unit)
    # "for at least 72 hours": a lower bound with no upper one.
    bounds = (
        {"boundsRange": {"low": length}} if window.get("at_least") else {"boundsDuration": length}
    )
    return related, {"repeat": bounds}


def _frequency_limit(limit: dict[str, Any] | None) -> dict[str, Any] | None:
    """(1.1) At most N sessions in a period: 1 to N repeats within the period."""
    if not limit:
        return None
    period = _duration(limit["period"], limit["period_unit"])
    repeat = {"count": 1, "countMax": limit["max_sessions"], "boundsDuration": period}
    if limit["max_sessions"] == 1:
        del repeat["countMax"]
    return {"repeat": repeat}


def _medication_concept(medication: dict[str, Any] | None) -> dict[str, Any] | None:
    """(1.1) The drug, or else the drug class, a medication rule names, with its codes."""
    if not medication:
        return None
    return _concept(
        medication.get("name") or medication.get("drug_class", ""), medication.get("codes")
    )


def _target(event: dict[str, Any]) -> dict[str, Any]:
    """A timeline event's range as a goal target: a range of durations, or the source's words."""
    target: dict[str, Any] = {"measure": _words(event["label"]) if event["label"] else None}
    rng = event["range"]
    low, high = rng.get("min"), rng.get("max")
    if low is not None or high is not None:
        detail: dict[str, Any] = {}
        if low is not None:
            detail["low"] = _duration(low, rng["unit"])
        if high is not None:
            detail["high"] = _duration(high, rng["unit"])
        target["detailRange"] = detail
    elif rng.get("wording"):
        target["detailString"] = rng["wording"]
    return target


# -- The rendition ---------------------------------------------------------------------------------


class _Rendition:
    """Builds one Bundle; the state is only the document and the ids it hands out."""

    def __init__(self, document: dict[str, Any], urls: FhirUrls) -> None:
        self.doc = document
        self.urls = urls
        self.namespace = uuid.UUID(document["id"])
        self.entries: list[dict[str, Any]] = []

    # ids and references

    def _uuid(self, name: str) -> str:
        return str(uuid.uuid5(self.namespace, name))

    def _reference(self, name: str) -> str:
        return f"urn:uuid:{self._uuid(name)}"

    def _add(self, name: str, resource: dict[str, Any]) -> None:
        resource = {
            "resourceType": resource.pop("resourceType"),
            "id": self._uuid(name),
            **resource,
        }
        self.entries.append({"fullUrl": self._reference(name), "resource": _pruned(resource)})

    def _metadata(self) -> dict[str, Any]:
        """What every definitional resource states about its publication."""
        doc = self.doc
        licence = doc.get("licence") or {}
        publishers = [s["publisher"] for s in doc.get("sources", []) if s.get("publisher")]
        return {
            "language": doc.get("language"),
            "version": str(doc["revision"]),
            "status": "active",
            "date": doc["published_at"],
            "publisher": publishers[0] if publishers else None,
            "copyright": _markdown(doc.get("attribution", ""), licence.get("url") or ""),
            "copyrightLabel": licence.get("name"),
        }

    # the bundle

    def bundle(self) -> dict[str, Any]:
        goals = self._goals()
        procedure = self._procedure_action(goal_ids=[g["id"] for g in goals])
        rules = [
            self._rule_action(n, rule)
            for n, rule in enumerate(self.doc.get("recovery_rules", []), 1)
        ]
        plan = self._plan_definition(goals=goals, actions=[procedure, *rules])
        self.entries.insert(0, plan)
        self._risks()
        self._safety()
        return _pruned(
            {
                "resourceType": "Bundle",
                "id": self._uuid(f"Bundle/{self.doc['revision']}"),
                "meta": {"lastUpdated": self.doc["published_at"]},
                "language": self.doc.get("language"),
                "type": "collection",
                "timestamp": self.doc["published_at"],
                "link": [{"relation": "self", "url": self.urls.bundle}],
                "entry": self.entries,
            }
        )

    def _plan_definition(
        self, *, goals: list[dict[str, Any]], actions: list[dict[str, Any]]
    ) -> dict[str, Any]:
        doc = self.doc
        review = doc.get("review") or {}
        resource = _pruned(
            {
                "resourceType": "PlanDefinition",
                "id": self._uuid("PlanDefinition"),
                "url": self.urls.canonical,
                "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{doc['id']}"}],
                "name": _computable_name(doc["slug"]),
                "title": doc["title"],
                **self._metadata(),
                "description": _markdown(doc["summary"], doc.get("overview", "")),
                "lastReviewDate": review.get("last_reviewed_on"),
                "reviewer": [{"name": review["reviewer"]}] if review.get("reviewer") else [],
                "relatedArtifact": [self._source(s) for s in doc.get("sources", [])],
                "goal": goals,
                "action": actions,
            }
        )
        return {"fullUrl": self._reference("PlanDefinition"), "resource": resource}

    def _source(self, source: dict[str, Any]) -> dict[str, Any]:
        """A source the content is adapted from (RelatedArtifact `derived-from`)."""
        document = {"title": source["title"], "url": source.get("url")}
        return _pruned(
            {
                "type": "derived-from",
                "display": source["title"],
                "citation": _markdown(source.get("publisher", ""), source.get("note", "")),
                "document": _pruned(document) if source.get("url") else None,
            }
        )

    def _activity(self, name: str, **fields: Any) -> str:
        """Add an ActivityDefinition; its canonical URL (for `definitionCanonical`)."""
        url = self._reference(name)
        self._add(
            name,
            {"resourceType": "ActivityDefinition", "url": url, **self._metadata(), **fields},
        )
        return url

    # the procedure and its steps

    def _procedure_action(self, *, goal_ids: list[str]) -> dict[str, Any]:
        doc = self.doc
        procedure = doc.get("procedure") or {}
        performer = procedure.get("performer", "")
        participants = [{"role": _words(performer)}] if performer else []
        definition = self._activity(
            "ActivityDefinition/procedure",
            title=doc["title"],
            description=procedure.get("intro"),
            code=_concept(doc["title"], doc.get("codes")),
            participant=participants,
            timingTiming=_frequency_limit((doc.get("course") or {}).get("frequency_limit")),
        )
        steps = [self._step_action(n, step) for n, step in enumerate(procedure.get("steps", []), 1)]
        medications = [
            self._medication_action(n, medication)
            for n, medication in enumerate(doc.get("medications", []), 1)
        ]
        return _pruned(
            {
                "linkId": PROCEDURE,
                "title": doc["title"],
                "description": procedure.get("intro"),
                "code": _concept("", doc.get("codes")),
                "goalId": goal_ids,
                "timingTiming": _course_timing(doc.get("course") or {}),
                "participant": participants,
                "definitionCanonical": definition,
                "action": [*steps, *medications],
            }
        )

    def _step_action(self, number: int, step: dict[str, Any]) -> dict[str, Any]:
        performer = step.get("performer", "")
        participants = [{"role": _words(performer)}] if performer else []
        definition = self._activity(
            f"ActivityDefinition/step-{number}",
            title=step["title"],
            description=step["detail"],
            bodySite=[_words(step["body_site"])] if step.get("body_site") else [],
            quantity=_quantity(step.get("quantity")),
            participant=participants,
        )
        # Steps are in the order of the list: each one follows the end of the one before.
        previous = (
            [{"targetId": f"step-{number - 1}", "relationship": "after-end"}] if number > 1 else []
        )
        return _pruned(
            {
                "linkId": f"step-{number}",
                "prefix": f"{number}.",
                "title": step["title"],
                "description": step["detail"],
                "relatedAction": previous,
                # (1.1) A step done only in some cases may be left out.
                "requiredBehavior": "could" if step.get("optional") else None,
                "timingTiming": _step_timing(step),
                "participant": participants,
                "definitionCanonical": definition,
            }
        )

    def _medication_action(self, number: int, medication: dict[str, Any]) -> dict[str, Any]:
        """(1.1) A drug the treatment gives: an activity whose product is the drug."""
        role, route = medication.get("role"), medication.get("route")
        definition = self._activity(
            f"ActivityDefinition/medication-{number}",
            title=medication["name"],
            description=medication.get("drug_class"),
            usage=str(MedicationRole(role).label) if role and role != NOT_STATED else None,
            productCodeableConcept=_concept(medication["name"], medication.get("codes")),
            dosage=[{"route": _words(str(MedicationRoute(route).label))}]
            if route and route != NOT_STATED
            else [],
        )
        return {
            "linkId": f"medication-{number}",
            "title": medication["name"],
            "definitionCanonical": definition,
        }

    # recovery and preparation rules

    def _rule_action(self, number: int, rule: dict[str, Any]) -> dict[str, Any]:
        restriction = rule["restriction"]
        definition = self._activity(
            f"ActivityDefinition/rule-{number}",
            title=rule["activity_label"],
            description=rule["patient_text"],
            code=_concept(rule["activity_label"]),
            doNotPerform=True if restriction == RestrictionKind.AVOID else None,
            productCodeableConcept=_medication_concept(rule.get("medication")),
        )
        related, timing = _window(rule["window"])
        return _pruned(
            {
                "linkId": f"rule-{number}",
                "title": _rule_title(RestrictionKind(restriction).label, rule["activity_label"]),
                "description": rule["patient_text"],
                "relatedAction": [related],
                "timingTiming": timing,
                "definitionCanonical": definition,
            }
        )

    # timeline

    def _goals(self) -> list[dict[str, Any]]:
        return [
            {
                "id": f"goal-{n}",
                # FHIR requires a description: the event's words, else its kind's name.
                "description": _words(
                    event["patient_text"]
                    or event["label"]
                    or str(TimelineEventKind(event["kind"]).label)
                ),
                "target": [_target(event)],
            }
            for n, event in enumerate(self.doc.get("timeline", []), 1)
        ]

    # risks, contraindications, warning signs

    def _clinical_use(
        self, name: str, kind: str, text: dict[str, Any] | None, **fields: Any
    ) -> None:
        self._add(
            name,
            {
                "resourceType": "ClinicalUseDefinition",
                "language": self.doc.get("language"),
                "text": text,
                "type": kind,
                "subject": [{"reference": self._reference("PlanDefinition")}],
                "status": {"coding": [{"system": PUBLICATION_STATUS, "code": "active"}]},
                **fields,
            },
        )

    def _risks(self) -> None:
        for number, risk in enumerate((self.doc.get("risks") or {}).get("items", []), 1):
            likelihood = risk["likelihood"]
            band = likelihood["band"]
            frequency: dict[str, Any] = {}
            if band in FREQUENCY_CODES:
                code = FREQUENCY_CODES[band]
                frequency["coding"] = [
                    {"system": UNDESIRABLE_EFFECT_FREQUENCY, "code": code, "display": code}
                ]
            frequency["text"] = likelihood.get("wording") or str(LikelihoodBand(band).label)
            effect = {
                "symptomConditionEffect": {"concept": _concept(risk["name"], risk.get("codes"))},
                "frequencyOfOccurrence": frequency,
            }
            population = []
            if risk.get("population"):
                # (1.1) Who the risk applies to: a Group defined by the source's words.
                group = f"Group/risk-{number}"
                self._add(
                    group,
                    {
                        "resourceType": "Group",
                        "language": self.doc.get("language"),
                        "type": "person",
                        "membership": "definitional",
                        "name": risk["population"],
                    },
                )
                population = [{"reference": self._reference(group)}]
            self._clinical_use(
                f"ClinicalUseDefinition/risk-{number}",
                "undesirable-effect",
                _narrative(risk["description"], risk.get("resolves_wording", "")),
                population=population,
                undesirableEffect=effect,
            )

    def _safety(self) -> None:
        safety = self.doc.get("safety") or {}
        # (1.1) The structured items when given; their texts are the 1.0 string lists.
        contraindications = safety.get("contraindication_items") or [
            {"text": text} for text in safety.get("contraindications", [])
        ]
        for number, item in enumerate(contraindications, 1):
            kind = item.get("kind")
            self._clinical_use(
                f"ClinicalUseDefinition/contraindication-{number}",
                "contraindication",
                _narrative(str(ContraindicationKind(kind).label))
                if kind and kind != NOT_STATED
                else None,
                contraindication={
                    "diseaseSymptomProcedure": {
                        "concept": _concept(item["text"], item.get("codes"))
                    }
                },
            )
        warning_signs = safety.get("warning_sign_items") or [
            {"text": text} for text in safety.get("warning_signs", [])
        ]
        for number, item in enumerate(warning_signs, 1):
            urgency = item.get("urgency")
            urgency_words = (
                str(WarningUrgency(urgency).label) if urgency and urgency != NOT_STATED else ""
            )
            self._clinical_use(
                f"ClinicalUseDefinition/warning-{number}",
                "warning",
                None,
                warning={
                    "description": _markdown(item["text"], item.get("action", ""), urgency_words)
                },
            )
