"""The FHIR R5 rendition validates with fhir.resources (R5 models), for the seed and any content.

fhir.resources checks structure, types, cardinality and required elements. What it leaves to
the caller is checked here as well: coded values are in the element's FHIR value set (where
FHIR fixes one), references resolve inside the Bundle to a resource type the element allows,
`relatedAction` and `goalId` name actions and goals of the plan, narratives are XHTML, and the
Timing invariants hold.
"""

import datetime as dt
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fhir.resources
import yaml
from fhir.resources.bundle import Bundle
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from hypothesis import given, settings

from api.v1.examples import seed_document
from tests.strategies import treatment_contents
from treatments.choices import UcumUnit
from treatments.documents.build import build_document
from treatments.renditions.fhir import FhirUrls, fhir_bundle
from treatments.renditions.fhir_datatypes import UCUM, ucum_value
from treatments.services import content_validate

# Deterministic in CI, as the other property tests: no example database, derandomized.
GENERATED = settings(derandomize=True, database=None, max_examples=80, deadline=None)
URLS = FhirUrls(
    canonical="https://api.example.org/api/v1/treatments/0d5c7a2e-5b8e-4a43-9d3a-3f1f1c3f7a10/",
    bundle="https://api.example.org/api/v1/treatments/example/fhir/",
)
XHTML_DIV = "{http://www.w3.org/1999/xhtml}div"
FIXTURE = Path(__file__).parent.parent / "content" / "every-1-1-field.yaml"
FIXTURE_1_2 = FIXTURE.with_name("every-1-2-field.yaml")


def _codings(value: Any) -> Iterator[dict[str, Any]]:
    """Every {system, code, ...} object anywhere in `value`."""
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            yield value
        for child in value.values():
            yield from _codings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _codings(child)


def _seed() -> dict[str, Any]:
    # A copy: the example is built once and shared.
    return {k: v for k, v in seed_document().items() if k != "links"}


def _walk(model: FHIRAbstractModel, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, field info, value) for every element set anywhere in `model`."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            yield f"{path}.{name}", info, item
            if isinstance(item, FHIRAbstractModel):
                yield from _walk(item, f"{path}.{name}")


def _extra(info: Any, key: str) -> Any:
    return (
        (info.json_schema_extra or {}).get(key)
        if isinstance(info.json_schema_extra, dict)
        else None
    )


def validated(bundle: dict[str, Any]) -> Bundle:
    """The Bundle parsed by the R5 models, after every check the models leave to the caller."""
    parsed = Bundle.model_validate(bundle)
    # The JSON is the one the API serves: strict, and the same after a round trip.
    assert json.loads(json.dumps(bundle, allow_nan=False)) == bundle
    assert parsed.type == "collection"
    entries: dict[Any, Any] = {entry.fullUrl: entry.resource for entry in parsed.entry or []}
    assert len(entries) == len(parsed.entry or []), "fullUrls must be unique"
    canonicals = {
        r.url: r for r in entries.values() if r.get_resource_type() == "ActivityDefinition"
    }
    for full_url, resource in entries.items():
        assert full_url == f"urn:uuid:{resource.id}", "a urn:uuid fullUrl is the resource id"
        plan_links: set[str] = set()
        goals: set[str] = set()
        if resource.get_resource_type() == "PlanDefinition":
            goals = {g.id for g in resource.goal or []}
        for path, info, value in _walk(resource, resource.get_resource_type()):
            allowed = _extra(info, "enum_values")
            if allowed and isinstance(value, str):
                assert value in allowed, f"{path}: {value!r} is not one of {allowed}"
            targets = _extra(info, "enum_reference_types")
            if targets and getattr(value, "reference", None):
                target = entries.get(value.reference)
                assert target is not None, f"{path}: {value.reference} is not in the Bundle"
                assert target.get_resource_type() in targets, path
            if path.endswith("definitionCanonical"):
                assert value in canonicals, f"{path}: {value} is not an ActivityDefinition here"
            if path.endswith(".action.linkId"):
                plan_links.add(value)
            if path.endswith(".goalId"):
                assert value in goals, f"{path}: no goal {value}"
            if path.endswith(".repeat"):
                assert value.countMax is None or value.count is not None, "tim-8"
                assert value.periodMax is None or value.period is not None, "tim-6"
                assert value.durationMax is None or value.duration is not None, "tim-7"
                assert value.period is None or value.periodUnit is not None, "tim-2"
                assert value.duration is None or value.durationUnit is not None, "tim-1"
        if resource.get_resource_type() == "PlanDefinition":
            for path, _info, value in _walk(resource):
                if path.endswith("relatedAction.targetId"):
                    assert value in plan_links, f"{path}: no action {value}"
        if resource.text is not None:
            div = ET.fromstring(resource.text.div)
            assert div.tag == XHTML_DIV, "a narrative is one XHTML div"
            assert "".join(div.itertext()).strip(), "txt-2: a narrative says something"
    return parsed


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_package_gives_fhir_r5() -> None:
    assert fhir.resources.__fhir_version__.startswith("5."), "the rendition targets FHIR R5"


