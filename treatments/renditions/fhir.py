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
- (1.2) Eligibility is an EvidenceVariable: one characteristic per criterion (the source's
  sentence as its description; the procedure, treatment or diagnosis with its codes, or an age
  as a UCUM value; "at least 2" as the number of instances; "for 6 weeks" as a duration). It is
  the PlanDefinition's subject (who the plan is for), and each criterion is an applicability
  condition of the procedure that refers to its characteristic. Amounts on UCUM units are
  Quantities (Durations, Ranges) with the UCUM system, step durations in seconds and decimals
  are Timing durations, a dose per session is the drug's dose, and the course repeat interval
  is an action that repeats the procedure after the end of the course.

Resource ids are UUIDs derived from the treatment's id and the item's place (stable across
revisions while the content keeps its order), so entries reference each other by `urn:uuid:`.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from treatments.choices import (
    ContraindicationKind,
    CountRelation,
    EligibilityKind,
    MedicationRole,
    MedicationRoute,
    RestrictionKind,
    Seriousness,
    TimelineEventKind,
    WarningUrgency,
)
from treatments.documents.ucum import UNITS, Dimension

from .fhir_datatypes import (
    PROCEDURE,
    PUBLICATION_STATUS,
    computable_name,
    concept,
    course_timing,
    first_said,
    frequency,
    frequency_limit,
    markdown,
    medication_concept,
    narrative,
    pruned,
    quantity,
    rule_title,
    stated,
    step_timing,
    target,
    ucum_choice,
    window,
    words,
)

COURSE_REPEAT = "course-repeat"


@dataclass(frozen=True)
class FhirUrls:
    """The absolute URLs the rendition names; the API computes them when it serves one."""

    canonical: str  # the treatment's permanent address (by id): the PlanDefinition's url
    bundle: str  # where this Bundle is served (Bundle.link self)


