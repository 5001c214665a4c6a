"""Document schema 1.2: every new field loads, publishes, exports and re-imports losslessly;
the JSON Schema says what is new; 1.0 and 1.1 documents and readers keep working."""

import io
import json
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings
from jsonschema import Draft202012Validator

from tests.strategies import treatment_contents
from treatments import services
from treatments.content_files import read_content_file
from treatments.documents.build import (
    build_content,
    build_document,
    content_hash,
    content_of,
    etag_for,
    to_json,
)
from treatments.documents.legacy import content_as, earlier_forms
from treatments.documents.schema import (
    ADDED_IN,
    SCHEMA_VERSION,
    SERVED_WHEN_IT_APPLIES,
    TreatmentContent,
    document_json_schema,
)
from treatments.models import Revision, Treatment
from treatments.publication import publication_apply

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests/content/every-1-2-field.yaml"
FIXTURE_1_1 = ROOT / "tests/content/every-1-1-field.yaml"
SCHEMAS = ROOT / "treatments/documents/schemas"
COMPAT = settings(derandomize=True, database=None, max_examples=40, deadline=None)


def _schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    return cast(dict[str, Any], document_json_schema(version))


def _parts(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"TreatmentDocument": schema, **schema.get("$defs", {})}


def _properties(schema: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (name, prop) for name, part in _parts(schema).items() for prop in part.get("properties", {})
    }


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for child in value.values() for k in _keys(child)}
    if isinstance(value, list):
        return {k for child in value for k in _keys(child)}
    return set()


def _fixture_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(FIXTURE.read_text()), default=str))
    return data


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- the JSON Schema --------------------------------------------------------------------------


def test_each_earlier_schema_is_served_from_the_file_committed_when_it_was_current() -> None:
    assert SCHEMA_VERSION == "1.2"
    assert _schema()["$id"].endswith(":1.2")
    for version in ("1.0", "1.1"):
        committed = json.loads((SCHEMAS / f"treatment-document-{version}.json").read_text())
        assert _schema(version) == committed
        assert ADDED_IN not in json.dumps(committed), "a committed schema never changes"


@pytest.mark.parametrize("earlier", ["1.0", "1.1"])
def test_1_2_only_adds_keeps_enums_closed_and_requires_nothing_new(earlier: str) -> None:
    old, new = _schema(earlier), _schema()
    assert _properties(old) <= _properties(new), "1.2 may only add properties"
    for name, definition in old["$defs"].items():
        if "enum" in definition:
            assert new["$defs"][name]["enum"] == definition["enum"], (
                f"{name} grew: {earlier} breaks"
            )
    for name, before in _parts(old).items():
        now = _parts(new)[name]
        added = set(now.get("properties", {})) - set(before.get("properties", {}))
        assert not set(now.get("required", [])) & added, f"{name}: a new field may not be required"
        assert set(before.get("required", [])) <= set(now.get("required", []))


def test_every_field_added_after_1_0_says_in_which_version() -> None:
    history = {v: _properties(_schema(v)) for v in ("1.0", "1.1")}
    parts = {v: set(_parts(_schema(v))) for v in ("1.0", "1.1")}
    for name, part in _parts(_schema()).items():
        introduced = next((v for v in ("1.0", "1.1") if name in parts[v]), "1.2")
        assert part.get(ADDED_IN) == (None if introduced == "1.0" else introduced), name
        for prop, schema in part.get("properties", {}).items():
            added = next((v for v in ("1.0", "1.1") if (name, prop) in history[v]), "1.2")
            # A part says when it came; its properties say so only when they came later.
            expected = None if added == introduced else added
            assert schema.get(ADDED_IN) == expected, f"{name}.{prop}"
    new = _schema()["$defs"]
    assert new["StepPart"]["properties"]["quantity_ucum"][ADDED_IN] == "1.2"
    assert new["MedicationPart"]["properties"]["dose_per_session"][ADDED_IN] == "1.2"
    assert new["MedicationPart"][ADDED_IN] == "1.1"
    assert new["EligibilityCriterionPart"][ADDED_IN] == "1.2"
    assert _schema()["properties"]["eligibility"][ADDED_IN] == "1.2"
    assert "dose_per_session" not in new["MedicationPart"]["required"], "1.1 revisions lack it"


