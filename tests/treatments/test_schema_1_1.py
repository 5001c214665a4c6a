"""Document schema 1.1: every new field loads, publishes, exports and re-imports losslessly."""

import copy
import io
import json
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from django.core.management import call_command

from treatments import services
from treatments.content_files import read_content_file
from treatments.documents.build import build_content
from treatments.documents.schema import SCHEMA_VERSION, document_json_schema
from treatments.models import Publication, PublishedCode, Revision, Treatment
from treatments.publication import projection

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent.parent / "content" / "every-1-1-field.yaml"
SCHEMA_1_0 = Path(__file__).parents[2] / "treatments/documents/schemas/treatment-document-1.0.json"
SCHEMA_1_1 = SCHEMA_1_0.with_name("treatment-document-1.1.json")


def _schema(version: str = "1.1") -> dict[str, Any]:
    return cast(dict[str, Any], document_json_schema(version))


def _properties(schema: dict[str, Any]) -> set[tuple[str, str]]:
    """(definition, property) for every property the schema defines."""
    found = {("TreatmentDocument", name) for name in schema["properties"]}
    for name, definition in schema.get("$defs", {}).items():
        found |= {(name, prop) for prop in definition.get("properties", {})}
    return found


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for child in value.values() for k in _keys(child)}
    if isinstance(value, list):
        return {k for child in value for k in _keys(child)}
    return set()


def _fixture_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())
    return data


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_committed_1_0_schema_is_what_the_api_publishes_for_1_0() -> None:
    assert _schema("1.0") == json.loads(SCHEMA_1_0.read_text())
    assert _schema("1.0")["$id"].endswith(":1.0")
    # Since 1.2, 1.1 is served from the file committed when it was current, like 1.0.
    assert _schema("1.1") == json.loads(SCHEMA_1_1.read_text())
    assert _schema("1.1")["$id"].endswith(":1.1")


def test_1_1_only_adds_properties_and_keeps_every_1_0_enum_closed() -> None:
    old, new = _schema("1.0"), _schema("1.1")
    assert _properties(old) <= _properties(new), "1.1 may only add properties"
    for name, definition in old["$defs"].items():
        if "enum" in definition:
            assert new["$defs"][name]["enum"] == definition["enum"], f"{name} grew: 1.0 breaks"
    # Keys 1.0 documents always carried are required (issue 13); what 1.1 added never is.
    pairs = [(new, old), *((new["$defs"][name], d) for name, d in old["$defs"].items())]
    for now, before in pairs:
        added = set(now.get("properties", {})) - set(before.get("properties", {}))
        assert not set(now.get("required", [])) & added, (
            f"{now.get('title')}: a field 1.1 added may not be required"
        )
        assert set(before.get("required", [])) <= set(now.get("required", []))


def test_the_fixture_uses_every_field_schema_1_1_added() -> None:
    old, new = _schema("1.0"), _schema("1.1")
    added = {prop for _, prop in _properties(new) - _properties(old)}
    unused = added - _keys(_fixture_data())
    assert unused == set(), f"add these 1.1 fields to {FIXTURE.name}: {sorted(unused)}"


def test_the_fixture_loads_publishes_exports_and_reimports_losslessly(tmp_path: Path) -> None:
    content = read_content_file(FIXTURE)
    services.content_load(content=content, publish=True)
    treatment = Treatment.objects.get(slug=content.slug)
    stored = build_content(treatment)
    assert stored == content.model_dump(mode="json")
    document = Revision.objects.get(treatment=treatment).document
    assert document["schema_version"] == SCHEMA_VERSION
    assert {k: document[k] for k in stored} == stored

    _run("export_treatments", str(tmp_path), "--slug", content.slug)
    exported = tmp_path / f"{content.slug}.yaml"
    assert "unchanged" in _run("import_treatments", str(exported))
    exported.write_text(exported.read_text().replace(content.slug, "schema-1-1-copy"))
    assert "created" in _run("import_treatments", str(exported))
    copy_ = build_content(Treatment.objects.get(slug="schema-1-1-copy"))
    assert copy_ == {**stored, "slug": "schema-1-1-copy"}


def test_string_lists_are_derived_from_structured_safety_items_for_1_0_readers() -> None:
    content = read_content_file(FIXTURE)
    assert content.safety.contraindications == [
        "Fixture absolute contraindication.",
        "Fixture relative contraindication.",
    ]
    assert content.safety.warning_signs == [x.text for x in content.safety.warning_sign_items]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda d: d["safety"].update(contraindications=["Other text."]), "/safety"),
        (lambda d: d["codes"][0].update(system="snomed"), "/codes/0/system"),
        (lambda d: d["codes"][0].update(code=""), "/codes/0/code"),
        (lambda d: d["codes"][0].update(code="a|b"), "/codes/0/code"),
        (lambda d: d["codes"].append(dict(d["codes"][0])), "/codes"),
        (lambda d: d["recovery_rules"][0].update(activity="alcohol"), "/recovery_rules/0"),
        (lambda d: d["recovery_rules"][1].update(medication={}), "/recovery_rules/1/medication"),
        (lambda d: d["timeline"][0].update(kind="recovery"), "/timeline/0"),
        (lambda d: d["course"]["frequency_limit"].update(max_sessions=0), None),
        (lambda d: d["safety"]["warning_sign_items"][0].update(urgency="soon"), None),
        (lambda d: d["medications"][0].update(name=""), "/medications/0/name"),
    ],
)
def test_bad_1_1_content_is_refused_with_a_pointer_to_the_field(change: Any, pointer: Any) -> None:
    data = _fixture_data()
    data = json.loads(json.dumps(data, default=str))
    change(data)
    with pytest.raises(services.ContentInvalidError) as error:
        services.content_validate(data)
    pointers = [e["pointer"] for e in error.value.errors]
    assert pointers, "the error names a field"
    if pointer is not None:
        assert pointer in pointers


