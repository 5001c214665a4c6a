"""Language negotiation on the public document URL: `?lang=`, then Accept-Language (RFC 4647
lookup with q-values), then the source language; outdated translations and fallbacks say so."""

from typing import Any

import pytest
from django.test import Client

from editorial.translations.models import Translation
from editorial.translations.services import translation_create
from tests.editorial.translations.support import synthetic
from treatments.documents.build import build_content
from treatments.models import Treatment
from treatments.services import (
    content_validate,
    treatment_get_for_edit,
    treatment_publish,
    treatment_replace,
    treatment_unpublish,
)

pytestmark = pytest.mark.django_db

SOURCE_SLUG = "bone-marrow-stem-cell-injection"
URL = f"/api/v1/treatments/{SOURCE_SLUG}/"


def _translate(source: Treatment, seed_data: dict[str, Any], language: str) -> Treatment:
    row = translation_create(
        source_id=source.pk,
        language=language,
        content=content_validate(synthetic(seed_data, language)),
        actor=None,
    )
    treatment = row.treatment
    treatment_publish(treatment_id=treatment.pk, expected_version=treatment.version, actor=None)
    return treatment


def _republish(treatment: Treatment, summary: str) -> None:
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = summary
    version = Treatment.objects.get(pk=treatment.pk).version
    changed = treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=version,
        actor=None,
    )
    treatment_publish(treatment_id=changed.pk, expected_version=changed.version, actor=None)


@pytest.fixture
def spanish(seed_published: Treatment, seed_data: dict[str, Any]) -> Treatment:
    return _translate(seed_published, seed_data, "es")


def _get(client: Client, url: str = URL, **meta: Any) -> Any:
    return client.get(url, **meta)


@pytest.mark.parametrize(
    "accept_language",
    [
        "es",
        "es-MX,es;q=0.9",
        "es-MX",  # lookup truncates es-MX to es
        "fr;q=0.9, es;q=0.8, en;q=0.1",
        "en;q=0.2, es",  # q-values, not the order, rank the languages
        "ES-mx",
        "zh, *;q=0.1, es;q=0.5",
    ],
)
def test_accept_language_finds_the_spanish_translation(
    client: Client, spanish: Treatment, accept_language: str
) -> None:
    response = _get(client, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]
    body = response.json()
    assert body["title"].startswith("[es] ")
    assert body["translation"] == {"source_language": "en", "source_revision": 1, "outdated": False}
    assert response["Content-Location"] == f"/api/v1/treatments/{spanish.slug}/"
    assert 'hreflang="en"' in response["Link"] and 'hreflang="es"' in response["Link"]


@pytest.mark.parametrize(
    "accept_language",
    [
        "en",
        "en-GB,en;q=0.9,es;q=0.8",
        "*",
        "es;q=0, en",  # q=0: not acceptable
        "",
        ";;;garbage,,q=",  # malformed: the source language, never a 400
        "es;q=2",
        "x" * 600,
    ],
)
def test_other_preferences_answer_the_source_language_without_a_fallback_note(
    client: Client, spanish: Treatment, accept_language: str
) -> None:
    plain = _get(client)
    response = _get(client, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    body = response.json()
    assert "translation" not in body and "language_fallback" not in body
    assert response["ETag"] == plain["ETag"], "the same bytes keep the stored ETag"


def test_an_unpublished_language_falls_back_to_the_source_and_says_so(
    client: Client, spanish: Treatment
) -> None:
    plain = _get(client)
    response = _get(client, HTTP_ACCEPT_LANGUAGE="fr-CA, fr;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    body = response.json()
    assert body["language_fallback"] == {"requested": ["fr-CA", "fr"], "served": "en"}
    assert body["title"] == plain.json()["title"]
    assert response["ETag"] != plain["ETag"], "other bytes, another ETag"


def test_lang_wins_over_accept_language(client: Client, spanish: Treatment) -> None:
    spanish_answer = _get(client, f"{URL}?lang=es", HTTP_ACCEPT_LANGUAGE="en")
    assert spanish_answer["Content-Language"] == "es"
    english = _get(client, f"{URL}?lang=en", HTTP_ACCEPT_LANGUAGE="es")
    assert english["Content-Language"] == "en" and "translation" not in english.json()
    french = _get(client, f"{URL}?lang=fr", HTTP_ACCEPT_LANGUAGE="es")
    assert french["Content-Language"] == "en"
    assert french.json()["language_fallback"] == {"requested": ["fr"], "served": "en"}


def test_a_malformed_lang_is_a_400_problem(client: Client, spanish: Treatment) -> None:
    response = _get(client, f"{URL}?lang=not_a_tag")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/lang"


def test_no_language_asked_answers_exactly_as_before(client: Client, spanish: Treatment) -> None:
    response = _get(client)
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    body = response.json()
    assert body["language"] == "en"
    assert "translation" not in body and "language_fallback" not in body
    assert "Link" not in response


def test_an_outdated_translation_is_served_saying_so(
    client: Client, seed_published: Treatment, spanish: Treatment
) -> None:
    _republish(seed_published, "A changed English summary.")
    response = _get(client, HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"
    assert response.json()["translation"] == {
        "source_language": "en",
        "source_revision": 1,
        "outdated": True,
    }
    own = _get(client, f"/api/v1/treatments/{spanish.slug}/")
    assert own.json()["translation"]["outdated"] is True, "its own URL says so too"
    assert Translation.objects.get(treatment=spanish).outdated_by_revision == 2


def test_a_withdrawn_translation_is_no_longer_negotiated(
    client: Client, spanish: Treatment
) -> None:
    spanish.refresh_from_db()
    treatment_unpublish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)
    response = _get(client, HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "en"
    assert response.json()["language_fallback"]["requested"] == ["es"]


def test_the_worker_memory_never_answers_one_language_for_another(
    client: Client, spanish: Treatment
) -> None:
    # Each answer twice: the second comes from this worker's memory (api.hot).
    for _ in range(2):
        assert _get(client)["Content-Language"] == "en"
        assert _get(client, HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"
        assert _get(client, HTTP_ACCEPT_LANGUAGE="fr").json()["language_fallback"]
        remembered = _get(client, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
        assert remembered["Content-Language"] == "es"
        assert "hreflang" in remembered["Link"] and remembered["Content-Location"]
        assert "Accept-Language" in remembered["Vary"]


def test_a_conditional_request_per_language_answers_304(client: Client, spanish: Treatment) -> None:
    first = _get(client, HTTP_ACCEPT_LANGUAGE="es")
    again = _get(client, HTTP_ACCEPT_LANGUAGE="es", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    english = _get(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert english.status_code == 200, "the Spanish ETag never validates the English answer"


def test_the_catalogue_list_shows_sources_only(client: Client, spanish: Treatment) -> None:
    slugs = [item["slug"] for item in client.get("/api/v1/treatments/").json()["results"]]
    assert slugs == [SOURCE_SLUG]
