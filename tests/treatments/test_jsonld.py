"""The JSON-LD rendition: valid schema.org (checked offline), expandable, and nothing invented."""

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyld import jsonld

from tests.schemaorg import local_document_loader, problems, vocabulary
from treatments.documents.build import build_document
from treatments.documents.schema import TreatmentContent
from treatments.renditions.jsonld import JsonLdUrls, Publisher, treatment_jsonld

URLS = JsonLdUrls(
    page="https://api.example.org/embed/v1/treatments/x/",
    data="https://api.example.org/api/v1/treatments/x/",
)
PUBLISHER = Publisher(name="Example provider", url="https://api.example.org/")
# Free text where schema.org expects a Person or Organization: the document does not say which.
TEXT_FOR_THINGS = frozenset({"reviewedBy", "publisher"})
PUBLISHED_AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
TREATMENT_ID = "451fd2ca-b287-5ddf-b44a-6e2ba2a29040"


def _document(data: dict[str, Any]) -> dict[str, Any]:
    content = TreatmentContent.model_validate(data).model_dump(mode="json")
    return build_document(
        treatment_id=TREATMENT_ID, content=content, revision=3, published_at=PUBLISHED_AT
    )


def _richer(seed_data: dict[str, Any]) -> dict[str, Any]:
    """The seed plus every optional part the rendition maps (placeholder text, test-only)."""
    data = copy.deepcopy(seed_data)
    data["safety"]["contraindications"] = ["Contraindication A (test text)", "B (test text)"]
    data["recovery_rules"].append(
        {
            "activity": "eating_drinking",
            "activity_label": "eating (test text)",
            "restriction": "avoid",
            "window": {"start": -12, "end": 0, "unit": "hour"},
            "patient_text": "Preparation rule (test text).",
        }
    )
    data["procedure"]["steps"][2]["body_site"] = "second site (test text)"
    data["licence"] = {"name": "Licence (test text)", "url": "https://licence.example/terms"}
    data["sources"][0]["url"] = "https://source.example/page"
    return data


@pytest.fixture
def seed_jsonld(seed_data: dict[str, Any]) -> dict[str, Any]:
    return treatment_jsonld(_document(seed_data), urls=URLS, publisher=PUBLISHER)


@pytest.fixture
def richer_jsonld(seed_data: dict[str, Any]) -> dict[str, Any]:
    return treatment_jsonld(_document(_richer(seed_data)), urls=URLS, publisher=PUBLISHER)


def test_the_vocabulary_file_is_schema_org_with_the_health_extension() -> None:
    vocab = vocabulary()
    assert {"MedicalWebPage", "TherapeuticProcedure", "MedicalTherapy"} <= set(vocab.superclasses)
    assert "MedicalProcedure" in vocab.ancestors("TherapeuticProcedure")
    assert len(vocab.properties) > 1000


def test_every_type_and_property_of_the_seed_exists_in_schema_org(
    seed_jsonld: dict[str, Any],
) -> None:
    assert problems(seed_jsonld, text_for_things=TEXT_FOR_THINGS) == []
    assert seed_jsonld["@type"] == "MedicalWebPage"
    assert "TherapeuticProcedure" in seed_jsonld["about"]["@type"]


