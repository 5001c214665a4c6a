"""Schema 1.1 over HTTP: code and drug filters, search, onset, both schemas, 1.0 clients."""

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from jsonschema import Draft202012Validator

from tests.strategies import treatment_contents
from treatments import services
from treatments.content_files import read_content_file
from treatments.documents.build import (
    build_document,
    content_hash,
    content_of,
    etag_for,
    to_json,
)
from treatments.documents.schema import SCHEMA_VERSION, TreatmentContent
from treatments.models import Revision, Treatment
from treatments.publication import publication_apply

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests/content/every-1-1-field.yaml"
SCHEMA_1_0: dict[str, Any] = json.loads(
    (ROOT / "treatments/documents/schemas/treatment-document-1.0.json").read_text()
)
LIST = "/api/v1/treatments/"
SEED = "bone-marrow-stem-cell-injection"
FIXTURE_SLUG = "schema-1-1-fixture"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
COMPAT = settings(derandomize=True, database=None, max_examples=40, deadline=None)


@pytest.fixture
def both_published(seed_published: Any) -> None:
    services.content_load(content=read_content_file(FIXTURE), publish=True)


def _slugs(client: Client, **params: Any) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return sorted(item["slug"] for item in response.json()["results"])


# --- ?code=system|code ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        f"{SNOMED}|1000001",  # the treatment's own code
        "http://www.ama-assn.org/go/cpt|00001",
        f"{ATC}|Z99ZZ01",  # a drug it gives
        f"{SNOMED}|1000002",  # a risk
        f"{ATC}|Z98",  # a medication rule's drug class
        f"{SNOMED}|1000003",  # a contraindication
    ],
)
def test_code_finds_the_treatment_by_any_of_its_codes(
    client: Client, both_published: None, token: str
) -> None:
    assert _slugs(client, code=token) == [FIXTURE_SLUG]


@pytest.mark.parametrize(
    "token",
    [
        f"{SNOMED}|99999",  # an unknown code
        f"{ATC}|1000001",  # a known code under another system
        f"{SNOMED}|100000",  # codes compare exactly, not as prefixes
    ],
)
def test_code_finds_nothing_for_a_code_no_treatment_carries(
    client: Client, both_published: None, token: str
) -> None:
    assert _slugs(client, code=token) == []


@pytest.mark.parametrize(
    "token",
    [
        "1000001",  # no system
        "|1000001",  # empty system
        f"{SNOMED}|",  # empty code
        "snomed|1000001",  # not an absolute URI
        f"{SNOMED}|a  b",  # a double space
        f"{SNOMED}|1000001|x",  # a second bar
        f"{SNOMED}|" + "9" * 65,  # longer than a code may be
        "http://exa mple.org|1",  # a space in the system
        f"{SNOMED}|1000001 ",  # a trailing space
    ],
)
def test_a_malformed_code_is_a_400_problem_that_says_how_to_write_it(
    client: Client, both_published: None, token: str
) -> None:
    response = client.get(LIST, {"code": token})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert "code" in body["errors"] or "code" in json.dumps(body["errors"])
    assert "system" in json.dumps(body)


def test_code_combines_with_other_filters(client: Client, both_published: None) -> None:
    assert _slugs(client, code=f"{SNOMED}|1000001", classification="pharmacological") == [
        FIXTURE_SLUG
    ]
    assert _slugs(client, code=f"{SNOMED}|1000001", classification="biological") == []


# --- ?drug= and search ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "found"),
    [
        ("Fixturasone", [FIXTURE_SLUG]),
        ("FIXTOCAINE", [FIXTURE_SLUG]),  # case-insensitive
        ("fixture steroid class", [FIXTURE_SLUG]),  # a class
        ("fixture", []),  # whole names only
        ("Fixtorin", []),  # a rule's drug is not a drug the treatment gives
    ],
)
def test_drug_finds_treatments_that_give_a_drug_or_class(
    client: Client, both_published: None, drug: str, found: list[str]
) -> None:
    assert _slugs(client, drug=drug) == found