# Served on some answers only (language negotiation), never part of a content file.
SERVED_ONLY_PARTS = {"TranslationNote", "LanguageFallback"}


def test_the_fixture_uses_every_field_schema_1_2_added() -> None:
    added = {
        prop
        for part, prop in _properties(_schema()) - _properties(_schema("1.1"))
        if part not in SERVED_ONLY_PARTS and prop not in SERVED_WHEN_IT_APPLIES
    }
    unused = added - _keys(_fixture_data())
    assert unused == set(), f"add these 1.2 fields to {FIXTURE.name}: {sorted(unused)}"


# --- the fixture end to end -------------------------------------------------------------------


def test_the_fixture_loads_publishes_exports_and_reimports_losslessly(tmp_path: Path) -> None:
    content = read_content_file(FIXTURE)
    services.content_load(content=content, publish=True)
    treatment = Treatment.objects.get(slug=content.slug)
    stored = build_content(treatment)
    assert stored == content.model_dump(mode="json")
    document = Revision.objects.get(treatment=treatment).document
    assert document["schema_version"] == "1.2"
    assert {k: document[k] for k in stored} == stored
    Draft202012Validator(_schema()).validate(
        {**document, "links": {"self": "/", "revision": "/", "revisions": "/"}}
    )

    _run("export_treatments", str(tmp_path), "--slug", content.slug)
    exported = tmp_path / f"{content.slug}.yaml"
    assert "unchanged" in _run("import_treatments", str(exported))
    exported.write_text(exported.read_text().replace(content.slug, "schema-1-2-copy"))
    assert "created" in _run("import_treatments", str(exported))
    copy_ = build_content(Treatment.objects.get(slug="schema-1-2-copy"))
    assert copy_ == {**stored, "slug": "schema-1-2-copy"}


def test_1_0_forms_are_derived_where_1_0_can_say_it_and_left_empty_where_not() -> None:
    steps = read_content_file(FIXTURE).procedure.steps
    heating, long_step, whole = steps
    assert heating.quantity is None, "1.0 has no temperature unit"
    assert heating.duration is None, "1.0 has no seconds"
    assert long_step.duration is None, "1.0 has no decimals in durations"
    assert whole.quantity is not None and whole.duration is not None
    assert whole.quantity.model_dump() == {
        "min": 10.0,
        "max": 10.0,
        "unit": "ml",
        "approximate": True,
        "of": "fixture fluid",
    }
    assert whole.duration.model_dump() == {
        "min": 10,
        "max": 15,
        "unit": "minute",
        "approximate": False,
    }
    assert heating.quantity_ucum is not None and heating.quantity_ucum.unit_display == "°C"