def test_every_optional_part_maps_to_a_valid_property(richer_jsonld: dict[str, Any]) -> None:
    assert problems(richer_jsonld, text_for_things=TEXT_FOR_THINGS) == []
    about = richer_jsonld["about"]
    assert about["contraindication"] == ["Contraindication A (test text)", "B (test text)"]
    assert about["preparation"] == "Preparation rule (test text)."
    assert "Preparation rule (test text)." not in about["followup"]
    assert about["bodyLocation"] == ["back portion of the hip bone", "second site (test text)"]
    assert richer_jsonld["license"]["url"] == "https://licence.example/terms"
    assert richer_jsonld["isBasedOn"]["url"] == "https://source.example/page"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["about"].update(step=["x"]), "step: not defined for"),
        (lambda d: d.update({"@type": "MedicalWebpage"}), "is not a schema.org class"),
        (lambda d: d.update(reviewer="x"), "reviewer: not a schema.org property"),
        (lambda d: d["about"].update(adverseOutcome="just text"), "text is not in the range"),
        (lambda d: d.update(about={"@type": "Person", "name": "x"}), None),
        (lambda d: d.update(license={"@type": "Person", "name": "x"}), "not in the range"),
    ],
)
def test_the_vocabulary_check_catches_what_schema_org_does_not_define(
    seed_jsonld: dict[str, Any], change: Any, expected: str | None
) -> None:
    changed = copy.deepcopy(seed_jsonld)
    change(changed)
    found = problems(changed, text_for_things=TEXT_FOR_THINGS)
    if expected is None:
        assert found == []
    else:
        assert any(expected in problem for problem in found), found


def test_a_json_ld_processor_expands_it_with_the_local_context(
    richer_jsonld: dict[str, Any],
) -> None:
    expanded = jsonld.expand(richer_jsonld, {"documentLoader": local_document_loader})
    (page,) = expanded
    assert page["@type"] == ["http://schema.org/MedicalWebPage"]
    assert page["@id"] == URLS.page
    about = page["http://schema.org/about"][0]
    assert set(about["@type"]) == {
        "http://schema.org/TherapeuticProcedure",
        "http://schema.org/MedicalTherapy",
    }
    # Expansion drops any term the context does not define: every property must survive.
    compact_terms = {k for k in richer_jsonld if not k.startswith("@")}
    expanded_terms = {k.rsplit("/", 1)[-1] for k in page if not k.startswith("@")}
    assert compact_terms == expanded_terms
    about_terms = {k for k in richer_jsonld["about"] if not k.startswith("@")}
    assert about_terms == {k.rsplit("/", 1)[-1] for k in about if not k.startswith("@")}
    assert page["http://schema.org/lastReviewed"] == [
        {"@type": "http://schema.org/Date", "@value": "2026-11-24"}
    ]


def test_a_json_ld_processor_turns_it_into_rdf(seed_jsonld: dict[str, Any]) -> None:
    quads = jsonld.to_rdf(
        seed_jsonld, {"documentLoader": local_document_loader, "format": "application/n-quads"}
    )
    assert f"<{URLS.page}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " in quads
    assert "<http://schema.org/MedicalWebPage>" in quads


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != "@context" for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_nothing_is_said_that_the_document_does_not_say(
    seed_data: dict[str, Any],
) -> None:
    document = _document(_richer(seed_data))
    rendered = treatment_jsonld(document, urls=URLS, publisher=PUBLISHER)
    stated = set(_strings(document))
    added = {
        URLS.page,
        f"{URLS.page}#treatment",
        URLS.data,
        PUBLISHER.name,
        PUBLISHER.url,
        f"urn:uuid:{TREATMENT_ID}",
        "application/json",
    }
    vocab = vocabulary()
    for text in _strings(rendered):
        if text in stated or text in added or vocab.is_type(text):
            continue
        if "\n" in text:  # howPerformed: the intro, then "n. <step detail>" in order
            intro, *steps = text.split("\n")
            assert intro == document["procedure"]["intro"]
            details = [s["detail"] for s in document["procedure"]["steps"]]
            assert steps == [f"{n}. {d}" for n, d in enumerate(details, 1)]
            continue
        raise AssertionError(f"{text!r} is not in the document")


def test_a_risk_the_source_calls_no_risk_is_no_adverse_outcome(
    seed_jsonld: dict[str, Any], seed_data: dict[str, Any]
) -> None:
    outcomes = [o["name"] for o in seed_jsonld["about"]["adverseOutcome"]]
    no_risk = [r["name"] for r in seed_data["risks"]["items"] if r["likelihood"]["band"] == "none"]
    assert no_risk and not set(no_risk) & set(outcomes)
    assert len(outcomes) == len(seed_data["risks"]["items"]) - len(no_risk)