def test_the_seed_bundle_validates_and_maps_every_section() -> None:
    document = _seed()
    bundle = fhir_bundle(document, urls=URLS)
    validated(bundle)
    [plan] = _resources(bundle, "PlanDefinition")
    assert bundle["entry"][0]["resource"] is plan
    assert plan["url"] == URLS.canonical and plan["version"] == "1"
    assert plan["status"] == "active" and plan["date"] == document["published_at"]
    assert plan["lastReviewDate"] == "2026-11-24"
    assert plan["copyright"] == document["attribution"]
    assert plan["copyrightLabel"] == document["licence"]["name"]
    assert plan["publisher"] == document["sources"][0]["publisher"]
    procedure, *rules = plan["action"]
    steps = procedure["action"]
    assert [s["title"] for s in steps] == [s["title"] for s in document["procedure"]["steps"]]
    assert steps[1]["relatedAction"] == [{"targetId": "step-1", "relationship": "after-end"}]
    assert steps[1]["timingTiming"] == {"code": {"text": "quickly"}}
    assert procedure["timingTiming"]["repeat"] == {"count": 2, "countMax": 3}
    running = rules[2]
    assert running["title"] == "Avoid: running or jogging"
    assert running["relatedAction"][0]["relationship"] == "after-end"
    assert running["timingTiming"]["repeat"]["boundsRange"]["low"]["value"] == 72
    definitions = {a["url"]: a for a in _resources(bundle, "ActivityDefinition")}
    assert definitions[running["definitionCanonical"]]["doNotPerform"] is True
    resume = definitions[rules[1]["definitionCanonical"]]
    assert "doNotPerform" not in resume
    # The approximate "about 10 cc" stays in the step's words: no exact quantity is made up.
    assert all("quantity" not in a for a in definitions.values())
    onset = plan["goal"][0]["target"][0]["detailRange"]
    assert (onset["low"]["value"], onset["high"]["value"], onset["low"]["code"]) == (8, 12, "wk")
    assert plan["goal"][1]["target"][0]["detailString"] == "several months or longer"
    uses = _resources(bundle, "ClinicalUseDefinition")
    # The seed names no contraindications or warning signs: none appear.
    assert [u["type"] for u in uses] == ["undesirable-effect"] * 3
    bleeding = uses[0]["undesirableEffect"]
    assert bleeding["symptomConditionEffect"]["concept"] == {
        "text": "Bleeding at the injection site"
    }
    assert bleeding["frequencyOfOccurrence"]["coding"][0]["code"] == "Rare"
    assert bleeding["frequencyOfOccurrence"]["text"] == "rarely; unusual for this procedure"
    no_risk = uses[2]["undesirableEffect"]["frequencyOfOccurrence"]
    assert no_risk == {"text": "no risk"}, "a band FHIR does not name stays words"


