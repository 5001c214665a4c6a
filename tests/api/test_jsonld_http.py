"""GET /api/v1/treatments/{key}/jsonld/ and the detail URL with Accept: application/ld+json."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from api.v1.renditions.jsonld import jsonld_path
from tests.schemaorg import problems
from treatments import services

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
URL = f"/api/v1/treatments/{SLUG}/jsonld/"
DETAIL = f"/api/v1/treatments/{SLUG}/"
LD = "application/ld+json"
PROBLEM = "application/problem+json"


def test_the_jsonld_url_is_where_the_code_says(seed_published: Any) -> None:
    assert reverse("v1:treatment-jsonld", kwargs={"key": SLUG}) == jsonld_path(SLUG) == URL


def test_it_is_json_ld_with_absolute_urls_of_this_host(
    client: Client, seed_published: Any, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["api.example.org"]
    response = client.get(URL, HTTP_HOST="api.example.org", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == LD
    body = json.loads(response.content)
    assert body["@context"] == "https://schema.org"
    assert body["url"] == f"https://api.example.org/embed/v1/treatments/{SLUG}/"
    assert body["encoding"]["contentUrl"] == f"https://api.example.org{DETAIL}"
    assert body["publisher"]["url"] == "https://api.example.org/"
    assert problems(body, text_for_things=frozenset({"reviewedBy", "publisher"})) == []


def test_a_strong_etag_answers_304_with_the_detail_cache_headers(
    client: Client, seed_published: Any
) -> None:
    response = client.get(URL)
    etag = response["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    detail = client.get(DETAIL)
    assert response["Cache-Control"] == detail["Cache-Control"]
    assert response["Last-Modified"] == detail["Last-Modified"]
    assert "Accept" in response["Vary"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_the_etag_changes_with_a_new_revision(client: Client, seed_published: Any) -> None:
    before = client.get(URL)["ETag"]
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    seed_published.refresh_from_db()
    services.treatment_publish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    assert client.get(URL, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_accept_json_only_gets_the_same_body_as_json(client: Client, seed_published: Any) -> None:
    ld = client.get(URL, HTTP_ACCEPT=LD)
    plain = client.get(URL, HTTP_ACCEPT="application/json")
    assert ld["Content-Type"] == LD and plain["Content-Type"] == "application/json"
    assert ld.content == plain.content
    refused = client.get(URL, HTTP_ACCEPT="text/html")
    assert refused.status_code == 406 and refused["Content-Type"] == PROBLEM


def test_the_detail_answers_accept_ld_json_with_the_same_body(
    client: Client, seed_published: Any
) -> None:
    ld = client.get(URL)
    via_detail = client.get(DETAIL, HTTP_ACCEPT=LD)
    assert via_detail.status_code == 200
    assert via_detail["Content-Type"] == LD
    assert via_detail.content == ld.content and via_detail["ETag"] == ld["ETag"]
    assert client.get(DETAIL, HTTP_ACCEPT=LD, HTTP_IF_NONE_MATCH=ld["ETag"]).status_code == 304
    # JSON stays JSON, also when it is preferred over JSON-LD.
    preferred = client.get(DETAIL, HTTP_ACCEPT=f"application/json, {LD};q=0.5")
    assert preferred["Content-Type"] == "application/json"
    assert "schema_version" in preferred.json()
    assert client.get(DETAIL)["ETag"] != ld["ETag"]


def test_an_unknown_treatment_is_404_and_a_withdrawn_one_410(
    client: Client, seed_published: Any
) -> None:
    missing = client.get("/api/v1/treatments/no-such-treatment/jsonld/")
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    for response in (client.get(URL), client.get(DETAIL, HTTP_ACCEPT=LD)):
        assert response.status_code == 410 and response["Content-Type"] == PROBLEM
        assert "withdrawn" in response.json()["detail"]


def test_the_uuid_answers_with_a_canonical_link(client: Client, seed_published: Any) -> None:
    response = client.get(f"/api/v1/treatments/{seed_published.pk}/jsonld/")
    assert response.status_code == 200
    assert response["Link"] == f'<{URL}>; rel="canonical"'
    by_detail = client.get(f"/api/v1/treatments/{seed_published.pk}/", HTTP_ACCEPT=LD)
    assert by_detail["Link"] == f'<{DETAIL}>; rel="canonical"'


def test_unknown_query_parameters_are_a_400(client: Client, seed_published: Any) -> None:
    response = client.get(URL, {"colour": "fr"})  # `lang` is known: it picks the language
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM


def test_one_query_when_cold(
    client: Client, seed_published: Any, django_assert_num_queries: Any
) -> None:
    # The document, and its published languages (for `workTranslation`/`translationOfWork`).
    with django_assert_num_queries(2):
        assert client.get(URL).status_code == 200