def test_parts_the_document_leaves_empty_are_left_out(seed_data: dict[str, Any]) -> None:
    data = copy.deepcopy(seed_data)
    data["procedure"]["steps"] = []
    data["recovery_rules"], data["sources"], data["attribution"] = [], [], ""
    data["risks"]["items"], data["licence"] = [], {}
    data["review"] = {}
    rendered = treatment_jsonld(_document(data), urls=URLS, publisher=PUBLISHER)
    assert problems(rendered, text_for_things=TEXT_FOR_THINGS) == []
    for absent in ("lastReviewed", "reviewedBy", "license", "creditText", "isBasedOn"):
        assert absent not in rendered
    for absent in ("howPerformed", "bodyLocation", "followup", "adverseOutcome", "preparation"):
        assert absent not in rendered["about"]


FIXTURES = Path(__file__).parents[1] / "content"


@pytest.mark.parametrize("name", ["every-1-1-field.yaml", "every-1-2-field.yaml"])
def test_codes_and_drugs_map_to_valid_schema_org_and_say_only_what_the_document_says(
    name: str,
) -> None:
    document = _document(yaml.safe_load((FIXTURES / name).read_text()))
    rendered = treatment_jsonld(document, urls=URLS, publisher=PUBLISHER)
    assert problems(rendered, text_for_things=TEXT_FOR_THINGS) == []
    stated = set(_strings(document)) | {URLS.page, f"{URLS.page}#treatment", URLS.data}
    stated |= {PUBLISHER.name, PUBLISHER.url, f"urn:uuid:{TREATMENT_ID}", "application/json"}
    stated.add(rendered["about"].get("howPerformed", ""))  # the steps in order, checked above
    said = [t for t in _strings(rendered) if t not in stated and not vocabulary().is_type(t)]
    assert said == []
    expanded = jsonld.expand(rendered, {"documentLoader": local_document_loader})
    about = expanded[0]["http://schema.org/about"][0]
    for term in ("code", "drug"):
        if document.get({"code": "codes", "drug": "medications"}[term]):
            assert f"http://schema.org/{term}" in about, term


def test_the_treatment_its_drugs_risks_and_contraindications_carry_their_codes() -> None:
    document = _document(yaml.safe_load((FIXTURES / "every-1-1-field.yaml").read_text()))
    about = treatment_jsonld(document, urls=URLS, publisher=PUBLISHER)["about"]
    assert about["code"][0] == {
        "@type": "MedicalCode",
        "codeValue": "1000001",
        "codingSystem": "http://snomed.info/sct",
        "name": "Fixture procedure",
    }
    fixturasone, fixtocaine = about["drug"]
    assert fixturasone["drugClass"] == {"@type": "DrugClass", "name": "fixture steroid class"}
    assert [c["codeValue"] for c in fixturasone["code"]] == ["900001", "Z99ZZ01"]
    assert "code" not in fixtocaine
    assert about["adverseOutcome"]["code"]["codeValue"] == "1000002"
    absolute, relative = about["contraindication"]
    assert absolute["@type"] == "MedicalContraindication" and absolute["code"]["codeValue"]
    assert relative == {
        "@type": "MedicalContraindication",
        "name": "Fixture relative contraindication.",
    }


def test_an_exact_dose_per_session_is_a_dose_schedule_and_an_approximate_one_is_not() -> None:
    document = _document(yaml.safe_load((FIXTURES / "every-1-2-field.yaml").read_text()))
    approximate, exact = treatment_jsonld(document, urls=URLS, publisher=PUBLISHER)["about"]["drug"]
    assert exact["doseSchedule"] == {"@type": "DoseSchedule", "doseValue": 20.0, "doseUnit": "mg"}
    assert "doseSchedule" not in approximate
