"""Schema 1.2 over HTTP: the schemas of every version, the fixture's document and renditions."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fhir.resources.bundle import Bundle
from jsonschema import Draft202012Validator

from tests.schemaorg import problems
from treatments import services
from treatments.content_files import read_content_file

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests/content/every-1-2-field.yaml"
SLUG = "schema-1-2-fixture"
DETAIL = f"/api/v1/treatments/{SLUG}/"
SCHEMA = "/api/v1/schema/treatment-document/"


@pytest.fixture
def fixture_published(db: Any) -> None:
    services.content_load(content=read_content_file(FIXTURE), publish=True)


def _committed(version: str) -> dict[str, Any]:
    path = ROOT / f"treatments/documents/schemas/treatment-document-{version}.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_the_schema_endpoint_serves_1_2_by_default_and_each_earlier_one_as_committed(
    client: Client,
) -> None:
    current = client.get(SCHEMA)
    assert current.json() == client.get(SCHEMA, {"version": "1.2"}).json()
    assert current.json()["$id"].endswith(":1.2")
    assert current.json()["properties"]["eligibility"]["x-added-in"] == "1.2"
    etags = {current["ETag"]}
    for version in ("1.0", "1.1"):
        old = client.get(SCHEMA, {"version": version})
        assert old.status_code == 200 and old.json() == _committed(version)
        etags.add(old["ETag"])
    assert len(etags) == 3
    unknown = client.get(SCHEMA, {"version": "1.3"})
    assert unknown.status_code == 400
    assert "1.0, 1.1, 1.2" in json.dumps(unknown.json())


def test_the_fixture_document_is_valid_against_the_served_schema(
    client: Client, fixture_published: None
) -> None:
    document = client.get(DETAIL).json()
    assert document["schema_version"] == "1.2"
    Draft202012Validator(client.get(SCHEMA).json()).validate(document)
    heating = document["procedure"]["steps"][0]
    assert heating["quantity_ucum"]["unit_display"] == "°C" and heating["quantity"] is None
    assert document["eligibility"][0]["count_relation"] == "at_least"


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_clients_of_earlier_schemas_read_the_1_2_document(
    client: Client, fixture_published: None, version: str
) -> None:
    # As generated clients read: members their types do not name are skipped (see the 1.1
    # tests); every other rule of the earlier schema holds.
    def reading(schema: Any) -> Any:
        if isinstance(schema, dict):
            return {
                k: reading(v)
                for k, v in schema.items()
                if not (k == "additionalProperties" and v is False)
            }
        return [reading(v) for v in schema] if isinstance(schema, list) else schema

    validator = Draft202012Validator(reading(_committed(version)))
    errors = [
        e.message
        for e in validator.iter_errors(client.get(DETAIL).json())
        if list(e.absolute_path) != ["schema_version"]
    ]
    assert errors == []


def test_the_fhir_bundle_of_the_fixture_validates_with_fhir_resources_r5(
    client: Client, fixture_published: None
) -> None:
    response = client.get(f"{DETAIL}fhir/")
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json())
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry or [] if entry.resource]
    assert "EvidenceVariable" in kinds
    plan = response.json()["entry"][0]["resource"]
    assert plan["subjectCanonical"].startswith("urn:uuid:")


def test_the_json_ld_of_the_fixture_is_valid_schema_org(
    client: Client, fixture_published: None
) -> None:
    response = client.get(f"{DETAIL}jsonld/")
    assert response.status_code == 200
    page = response.json()
    assert problems(page, text_for_things=frozenset({"reviewedBy", "publisher"})) == []
    assert page["about"]["drug"][1]["doseSchedule"]["doseUnit"] == "mg"