def test_a_blank_drug_is_a_400(client: Client, both_published: None) -> None:
    response = client.get(LIST, {"drug": "   "})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "words",
    [
        "fixturasone",  # a drug name
        "fixture anaesthetic class",  # a drug class
        "fixture emergency sign",  # a warning sign
        "fixture clinic",  # a warning sign's action
        "relative contraindication",  # a contraindication
        "fixture population",  # a risk's population
        "fixture class medicines",  # a medication rule
    ],
)
def test_search_covers_the_new_text(client: Client, both_published: None, words: str) -> None:
    assert _slugs(client, q=words) == [FIXTURE_SLUG]


# --- onset_within_weeks: "first noticed within" ----------------------------------------------


@pytest.mark.parametrize(
    ("weeks", "found"),
    [
        (3, []),
        (4, [FIXTURE_SLUG]),  # first improvement ends at 4 weeks; full effect at 6 months
        (11, [FIXTURE_SLUG]),
        (12, [SEED, FIXTURE_SLUG]),  # the seed's single onset: 8-12 weeks
    ],
)
def test_onset_within_weeks_means_first_noticed_within(
    client: Client, both_published: None, weeks: int, found: list[str]
) -> None:
    assert _slugs(client, onset_within_weeks=weeks) == found


def test_a_later_full_effect_listed_first_does_not_hide_the_treatment(
    client: Client, seed_published: Any
) -> None:
    data = read_content_file(FIXTURE).model_dump(mode="json")
    data["timeline"] = data["timeline"][::-1]
    services.content_load(content=TreatmentContent.model_validate(data), publish=True)
    assert _slugs(client, onset_within_weeks=4) == [FIXTURE_SLUG]


# --- the schemas of both versions ------------------------------------------------------------


def test_the_schema_endpoint_serves_1_1_and_1_0_on_request(client: Client) -> None:
    current = client.get("/api/v1/schema/treatment-document/")
    assert current.json()["$id"].endswith(f":{SCHEMA_VERSION}")
    assert "medications" in current.json()["properties"]
    committed = ROOT / "treatments/documents/schemas/treatment-document-1.1.json"
    assert client.get(current.wsgi_request.path, {"version": "1.1"}).json() == json.loads(
        committed.read_text()
    )
    old = client.get("/api/v1/schema/treatment-document/", {"version": "1.0"})
    assert old.status_code == 200
    assert old.json() == SCHEMA_1_0
    assert old["ETag"] != current["ETag"]
    again = client.get(
        "/api/v1/schema/treatment-document/",
        {"version": "1.0"},
        headers={"If-None-Match": old["ETag"]},
    )
    assert again.status_code == 304


def test_an_unknown_schema_version_is_a_400(client: Client) -> None:
    response = client.get("/api/v1/schema/treatment-document/", {"version": "2.0"})
    assert response.status_code == 400
    assert "1.0, 1.1" in json.dumps(response.json())


