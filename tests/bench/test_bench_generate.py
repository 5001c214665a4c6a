"""The benchmark's data generator produces valid published treatments the API serves."""

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from bench.management.commands.bench_generate import Command as BenchGenerate
from treatments.documents.build import build_content, build_document, content_hash, to_json
from treatments.documents.schema import FrozenDocument, TreatmentContent, TreatmentDocument
from treatments.models import Publication, Revision
from treatments.services import treatment_get_for_edit

pytestmark = pytest.mark.django_db(transaction=True)


def _generate(count: int) -> None:
    call_command(BenchGenerate(), "--count", str(count), stdout=io.StringIO())


def test_generated_treatments_are_published_valid_and_deterministic(client: Client) -> None:
    _generate(12)
    assert Publication.objects.live().count() == 12 == Revision.objects.count()
    first = [json.loads(p.document_json) for p in Publication.objects.order_by("slug")]
    for document in first:
        FrozenDocument.model_validate(document)
    body = client.get("/api/v1/treatments/?page_size=100").json()
    assert len(body["results"]) == 12
    slug = body["results"][0]["slug"]
    served = client.get(f"/api/v1/treatments/{slug}/")
    assert served.status_code == 200
    TreatmentDocument.model_validate(served.json())
    _generate(12)
    again = [json.loads(p.document_json) for p in Publication.objects.order_by("slug")]
    strip = ("published_at", "revision", "links")
    assert [{k: v for k, v in d.items() if k not in strip} for d in again] == [
        {k: v for k, v in d.items() if k not in strip} for d in first
    ], "the same --count and --seed give the same content"


def test_the_generator_reuses_the_project_document_builder(db: Any) -> None:
    _generate(3)
    publication = Publication.objects.order_by("slug").first()
    assert publication is not None
    assert publication.etag == publication.revision.etag
    assert json.loads(publication.summary_json)["slug"] == publication.slug


def test_the_limit_view_serves_exactly_the_bytes_of_the_generated_seed_detail(
    client: Client,
) -> None:
    from bench.limit import BODY

    _generate(2)
    slug = json.loads(BODY)["slug"]
    assert client.get(f"/api/v1/treatments/{slug}/").content == BODY


def test_generated_treatments_carry_schema_1_1_fields_the_filters_find(client: Client) -> None:
    _generate(7)  # indices 0 (the seed, unchanged), 3 and 6 get synthetic 1.1 fields
    found = client.get("/api/v1/treatments/", {"drug": "benchocaine"}).json()["results"]
    assert len(found) == 2
    by_code = client.get("/api/v1/treatments/", {"code": "http://snomed.info/sct|9000003"})
    slugs = [r["slug"] for r in by_code.json()["results"]]
    assert len(slugs) == 1 and slugs[0].endswith("-3"), slugs


def test_generated_treatments_carry_schema_1_2_fields(client: Client) -> None:
    _generate(13)  # indices 4, 8 and 12 get synthetic 1.2 fields; 12 has drugs too (1.1)
    documents = {p.slug: json.loads(p.document_json) for p in Publication.objects.all()}
    with_criteria = [d for d in documents.values() if d["eligibility"]]
    assert len(with_criteria) == 3
    for document in with_criteria:
        assert document["schema_version"] == "1.2"
        assert document["procedure"]["steps"][0]["duration_ucum"]["unit"] == "s"
        assert document["course"]["repeat_interval"]["unit"] == "mo"
    doses = [d["medications"][0]["dose_per_session"] for d in with_criteria if d["medications"]]
    assert doses and all(dose["unit_display"] == "mL" for dose in doses)


def test_every_generated_document_is_what_publishing_its_rows_would_store(db: Any) -> None:
    # 1.1 fields at 3, 6, 9, 12; 1.2 fields at 4, 8, 12: every kind, and 1.1 without 1.2.
    _generate(13)
    for publication in Publication.objects.all():
        content = build_content(treatment_get_for_edit(treatment_id=publication.treatment_id))
        assert TreatmentContent.model_validate(content).model_dump(mode="json") == content
        stored = json.loads(publication.document_json)
        published = build_document(
            treatment_id=publication.treatment_id,
            content=content,
            revision=publication.revision_number,
            published_at=publication.published_at,
        )
        assert stored == json.loads(to_json(published)), (
            f"{publication.slug}: the generator stores a document the contract would complete "
            "differently; pass the content through bench_generate.contract_form"
        )
        assert publication.revision.content_hash == content_hash(content), publication.slug


def test_one_treatment_in_ten_is_in_the_second_language_the_bench_rows_ask_for(
    client: Client,
) -> None:
    from bench.driver.endpoints import SEARCH_LANG_QUERY

    _generate(30)
    listed = client.get("/api/v1/treatments/?language=es&page_size=100").json()["results"]
    assert len(listed) == 3 and {item["language"] for item in listed} == {"es"}
    # The search_lang row's query finds some of them (on SQLite: every word in the text).
    assert client.get(f"/api/v1/treatments/?{SEARCH_LANG_QUERY}").status_code == 200
