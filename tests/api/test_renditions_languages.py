"""FHIR, JSON-LD and oEmbed follow the negotiated language: FHIR resources carry the served
document's `language`, JSON-LD its `inLanguage` and its other languages, oEmbed the card of the
negotiated language."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _url(slug: str, rest: str = "") -> str:
    return f"/api/v1/treatments/{slug}/{rest}"


def _resource_languages(bundle: dict[str, Any]) -> set[Any]:
    return {entry["resource"].get("language") for entry in bundle["entry"]}


@pytest.mark.parametrize("how", [{"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}, {"lang": "es"}])
def test_the_fhir_bundle_is_the_negotiated_documents(
    client: Client, bilingual: Any, how: dict[str, str]
) -> None:
    query = "?lang=es" if "lang" in how else ""
    meta: dict[str, Any] = {k: v for k, v in how.items() if k != "lang"}
    english = client.get(_url(bilingual.source.slug, "fhir/"))
    spanish = client.get(_url(bilingual.source.slug, "fhir/") + query, **meta)
    assert english.status_code == spanish.status_code == 200
    assert _resource_languages(english.json()) == {"en"}
    assert _resource_languages(spanish.json()) == {"es"}
    assert spanish["Content-Language"] == "es" and english["Content-Language"] == "en"
    assert "Accept-Language" in spanish["Vary"]
    assert spanish["ETag"] != english["ETag"]


def test_the_detail_url_asked_for_fhir_negotiates_too(client: Client, bilingual: Any) -> None:
    response = client.get(
        _url(bilingual.source.slug),
        HTTP_ACCEPT="application/fhir+json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert _resource_languages(response.json()) == {"es"}


def test_an_unpublished_language_gets_the_source_bundle(client: Client, bilingual: Any) -> None:
    response = client.get(_url(bilingual.source.slug, "fhir/"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "en"
    assert _resource_languages(response.json()) == {"en"}


def test_jsonld_of_a_source_states_its_language_and_links_its_translations(
    client: Client, bilingual: Any
) -> None:
    response = client.get(_url(bilingual.source.slug, "jsonld/"))
    assert response.status_code == 200
    body = response.json()
    assert body["inLanguage"] == "en"
    assert body["workTranslation"] == [
        {
            "@type": "MedicalWebPage",
            "url": f"http://testserver/embed/v1/treatments/{bilingual.spanish.slug}/",
            "inLanguage": "es",
        }
    ]
    assert "translationOfWork" not in body


def test_jsonld_in_the_negotiated_language_names_the_work_it_translates(
    client: Client, bilingual: Any
) -> None:
    response = client.get(_url(bilingual.source.slug, "jsonld/"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]
    body = response.json()
    assert body["inLanguage"] == "es"
    assert body["translationOfWork"] == {
        "@type": "MedicalWebPage",
        "url": f"http://testserver/embed/v1/treatments/{bilingual.source.slug}/",
        "inLanguage": "en",
    }
    own = client.get(_url(bilingual.spanish.slug, "jsonld/")).json()
    assert own == body, "the translation's own URL answers the same"


def test_jsonld_of_a_treatment_in_one_language_has_no_alternates(
    client: Client, seed_published: Any
) -> None:
    body = client.get(_url(seed_published.slug, "jsonld/")).json()
    assert body["inLanguage"] == "en"
    assert "workTranslation" not in body and "translationOfWork" not in body


def test_oembed_answers_the_card_of_the_negotiated_language(client: Client, bilingual: Any) -> None:
    url = f"http://testserver/embed/v1/treatments/{bilingual.source.slug}/"
    english = client.get("/api/oembed/", {"url": url})
    spanish = client.get("/api/oembed/", {"url": url}, HTTP_ACCEPT_LANGUAGE="es-MX, es;q=0.9")
    by_lang = client.get("/api/oembed/", {"url": url, "lang": "es"})
    assert english.status_code == spanish.status_code == by_lang.status_code == 200
    assert english["Content-Language"] == "en" and spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]
    assert spanish.json() == by_lang.json()
    body = spanish.json()
    assert body["title"].startswith("[es] ")
    assert f"/embed/v1/treatments/{bilingual.spanish.slug}/" in body["html"]
    assert not english.json()["title"].startswith("[es] ")
