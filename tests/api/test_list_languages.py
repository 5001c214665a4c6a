"""The treatment list in several languages: `?language=` lists the documents written in it
(translations included), a malformed tag is a 400, and every item states its language."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/api/v1/treatments/"


def _slugs(response: Any) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_the_unfiltered_list_shows_the_source_only_and_states_its_language(
    client: Client, bilingual: Any
) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["slug"], r["language"]) for r in results] == [(bilingual.source.slug, "en")]


@pytest.mark.parametrize("tag", ["es", "ES", "Es"])
def test_the_language_filter_lists_the_documents_written_in_that_language(
    client: Client, bilingual: Any, tag: str
) -> None:
    response = client.get(URL, {"language": tag})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["slug"], r["language"]) for r in results] == [(bilingual.spanish.slug, "es")]
    assert results[0]["title"].startswith("[es] ")
    assert results[0]["links"]["self"] == f"/api/v1/treatments/{bilingual.spanish.slug}/"


def test_the_language_filter_lists_sources_in_their_language(
    client: Client, bilingual: Any
) -> None:
    assert _slugs(client.get(URL, {"language": "en"})) == [bilingual.source.slug]
    assert _slugs(client.get(URL, {"language": "fr"})) == []


def test_the_language_filter_combines_with_the_others(client: Client, bilingual: Any) -> None:
    category = client.get(URL).json()["results"][0]["category"]["slug"]
    both = client.get(URL, {"language": "es", "category": category})
    assert _slugs(both) == [bilingual.spanish.slug]
    assert _slugs(client.get(URL, {"language": "es", "category": "no-such-category"})) == []


@pytest.mark.parametrize("tag", ["e", "español", "es_MX", "es-", " es", "x" * 40, "12"])
def test_a_malformed_language_tag_is_a_problem_naming_the_parameter(
    client: Client, bilingual: Any, tag: str
) -> None:
    response = client.get(URL, {"language": tag})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"language"}