def test_the_bundle_is_a_pure_function_of_the_document_and_urls() -> None:
    document = _seed()
    assert fhir_bundle(document, urls=URLS) == fhir_bundle(
        json.loads(json.dumps(document)), urls=URLS
    )
    other = fhir_bundle(
        document, urls=FhirUrls(canonical="https://b.example/x/", bundle="https://b.example/y/")
    )
    assert other["entry"][0]["resource"]["url"] == "https://b.example/x/"


def _document(**content: Any) -> dict[str, Any]:
    base = {
        "slug": "example",
        "title": "Example",
        "category": {"slug": "examples", "name": "Examples"},
        "summary": "An example.",
        "classification": {"kind": "other"},
    }
    return build_document(
        treatment_id=uuid.UUID(int=7),
        content=content_validate({**base, **content}).model_dump(mode="json"),
        revision=3,
        published_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )


def test_a_preparation_window_is_before_the_start_of_the_procedure() -> None:
    rule = {
        "activity": "medication",
        "activity_label": "anti-inflammatory medicines",
        "restriction": "avoid",
        "window": {"start": -7, "end": 0, "unit": "day"},
        "patient_text": "Stop a week before.",
    }
    bundle = fhir_bundle(_document(recovery_rules=[rule]), urls=URLS)
    validated(bundle)
    [_procedure, action] = bundle["entry"][0]["resource"]["action"]
    related = action["relatedAction"][0]
    assert related["relationship"] == "before-start" and related["offsetDuration"]["value"] == 7
    assert action["timingTiming"]["repeat"]["boundsDuration"]["value"] == 7


def test_exact_quantities_intervals_and_frequency_bands_use_fhir_codes() -> None:
    step = {
        "title": "Inject",
        "detail": "Inject 2 ml.",
        "quantity": {"min": 2, "max": 2, "unit": "ml"},
        "duration": {"min": 10, "max": 15, "unit": "minute"},
    }
    risk = {"name": "Soreness", "description": "", "likelihood": {"band": "very_common"}}
    document = _document(
        procedure={"steps": [step]},
        course={"sessions": {"max": 3}, "interval": {"min": 2, "max": 4, "unit": "week"}},
        risks={"items": [risk]},
        safety={"contraindications": ["Pregnancy"], "warning_signs": ["Fever"]},
    )
    bundle = fhir_bundle(document, urls=URLS)
    validated(bundle)
    [procedure] = bundle["entry"][0]["resource"]["action"]
    assert procedure["timingTiming"]["repeat"] == {
        "count": 1,
        "countMax": 3,
        "frequency": 1,
        "period": 2,
        "periodMax": 4,
        "periodUnit": "wk",
    }
    assert procedure["action"][0]["timingTiming"]["repeat"] == {
        "duration": 10,
        "durationMax": 15,
        "durationUnit": "min",
    }
    [step_definition] = [
        a for a in _resources(bundle, "ActivityDefinition") if a["title"] == "Inject"
    ]
    assert step_definition["quantity"] == {
        "value": 2,
        "unit": "ml",
        "system": "http://unitsofmeasure.org",
        "code": "mL",
    }
    risk_use, contraindication, warning = _resources(bundle, "ClinicalUseDefinition")
    # "very common" has no code in FHIR's frequency code system: words only.
    assert "coding" not in risk_use["undesirableEffect"]["frequencyOfOccurrence"]
    assert contraindication["contraindication"]["diseaseSymptomProcedure"]["concept"] == {
        "text": "Pregnancy"
    }
    assert warning["warning"] == {"description": "Fever"}


def test_text_of_whitespace_only_says_nothing_and_required_words_fall_back() -> None:
    # A no-break space is valid content, but says nothing: FHIR gets no empty-looking strings
    # (fhir.resources refuses them) and a goal still has the description FHIR requires.
    blank = "\u00a0"
    document = _document(
        timeline=[
            {
                "kind": "onset",
                "label": blank,
                "range": {"unit": "week", "wording": blank},
                "patient_text": blank,
            }
        ],
        risks={"items": [{"name": blank, "description": blank, "likelihood": {"band": "rare"}}]},
        attribution=blank,
    )
    bundle = fhir_bundle(document, urls=URLS)
    validated(bundle)
    plan = bundle["entry"][0]["resource"]
    assert plan["goal"] == [
        {"id": "goal-1", "description": {"text": "Time until the effect is noticed"}}
    ]
    assert "copyright" not in plan
    [risk] = _resources(bundle, "ClinicalUseDefinition")
    assert "text" not in risk and "symptomConditionEffect" not in risk["undesirableEffect"]


SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def test_every_schema_1_1_field_is_carried_with_its_codes_as_given() -> None:
    # Made-up content exercising the mapping (codes are placeholders, not real clinical codes).
    code = {"system": SNOMED, "code": "1000001", "display": "Example procedure"}
    drug_code = {"system": RXNORM, "code": "2000002"}
    document = _document(
        codes=[code],
        medications=[
            {
                "name": "example drug",
                "drug_class": "example class",
                "role": "anaesthetic",
                "route": "local_injection",
                "codes": [drug_code],
            }
        ],
        procedure={
            "steps": [
                {
                    "title": "Scan",
                    "detail": "Ultrasound may be used.",
                    "optional": True,
                    "guidance": "ultrasound",
                    "guidance_optional": True,
                    "duration": {"min": 10, "max": 15, "unit": "minute", "approximate": True},
                    "duration_wording": "about 10 to 15 minutes",
                }
            ]
        },
        risks={
            "items": [
                {
                    "name": "Raised blood sugar",
                    "description": "Blood sugar may rise.",
                    "likelihood": {"band": "common"},
                    "population": "people with diabetes",
                    "codes": [{"system": SNOMED, "code": "3000003"}],
                }
            ]
        },
        recovery_rules=[
            {
                "activity": "medication",
                "activity_label": "anti-inflammatory medicines",
                "restriction": "avoid",
                "window": {"start": -7, "end": 0, "unit": "day"},
                "patient_text": "Stop anti-inflammatory medicines a week before.",
                "medication": {"drug_class": "anti-inflammatory medicines", "codes": [drug_code]},
            }
        ],
        course={
            "frequency_limit": {"max_sessions": 3, "period": 1, "period_unit": "year"},
            "minimum_interval": {"value": 3, "unit": "month"},
        },
        timeline=[
            {
                "kind": "onset",
                "label": "First improvement",
                "range": {"min": 1, "max": 2, "unit": "week"},
                "patient_text": "",
                "milestone": "first_improvement",
            }
        ],
        safety={
            "contraindication_items": [
                {"text": "Active infection", "kind": "absolute", "codes": [code]}
            ],
            "warning_sign_items": [
                {"text": "Fever", "action": "Call the clinic", "urgency": "same_day"}
            ],
        },
    )
    assert document["schema_version"] == "1.2"
    bundle = fhir_bundle(document, urls=URLS)
    validated(bundle)
    [procedure, rule] = bundle["entry"][0]["resource"]["action"]
    coding = {"system": SNOMED, "code": "1000001", "display": "Example procedure"}
    assert procedure["code"] == {"coding": [coding]}
    definitions = {a["url"]: a for a in _resources(bundle, "ActivityDefinition")}
    treatment = definitions[procedure["definitionCanonical"]]
    assert treatment["code"]["coding"] == [coding]
    assert treatment["timingTiming"]["repeat"]["countMax"] == 3
    assert treatment["timingTiming"]["repeat"]["boundsDuration"]["code"] == "a"
    step, medication = procedure["action"]
    assert step["requiredBehavior"] == "could"
    # About 10 to 15 minutes: FHIR cannot say "about", so the numbers stay in the words.
    assert step["timingTiming"] == {"code": {"text": "about 10 to 15 minutes"}}
    drug = definitions[medication["definitionCanonical"]]
    assert drug["productCodeableConcept"] == {
        "coding": [{"system": RXNORM, "code": "2000002"}],
        "text": "example drug",
    }
    assert drug["dosage"] == [{"route": {"text": "Injected at the treated site"}}]
    stop = definitions[rule["definitionCanonical"]]
    assert stop["doNotPerform"] is True
    assert stop["productCodeableConcept"]["text"] == "anti-inflammatory medicines"
    assert rule["relatedAction"][0]["relationship"] == "before-start"
    [group] = _resources(bundle, "Group")
    assert group["name"] == "people with diabetes" and group["membership"] == "definitional"
    risk, contraindication, warning = _resources(bundle, "ClinicalUseDefinition")
    assert risk["population"] == [{"reference": f"urn:uuid:{group['id']}"}]
    effect = risk["undesirableEffect"]
    assert effect["symptomConditionEffect"]["concept"]["coding"][0]["code"] == "3000003"
    assert effect["frequencyOfOccurrence"]["coding"][0]["code"] == "Common"
    assert contraindication["contraindication"]["diseaseSymptomProcedure"]["concept"] == {
        "coding": [coding],
        "text": "Active infection",
    }
    assert "Absolute" in contraindication["text"]["div"]
    assert warning["warning"]["description"].startswith("Fever\n\nCall the clinic")
    goal = bundle["entry"][0]["resource"]["goal"][0]
    assert goal["description"] == {"text": "First improvement"}