# --- old revisions stay 1.0 ------------------------------------------------------------------


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA_1_0["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _as_1_0(value: Any, schema: dict[str, Any]) -> Any:
    """`value` with only what the 1.0 schema defines: a document as 1.0 code froze it."""
    schema = _resolve(schema)
    for option in schema.get("anyOf", []):
        option = _resolve(option)
        if option.get("type") != "null" and value is not None:
            schema = option
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        return {k: _as_1_0(v, props[k]) for k, v in value.items() if k in props}
    if isinstance(value, list) and "items" in schema:
        return [_as_1_0(v, schema["items"]) for v in value]
    return value


def test_a_revision_frozen_as_1_0_stays_1_0_and_valid_against_the_1_0_schema(
    client: Client, seed_draft: Any
) -> None:
    # Revision 1 as the 1.0 code froze it (before this upgrade): no 1.1 keys, "1.0".
    content = read_content_file(ROOT / "treatments/content/bone-marrow-stem-cell-injection.yaml")
    built = build_document(
        treatment_id=seed_draft.pk,
        content=content.model_dump(mode="json"),
        revision=1,
        published_at=timezone.now(),
    )
    old = {**_as_1_0(built, SCHEMA_1_0), "schema_version": "1.0"}
    body = to_json(old)
    revision = Revision.objects.create(
        treatment=seed_draft,
        number=1,
        schema_version="1.0",
        document_json=body,
        content_hash=content_hash(content_of(old)),
        etag=etag_for(body),
        created_at=timezone.now() - dt.timedelta(days=1),
    )
    publication_apply(treatment=seed_draft, revision=revision, reason="publish")
    services.treatment_publish(
        treatment_id=seed_draft.pk,
        expected_version=Treatment.objects.get(pk=seed_draft.pk).version,
        actor=None,
    )
    first = client.get(f"{LIST}{SEED}/revisions/1/").json()
    live = client.get(f"{LIST}{SEED}/").json()
    assert (first["schema_version"], live["schema_version"]) == ("1.0", SCHEMA_VERSION)
    assert live["revision"] == 2
    # The 1.0 revision validates against the 1.0 schema as published, unknown keys refused.
    Draft202012Validator(SCHEMA_1_0).validate(first)
    assert Revision.objects.get(pk=revision.pk).document_json == body


# --- a 1.0 client reads 1.1 documents --------------------------------------------------------


def _generated_client_reading(schema: Any) -> Any:
    """The 1.0 schema as clients generated from it read documents: unknown members ignored.

    Generated clients (openapi-python-client's `from_dict`, openapi-typescript, Swift and
    Kotlin Codable) skip members their types do not name even when the schema says
    `additionalProperties: false`, but keep every other rule: required members, types, closed
    enums, consts. Validating with jsonschema under that one change checks everything a
    generated type checks (and more: lengths, patterns, ranges).
    """
    if isinstance(schema, dict):
        return {
            k: _generated_client_reading(v)
            for k, v in schema.items()
            if not (k == "additionalProperties" and v is False)
        }
    if isinstance(schema, list):
        return [_generated_client_reading(v) for v in schema]
    return schema


CLIENT_1_0 = Draft202012Validator(_generated_client_reading(SCHEMA_1_0))


def _breaks_for_a_1_0_client(document: dict[str, Any]) -> list[str]:
    """Where a 1.0 client fails to read `document`, apart from `schema_version` (see the docs).

    docs/reference/schema-versions.md states the compatibility promise this checks.
    """
    errors = []
    for error in CLIENT_1_0.iter_errors(document):
        if list(error.absolute_path) == ["schema_version"] and error.validator == "const":
            continue
        errors.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
    return errors


def _served(content: dict[str, Any]) -> dict[str, Any]:
    document = build_document(
        treatment_id=uuid.uuid4(), content=content, revision=1, published_at=timezone.now()
    )
    links = {"self": "/x/", "revision": "/x/revisions/1/", "revisions": "/x/revisions/"}
    return {**document, "links": links}


def test_a_1_0_client_reads_every_1_1_field_of_the_fixture_document(
    client: Client, both_published: None
) -> None:
    document = client.get(f"{LIST}{FIXTURE_SLUG}/").json()
    assert document["schema_version"] == SCHEMA_VERSION and document["medications"]
    assert _breaks_for_a_1_0_client(document) == []
    assert _breaks_for_a_1_0_client(client.get(f"{LIST}{SEED}/").json()) == []


def test_the_compatibility_check_fails_on_a_real_1_0_break() -> None:
    document = _served(read_content_file(FIXTURE).model_dump(mode="json"))
    document["timeline"][0]["kind"] = "first_improvement"  # a new value in a 1.0 enum
    document["course"]["interval"]["min"] = "4"  # a changed type
    del document["risks"]["items"][0]["likelihood"]  # a 1.0 required member gone
    assert len(_breaks_for_a_1_0_client(document)) == 3


@COMPAT
@given(data=treatment_contents)
def test_a_1_0_client_reads_any_1_1_document(data: dict[str, Any]) -> None:
    content = TreatmentContent.model_validate(json.loads(json.dumps(data, default=str)))
    assert _breaks_for_a_1_0_client(_served(content.model_dump(mode="json"))) == []


@pytest.mark.parametrize("count", [1, 20])
def test_code_and_drug_filters_run_one_query_whatever_the_number_of_matches(
    client: Client, django_assert_num_queries: Any, count: int
) -> None:
    data = read_content_file(FIXTURE).model_dump(mode="json")
    for index in range(count):
        variant = {**data, "slug": f"{FIXTURE_SLUG}-{index}", "title": f"Fixture {index:03d}"}
        services.content_load(content=TreatmentContent.model_validate(variant), publish=True)
    with django_assert_num_queries(1):
        response = client.get(
            LIST, {"code": f"{SNOMED}|1000003", "drug": "fixtocaine", "page_size": "100"}
        )
    assert len(response.json()["results"]) == count