def fhir_bundle(document: dict[str, Any], *, urls: FhirUrls) -> dict[str, Any]:
    """The FHIR R5 Bundle (collection) of a frozen treatment document."""
    return _Rendition(document, urls).bundle()


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
        self.entries.append({"fullUrl": self._reference(name), "resource": pruned(resource)})

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
            "copyright": markdown(doc.get("attribution", ""), licence.get("url") or ""),
            "copyrightLabel": licence.get("name"),
        }

    # the bundle

    def bundle(self) -> dict[str, Any]:
        goals = self._goals()
        eligibility = self._eligibility()
        procedure = self._procedure_action(
            goal_ids=[g["id"] for g in goals], eligibility=eligibility
        )
        rules = [
            self._rule_action(n, rule)
            for n, rule in enumerate(self.doc.get("recovery_rules", []), 1)
        ]
        repeat = self._course_repeat_action(procedure.get("definitionCanonical"))
        plan = self._plan_definition(goals=goals, actions=[procedure, *repeat, *rules])
        if eligibility is not None:
            plan["resource"]["subjectCanonical"] = eligibility
        self.entries.insert(0, plan)
        self._risks()
        self._safety()
        return pruned(
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
        resource = pruned(
            {
                "resourceType": "PlanDefinition",
                "id": self._uuid("PlanDefinition"),
                "url": self.urls.canonical,
                "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{doc['id']}"}],
                "name": computable_name(doc["slug"]),
                "title": doc["title"],
                **self._metadata(),
                "description": markdown(doc["summary"], doc.get("overview", "")),
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
        return pruned(
            {
                "type": "derived-from",
                "display": source["title"],
                "citation": markdown(source.get("publisher", ""), source.get("note", "")),
                "document": pruned(document) if source.get("url") else None,
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

    def _procedure_action(self, *, goal_ids: list[str], eligibility: str | None) -> dict[str, Any]:
        doc = self.doc
        procedure = doc.get("procedure") or {}
        performer = procedure.get("performer", "")
        participants = [{"role": words(performer)}] if performer else []
        definition = self._activity(
            "ActivityDefinition/procedure",
            title=doc["title"],
            description=procedure.get("intro"),
            code=concept(doc["title"], doc.get("codes")),
            participant=participants,
            timingTiming=frequency_limit((doc.get("course") or {}).get("frequency_limit")),
        )
        steps = [self._step_action(n, step) for n, step in enumerate(procedure.get("steps", []), 1)]
        medications = [
            self._medication_action(n, medication)
            for n, medication in enumerate(doc.get("medications", []), 1)
        ]
        return pruned(
            {
                "linkId": PROCEDURE,
                "title": doc["title"],
                "description": procedure.get("intro"),
                "code": concept("", doc.get("codes")),
                "goalId": goal_ids,
                "condition": [
                    self._condition(number, criterion, eligibility)
                    for number, criterion in enumerate(doc.get("eligibility", []), 1)
                ],
                "timingTiming": course_timing(doc.get("course") or {}),
                "participant": participants,
                "definitionCanonical": definition,
                "action": [*steps, *medications],
            }
        )

    def _step_action(self, number: int, step: dict[str, Any]) -> dict[str, Any]:
        performer = step.get("performer", "")
        participants = [{"role": words(performer)}] if performer else []
        definition = self._activity(
            f"ActivityDefinition/step-{number}",
            title=step["title"],
            description=step["detail"],
            bodySite=[words(step["body_site"])] if step.get("body_site") else [],
            quantity=quantity(step.get("quantity"), step.get("quantity_ucum")),
            participant=participants,
        )
        # Steps are in the order of the list: each one follows the end of the one before.
        previous = (
            [{"targetId": f"step-{number - 1}", "relationship": "after-end"}] if number > 1 else []
        )
        return pruned(
            {
                "linkId": f"step-{number}",
                "prefix": f"{number}.",
                "title": step["title"],
                "description": step["detail"],
                "relatedAction": previous,
                # (1.1) A step done only in some cases may be left out.
                "requiredBehavior": "could" if step.get("optional") else None,
                "timingTiming": step_timing(step),
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
            usage=stated(MedicationRole, role),
            productCodeableConcept=concept(medication["name"], medication.get("codes")),
            dosage=[
                {
                    "route": words(stated(MedicationRoute, route)),
                    # (1.2) What one session gives, exact or as a range.
                    "doseAndRate": [ucum_choice("dose", medication.get("dose_per_session"))],
                }
            ],
        )
        return {
            "linkId": f"medication-{number}",
            "title": medication["name"],
            "definitionCanonical": definition,
        }

    def _course_repeat_action(self, procedure: str | None) -> list[dict[str, Any]]:
        """(1.2) The course done again, the repeat interval after the end of the course."""
        offset = ucum_choice("offset", (self.doc.get("course") or {}).get("repeat_interval"))
        if not offset:  # none, or approximate (words only, in the course's text)
            return []
        if "offsetQuantity" in offset:
            offset = {"offsetDuration": offset.pop("offsetQuantity")}
        related = {"targetId": PROCEDURE, "relationship": "after-end", **offset}
        return [
            {
                "linkId": COURSE_REPEAT,
                "relatedAction": [related],
                "definitionCanonical": procedure,
            }
        ]

    # eligibility

    def _eligibility(self) -> str | None:
        """(1.2) The EvidenceVariable of who may have it; its canonical URL (None: no criteria)."""
        criteria = self.doc.get("eligibility", [])
        if not criteria:
            return None
        name = "EvidenceVariable/eligibility"
        url = self._reference(name)
        characteristics = [self._characteristic(n, c) for n, c in enumerate(criteria, 1)]
        self._add(
            name,
            {
                "resourceType": "EvidenceVariable",
                "url": url,
                **self._metadata(),
                "characteristic": characteristics,
            },
        )
        return url

    def _characteristic(self, number: int, criterion: dict[str, Any]) -> dict[str, Any]:
        amount = criterion.get("quantity")
        dimension = UNITS[amount["unit"]].dimension if amount else None
        characteristic: dict[str, Any] = {
            "linkId": f"criterion-{number}",
            "description": criterion["explanation"],
        }
        if criterion["kind"] == EligibilityKind.AGE and ucum_choice("value", amount):
            characteristic["definitionByTypeAndValue"] = {
                "type": words(str(EligibilityKind.AGE.label)),
                **ucum_choice("value", amount),
            }
        else:
            subject = first_said(criterion.get("subject", ""), criterion["explanation"])
            characteristic["definitionCodeableConcept"] = concept(subject, criterion.get("codes"))
            if dimension == Dimension.TIME:  # "for at least 6 weeks"
                characteristic |= ucum_choice("duration", amount)
        count, relation = criterion.get("count"), criterion.get("count_relation")
        if count is not None:
            instances = {"value": count}
            characteristic |= {
                CountRelation.EXACTLY: {"instancesQuantity": instances},
                CountRelation.AT_LEAST: {"instancesRange": {"low": instances}},
                CountRelation.AT_MOST: {"instancesRange": {"high": instances}},
            }[CountRelation(str(relation))]
        return characteristic

    def _condition(self, number: int, criterion: dict[str, Any], url: str | None) -> dict[str, Any]:
        """(1.2) A criterion as an applicability condition: its words and its characteristic."""
        return {
            "kind": "applicability",
            "expression": {
                "description": criterion["explanation"],
                "reference": f"{url}#criterion-{number}",
            },
        }

    # recovery and preparation rules

    def _rule_action(self, number: int, rule: dict[str, Any]) -> dict[str, Any]:
        restriction = rule["restriction"]
        definition = self._activity(
            f"ActivityDefinition/rule-{number}",
            title=rule["activity_label"],
            description=rule["patient_text"],
            code=concept(rule["activity_label"]),
            doNotPerform=True if restriction == RestrictionKind.AVOID else None,
            productCodeableConcept=medication_concept(rule.get("medication")),
        )
        related, timing = window(rule["window"])
        return pruned(
            {
                "linkId": f"rule-{number}",
                "title": rule_title(RestrictionKind(restriction).label, rule["activity_label"]),
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
                "description": words(
                    first_said(
                        event["patient_text"],
                        event["label"],
                        str(TimelineEventKind(event["kind"]).label),
                    )
                ),
                "target": [target(event)],
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
            effect = {
                "symptomConditionEffect": {"concept": concept(risk["name"], risk.get("codes"))},
                "frequencyOfOccurrence": frequency(risk["likelihood"]),
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
                narrative(
                    risk["description"],
                    risk.get("resolves_wording", ""),
                    stated(Seriousness, risk.get("seriousness")),
                ),
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
            self._clinical_use(
                f"ClinicalUseDefinition/contraindication-{number}",
                "contraindication",
                narrative(stated(ContraindicationKind, item.get("kind"))),
                contraindication={
                    "diseaseSymptomProcedure": {"concept": concept(item["text"], item.get("codes"))}
                },
            )
        warning_signs = safety.get("warning_sign_items") or [
            {"text": text} for text in safety.get("warning_signs", [])
        ]
        for number, item in enumerate(warning_signs, 1):
            urgency_words = stated(WarningUrgency, item.get("urgency"))
            self._clinical_use(
                f"ClinicalUseDefinition/warning-{number}",
                "warning",
                None,
                warning={
                    "description": markdown(item["text"], item.get("action", ""), urgency_words)
                },
            )