def test_only_the_1_2_columns_hold_an_amount_given_in_both_forms() -> None:
    services.content_load(content=read_content_file(FIXTURE))
    step = Treatment.objects.get(slug="schema-1-2-fixture").steps.get(order=3)
    assert (step.quantity_unit, step.duration_unit) == ("", ""), "derived, not stored twice"
    assert (step.quantity_ucum_unit, step.duration_ucum_unit) == ("mL", "min")


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        # a derived 1.0 form that says something else
        (
            lambda d: d["procedure"]["steps"][2].update(quantity={"min": 9, "unit": "ml"}),
            "/procedure/steps/2",
        ),
        # a 1.0 form beside a 1.2 one 1.0 cannot say
        (
            lambda d: d["procedure"]["steps"][0].update(duration={"min": 2, "unit": "minute"}),
            "/procedure/steps/0",
        ),
        (
            lambda d: d["procedure"]["steps"][0]["quantity_ucum"].update(unit="degC"),
            "/procedure/steps/0/quantity_ucum/unit",
        ),
        (
            lambda d: d["procedure"]["steps"][0]["quantity_ucum"].update(unit="s"),
            "/procedure/steps/0",
        ),
        (
            lambda d: d["procedure"]["steps"][0]["quantity_ucum"].update(min=-300, max=None),
            "/procedure/steps/0/quantity_ucum",
        ),
        (
            lambda d: d["procedure"]["steps"][0]["quantity_ucum"].update(unit_display="C"),
            "/procedure/steps/0/quantity_ucum",
        ),
        (
            lambda d: d["procedure"]["steps"][1]["duration_ucum"].update(unit="Cel"),
            "/procedure/steps/1/duration_ucum/unit",
        ),
        (
            lambda d: d["procedure"]["steps"][1]["duration_ucum"].update(min=-1),
            "/procedure/steps/1/duration_ucum",
        ),
        (
            lambda d: d["procedure"]["steps"][1]["duration_ucum"].update(min=3),
            "/procedure/steps/1/duration_ucum",
        ),
        (
            lambda d: d["procedure"]["steps"][1]["duration_ucum"].update(min=None, max=None),
            "/procedure/steps/1/duration_ucum",
        ),
        (
            lambda d: d["course"]["repeat_interval"].update(unit="wk2"),
            "/course/repeat_interval/unit",
        ),
        (
            lambda d: d["medications"][0]["dose_per_session"].update(unit="Cel", min=1, max=1),
            "/medications/0",
        ),
        (lambda d: d["eligibility"][0].update(count=None), "/eligibility/0"),
        (lambda d: d["eligibility"][0].update(count=0), "/eligibility/0/count"),
        (
            lambda d: d["eligibility"][0].update(count_relation="more"),
            "/eligibility/0/count_relation",
        ),
        (lambda d: d["eligibility"][1].update(outcome="successful"), "/eligibility/1"),
        (lambda d: d["eligibility"][3].update(quantity=None), "/eligibility/3"),
        (
            lambda d: d["eligibility"][3]["quantity"].update(unit="kg", unit_display=""),
            "/eligibility/3",
        ),
        (lambda d: d["eligibility"][4].update(explanation=""), "/eligibility/4/explanation"),
        (lambda d: d["eligibility"][4].update(kind="prior_treatment"), "/eligibility/4/kind"),
        (
            lambda d: d["eligibility"][0]["quantity"].update(unit="1", min=1.5),
            "/eligibility/0/quantity",
        ),
    ],
)
def test_bad_1_2_content_is_refused_with_a_pointer_to_the_field(change: Any, pointer: str) -> None:
    data = _fixture_data()
    change(data)
    with pytest.raises(services.ContentInvalidError) as error:
        services.content_validate(data)
    pointers = [e["pointer"] for e in error.value.errors]
    assert pointer in pointers, error.value.errors


def test_the_seed_gets_no_1_2_facts_the_page_does_not_state(seed_content: Any) -> None:
    # The page names no eligibility, no UCUM amount beyond its "approximately 10 cc" (kept in
    # its 1.0 form), no duration in numbers, no dose per session and no course repetition.
    assert seed_content.eligibility == []
    assert all(
        s.quantity_ucum is None and s.duration_ucum is None for s in seed_content.procedure.steps
    )
    assert seed_content.course.repeat_interval is None
    assert seed_content.medications == []
    raw = yaml.safe_load(
        (ROOT / "treatments/content/bone-marrow-stem-cell-injection.yaml").read_text()
    )
    assert not {
        "eligibility",
        "quantity_ucum",
        "duration_ucum",
        "repeat_interval",
        "dose_per_session",
    } & _keys(raw)