def test_the_seed_gets_no_1_1_facts_the_page_does_not_state(seed_content: Any) -> None:
    # The page names no drug, code, population, frequency limit, milestone or warning sign.
    assert seed_content.codes == [] and seed_content.medications == []
    assert all(not r.population and not r.codes for r in seed_content.risks.items)
    assert all(r.medication is None for r in seed_content.recovery_rules)
    assert seed_content.course.frequency_limit is None
    assert seed_content.course.minimum_interval is None
    assert all(e.milestone is None for e in seed_content.timeline)
    assert seed_content.safety.contraindication_items == []
    assert seed_content.safety.warning_sign_items == []


def test_the_hub_indexes_every_code_and_drug_of_the_live_document() -> None:
    content = read_content_file(FIXTURE)
    services.content_load(content=content, publish=True)
    publication = Publication.objects.get(slug=content.slug)
    indexed = set(
        PublishedCode.objects.filter(publication=publication).values_list("system", "code")
    )
    assert ("http://www.ama-assn.org/go/cpt", "00001") in indexed  # the treatment
    assert ("http://www.whocc.no/atc", "Z99ZZ01") in indexed  # a drug
    assert ("http://snomed.info/sct", "1000002") in indexed  # a risk
    assert ("http://www.whocc.no/atc", "Z98") in indexed  # a medication rule
    assert ("http://snomed.info/sct", "1000003") in indexed  # a contraindication
    assert len(indexed) == 9
    assert "fixturasone" in publication.drugs and "fixture anaesthetic class" in publication.drugs
    for text in (
        "fixturasone",
        "fixture emergency sign",
        "fixture relative contraindication",
        "fixture population",
        "fixture class medicines",
        "call the fixture emergency",
    ):
        assert text in publication.search_text, text
    for vocabulary in ("local_injection", "same_day", "first_improvement", "http://snomed"):
        assert vocabulary not in publication.search_text


def test_first_noticed_within_takes_the_earliest_onset_whatever_the_order() -> None:
    weeks = 365.25 / 12 / 7
    events = read_content_file(FIXTURE).model_dump(mode="json")["timeline"]
    assert projection.onset_max_weeks({"timeline": events}) == 4
    assert projection.onset_max_weeks({"timeline": events[::-1]}) == 4
    full_only = [events[1]]
    assert projection.onset_max_weeks({"timeline": full_only}) == pytest.approx(6 * weeks)
    open_ended = copy.deepcopy(events[0])
    open_ended["range"] = {"min": 1, "max": None, "unit": "week", "open_ended": True}
    assert projection.onset_max_weeks({"timeline": [open_ended, events[1]]}) == pytest.approx(
        6 * weeks
    )
    assert projection.onset_max_weeks({"timeline": [open_ended]}) is None


def test_a_treatment_loaded_before_1_1_still_reloads_when_its_file_changes(
    seed_draft: Any, seed_content: Any
) -> None:
    from treatments.documents.build import content_hash
    from treatments.documents.legacy import content_as_1_0

    # What 1.0 code recorded when it loaded the file: the hash of the 1.0 form.
    before = content_as_1_0(build_content(seed_draft))
    assert before is not None and "codes" not in before
    Treatment.objects.filter(pk=seed_draft.pk).update(loaded_content_hash=content_hash(before))
    changed = seed_content.model_copy(update={"summary": "A changed summary."})
    assert services.content_load(content=changed).action == "updated"
    # A working copy that uses a 1.1 field has no 1.0 form: an editor changed it.
    with_codes = build_content(Treatment.objects.get(pk=seed_draft.pk))
    with_codes["codes"] = [{"system": "http://snomed.info/sct", "code": "1", "display": ""}]
    assert content_as_1_0(with_codes) is None


def test_the_admin_shows_and_saves_back_every_1_1_field_unchanged(
    client: Any, superuser: Any
) -> None:
    from .test_admin import admin_form_data, change_url

    services.content_load(content=read_content_file(FIXTURE))
    treatment = Treatment.objects.get(slug="schema-1-1-fixture")
    before = build_content(treatment)
    client.force_login(superuser)
    url = change_url(treatment)
    data = admin_form_data(client, url)
    data["summary"] = "Edited in the admin."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    after = build_content(Treatment.objects.get(pk=treatment.pk))
    assert after == {**before, "summary": "Edited in the admin."}


def test_a_bad_code_typed_in_the_admin_is_shown_on_its_field(client: Any, superuser: Any) -> None:
    from .test_admin import admin_form_data, change_url

    services.content_load(content=read_content_file(FIXTURE))
    treatment = Treatment.objects.get(slug="schema-1-1-fixture")
    client.force_login(superuser)
    url = change_url(treatment)
    data = admin_form_data(client, url)
    data["medications-0-codes"] = '[{"system": "rxnorm", "code": "1"}]'
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A code system is an absolute URI" in response.content.decode()
    assert (
        build_content(Treatment.objects.get(pk=treatment.pk))["medications"]
        == (read_content_file(FIXTURE).model_dump(mode="json")["medications"])
    )