@GENERATED
@given(data=treatment_contents)
def test_the_bundle_of_any_valid_content_validates(data: dict[str, Any]) -> None:
    content = content_validate(data).model_dump(mode="json")
    document = build_document(
        treatment_id=uuid.UUID(int=42),
        content=content,
        revision=1,
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    bundle = fhir_bundle(document, urls=URLS)
    parsed = validated(bundle)
    _assert_one_resource_per_item(content, bundle)
    assert len(parsed.entry or []) == len(bundle["entry"])


def _assert_one_resource_per_item(content: dict[str, Any], bundle: dict[str, Any]) -> None:
    """Every step, rule, drug, risk, population, contraindication and warning sign is there."""
    kinds = ("PlanDefinition", "ActivityDefinition", "ClinicalUseDefinition", "Group")
    counts = {kind: len(_resources(bundle, kind)) for kind in (*kinds, "EvidenceVariable")}
    steps, rules = content["procedure"]["steps"], content["recovery_rules"]
    activities = 1 + len(steps) + len(rules) + len(content["medications"])
    safety, risks = content["safety"], content["risks"]["items"]
    uses = len(risks) + len(safety["contraindications"]) + len(safety["warning_signs"])
    groups = len([r for r in risks if r["population"]])
    assert counts == {
        "PlanDefinition": 1,
        "ActivityDefinition": activities,
        "ClinicalUseDefinition": uses,
        "Group": groups,
        "EvidenceVariable": 1 if content["eligibility"] else 0,  # (1.2) all criteria in one
    }
    assert len(bundle["entry"]) == sum(counts.values())
    [plan] = _resources(bundle, "PlanDefinition")
    goals, actions = plan.get("goal", []), plan["action"]
    # (1.2) A course repeat interval in numbers is an action of its own.
    repeats = 1 if ucum_value(content["course"]["repeat_interval"]) else 0
    assert len(goals) == len(content["timeline"]) and len(actions) == 1 + repeats + len(rules)
    assert len(actions[0].get("condition", [])) == len(content["eligibility"])
    assert len(actions[0].get("action", [])) == len(steps) + len(content["medications"])


def test_the_schema_1_1_fixture_validates_with_one_resource_per_item() -> None:
    content = content_validate(yaml.safe_load(FIXTURE.read_text())).model_dump(mode="json")
    document = build_document(
        treatment_id=uuid.UUID(int=11),
        content=content,
        revision=1,
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    bundle = fhir_bundle(document, urls=URLS)
    validated(bundle)
    _assert_one_resource_per_item(content, bundle)
    codes = [c for e in bundle["entry"] for c in _codings(e["resource"])]
    given = [c for c in _codings(content) if "system" in c]
    # Every code of the document appears in the Bundle as given (system, code, display).
    for code in given:
        expected = {k: v for k, v in code.items() if v}
        assert expected in codes, f"{expected} is missing from the Bundle"


def _fixture_1_2_bundle() -> tuple[dict[str, Any], dict[str, Any]]:
    content = content_validate(yaml.safe_load(FIXTURE_1_2.read_text())).model_dump(mode="json")
    document = build_document(
        treatment_id=uuid.UUID(int=12),
        content=content,
        revision=1,
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    return content, fhir_bundle(document, urls=URLS)


def test_the_schema_1_2_fixture_validates_with_every_code_as_given() -> None:
    content, bundle = _fixture_1_2_bundle()
    validated(bundle)
    _assert_one_resource_per_item(content, bundle)
    codes = [c for e in bundle["entry"] for c in _codings(e["resource"])]
    for code in (c for c in _codings(content) if "system" in c):
        assert {k: v for k, v in code.items() if v} in codes
    # Every UCUM code in the Bundle is one the contract knows, or a FHIR UnitsOfTime code.
    ucum = {c["code"] for c in codes if c["system"] == UCUM}
    assert ucum and ucum <= set(UcumUnit.values)


def test_schema_1_2_amounts_are_ucum_quantities_timings_doses_and_a_repeat_action() -> None:
    _, bundle = _fixture_1_2_bundle()
    [plan] = _resources(bundle, "PlanDefinition")
    procedure, repeat = plan["action"][:2]
    heating, long_step, _ = procedure["action"][:3]
    assert heating["timingTiming"]["repeat"] == {"duration": 90.0, "durationUnit": "s"}
    assert long_step["timingTiming"]["repeat"] == {
        "duration": 1.5,
        "durationMax": 2.0,
        "durationUnit": "h",
    }
    activities = {a["title"]: a for a in _resources(bundle, "ActivityDefinition")}
    celsius = {"value": 80.0, "unit": "°C", "system": UCUM, "code": "Cel"}
    assert activities["Fixture heating step"]["quantity"] == celsius
    assert "quantity" not in activities["Fixture step in whole minutes"], "about 10 mL: words"
    assert activities["Fixtocaine"]["dosage"][0]["doseAndRate"] == [
        {"doseQuantity": {"value": 20.0, "unit": "mg", "system": UCUM, "code": "mg"}}
    ]
    assert "doseAndRate" not in activities["Fixtomab"]["dosage"][0], "about 2.5-4 mL: words"
    assert repeat["linkId"] == "course-repeat"
    assert repeat["definitionCanonical"] == procedure["definitionCanonical"]
    [related] = repeat["relatedAction"]
    assert (related["targetId"], related["relationship"]) == ("procedure", "after-end")
    months = {"unit": "mo", "system": UCUM, "code": "mo"}
    assert related["offsetRange"] == {
        "low": {"value": 6.0, **months},
        "high": {"value": 12.0, **months},
    }


def test_eligibility_is_the_plan_s_evidence_variable_and_the_procedure_s_conditions() -> None:
    content, bundle = _fixture_1_2_bundle()
    [plan] = _resources(bundle, "PlanDefinition")
    [variable] = _resources(bundle, "EvidenceVariable")
    assert plan["subjectCanonical"] == variable["url"]
    characteristics = variable["characteristic"]
    criteria = content["eligibility"]
    assert [c["description"] for c in characteristics] == [c["explanation"] for c in criteria]
    blocks, therapy, diagnosis, age, other = characteristics
    assert blocks["instancesRange"] == {"low": {"value": 2}}
    assert blocks["definitionCodeableConcept"]["text"] == "fixture block"
    assert therapy["durationRange"]["low"]["code"] == "wk"
    assert diagnosis["definitionCodeableConcept"]["coding"][0]["code"] == "1200002"
    assert age["definitionByTypeAndValue"]["valueRange"]["high"]["value"] == 80.5
    assert other["definitionCodeableConcept"] == {"text": criteria[4]["explanation"]}
    conditions = plan["action"][0]["condition"]
    for number, (condition, criterion) in enumerate(zip(conditions, criteria, strict=True), 1):
        assert condition["kind"] == "applicability"
        assert condition["expression"] == {
            "description": criterion["explanation"],
            "reference": f"{variable['url']}#criterion-{number}",
        }