def test_the_hub_indexes_eligibility_codes_and_searches_its_words_not_its_vocabulary() -> None:
    from treatments.models import Publication, PublishedCode

    services.content_load(content=read_content_file(FIXTURE), publish=True)
    publication = Publication.objects.get(slug="schema-1-2-fixture")
    indexed = set(
        PublishedCode.objects.filter(publication=publication).values_list("code", flat=True)
    )
    assert indexed == {"1200001", "1200002"}
    for words in (
        "at least two successful fixture blocks",
        "fixture diagnosis",
        "fixture probe tip",
    ):
        assert words in publication.search_text
    for vocabulary in ("prior_procedure", "at_least", "°c", "cel", "not_stated", "unsuccessful"):
        assert vocabulary not in publication.search_text, vocabulary


# --- earlier documents and readers ------------------------------------------------------------


def _as(version: str, value: Any, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """`value` with only what the `version` schema defines: as that version's code froze it."""
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", []):
        while "$ref" in option:
            option = root["$defs"][option["$ref"].rsplit("/", 1)[-1]]
        if option.get("type") != "null" and value is not None:
            schema = option
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        return {k: _as(version, v, props[k], root) for k, v in value.items() if k in props}
    if isinstance(value, list) and "items" in schema:
        return [_as(version, v, schema["items"], root) for v in value]
    return value


def test_a_revision_frozen_as_1_1_stays_1_1_and_valid_against_the_1_1_schema(
    client: Any, seed_draft: Any
) -> None:
    content = read_content_file(FIXTURE_1_1)
    services.content_load(content=content)
    treatment = Treatment.objects.get(slug=content.slug)
    built = build_document(
        treatment_id=treatment.pk,
        content=content.model_dump(mode="json"),
        revision=1,
        published_at=timezone.now(),
    )
    root = _schema("1.1")
    old = {**_as("1.1", built, root, root), "schema_version": "1.1"}
    body = to_json(old)
    revision = Revision.objects.create(
        treatment=treatment,
        number=1,
        schema_version="1.1",
        document_json=body,
        content_hash=content_hash(content_of(old)),
        etag=etag_for(body),
        created_at=timezone.now(),
    )
    publication_apply(treatment=treatment, revision=revision, reason="publish")
    served = client.get(f"/api/v1/treatments/{content.slug}/revisions/1/")
    assert served.json()["schema_version"] == "1.1"
    Draft202012Validator(root).validate(served.json())
    live = client.get(f"/api/v1/treatments/{content.slug}/")
    assert live.content == served.content or live.json()["revision"] == 1
    assert Revision.objects.get(pk=revision.pk).document_json == body


def _generated_client_reading(schema: Any) -> Any:
    """A schema as generated clients read documents: unknown members ignored (see 1.1 tests)."""
    if isinstance(schema, dict):
        return {
            k: _generated_client_reading(v)
            for k, v in schema.items()
            if not (k == "additionalProperties" and v is False)
        }
    if isinstance(schema, list):
        return [_generated_client_reading(v) for v in schema]
    return schema


READERS = {v: Draft202012Validator(_generated_client_reading(_schema(v))) for v in ("1.0", "1.1")}


def _breaks(version: str, document: dict[str, Any]) -> list[str]:
    """Where a client generated from the `version` schema fails to read `document`."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in READERS[version].iter_errors(document)
        if not (list(e.absolute_path) == ["schema_version"] and e.validator == "const")
    ]


def _served(content: dict[str, Any]) -> dict[str, Any]:
    document = build_document(
        treatment_id="451fd2ca-b287-5ddf-b44a-6e2ba2a29040",
        content=content,
        revision=1,
        published_at=timezone.now(),
    )
    return {**document, "links": {"self": "/x/", "revision": "/x/r/1/", "revisions": "/x/r/"}}


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_earlier_clients_read_the_1_2_fixture_document(version: str) -> None:
    document = _served(read_content_file(FIXTURE).model_dump(mode="json"))
    assert _breaks(version, document) == []


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_the_reader_check_fails_on_a_real_break(version: str) -> None:
    document = _served(read_content_file(FIXTURE).model_dump(mode="json"))
    document["procedure"]["steps"][2]["duration"]["unit"] = "s"  # a new value in a 1.0 enum
    assert len(_breaks(version, document)) == 1


@COMPAT
@given(data=treatment_contents)
def test_1_0_and_1_1_clients_read_any_1_2_document(data: dict[str, Any]) -> None:
    content = TreatmentContent.model_validate(json.loads(json.dumps(data, default=str)))
    document = _served(content.model_dump(mode="json"))
    assert _breaks("1.0", document) == [] and _breaks("1.1", document) == []


def test_a_treatment_loaded_under_1_1_still_reloads_when_its_file_changes(
    seed_draft: Any, seed_content: Any
) -> None:
    current = build_content(seed_draft)
    as_1_1 = content_as("1.1", current)
    assert as_1_1 is not None and "eligibility" not in as_1_1 and "codes" in as_1_1
    assert len(earlier_forms(current)) == 2
    Treatment.objects.filter(pk=seed_draft.pk).update(loaded_content_hash=content_hash(as_1_1))
    changed = seed_content.model_copy(update={"summary": "A changed summary."})
    assert services.content_load(content=changed).action == "updated"
    uses_1_2 = read_content_file(FIXTURE).model_dump(mode="json")
    assert content_as("1.1", uses_1_2) is None and earlier_forms(uses_1_2) == []


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_shows_and_saves_back_every_1_2_field_unchanged(
    client: Any, superuser: Any
) -> None:
    from .test_admin import admin_form_data, change_url

    services.content_load(content=read_content_file(FIXTURE))
    treatment = Treatment.objects.get(slug="schema-1-2-fixture")
    before = build_content(treatment)
    client.force_login(superuser)
    url = change_url(treatment)
    page = client.get(url).content.decode()
    for field in (
        "eligibility_criteria-0-count_relation",
        "steps-0-duration_ucum_unit",
        "medications-0-dose_unit",
        "course_repeat_unit",
    ):
        assert f'name="{field}"' in page, field
    data = admin_form_data(client, url)
    data["summary"] = "Edited in the admin."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    after = build_content(Treatment.objects.get(pk=treatment.pk))
    assert after == {**before, "summary": "Edited in the admin."}


def test_a_bad_1_2_value_typed_in_the_admin_is_shown_on_its_field(
    client: Any, superuser: Any
) -> None:
    from .test_admin import admin_form_data, change_url

    services.content_load(content=read_content_file(FIXTURE))
    treatment = Treatment.objects.get(slug="schema-1-2-fixture")
    client.force_login(superuser)
    url = change_url(treatment)
    data = admin_form_data(client, url)
    data["eligibility_criteria-0-count"] = ""  # a relation without a count
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Give `count` and `count_relation` together" in response.content.decode()


def test_the_json_example_of_the_docs_is_what_the_contract_makes_of_it() -> None:
    page = (ROOT / "docs/reference/document-schema-1.2.md").read_text()
    example = json.loads(page.split("```json\n", 1)[1].split("\n```", 1)[0])
    minimal = {
        "slug": "docs-example",
        "title": "Docs example",
        "category": {"slug": "docs", "name": "Docs"},
        "summary": "An example.",
        "classification": {"kind": "procedural"},
    }
    content = TreatmentContent.model_validate({**minimal, **example}).model_dump(mode="json")
    for key, value in example.items():
        if key == "procedure":
            assert content[key]["steps"] == value["steps"]
        elif key == "course":
            assert {k: content[key][k] for k in value} == value
        else:
            assert content[key] == value, key


def test_openapi_marks_the_history_of_document_parts_only() -> None:
    from treatments.documents.schema import document_parts

    components = yaml.safe_load((ROOT / "openapi.yaml").read_text())["components"]["schemas"]
    marked = {name for name, schema in components.items() if ADDED_IN in json.dumps(schema)}
    assert marked and marked <= document_parts(), marked - document_parts()
    step = components["StepPart"]["properties"]
    assert step["duration_ucum"][ADDED_IN] == "1.2" and ADDED_IN not in step["title"]
    assert "duration_ucum" not in components["StepPart"]["required"]
