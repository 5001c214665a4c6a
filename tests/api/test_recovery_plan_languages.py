"""The recovery plan and its .ics follow the negotiated language as the document URL does:
`?lang=`, then Accept-Language, then the source; the fallback is stated, never silent."""

from typing import Any

import pytest
from django.test import Client

from editorial.translations.models import Translation
from treatments.services import treatment_publish

pytestmark = pytest.mark.django_db

QUERY = "procedure_at=2026-03-08T09:30&tz=America/New_York&anaesthesia=yes"


def _plan(client: Client, slug: str, *, calendar: bool = False, **meta: Any) -> Any:
    path = "recovery-plan.ics" if calendar else "recovery-plan/"
    return client.get(f"/api/v1/treatments/{slug}/{path}?{QUERY}", **meta)


def test_without_a_language_the_plan_is_the_sources_and_varies_on_accept_language(
    client: Client, bilingual: Any
) -> None:
    response = _plan(client, bilingual.source.slug)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    body = response.json()
    assert body["language"] == "en" and body["treatment"]["title"].startswith("Synthetic")
    assert "translation" not in body and "language_fallback" not in body


@pytest.mark.parametrize(
    "how", [{"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}, {"lang": "es"}]
)
def test_the_plan_answers_in_the_negotiated_language_and_says_it_is_a_translation(
    client: Client, bilingual: Any, how: dict[str, str]
) -> None:
    meta: dict[str, Any] = {k: v for k, v in how.items() if k != "lang"}
    url = f"/api/v1/treatments/{bilingual.source.slug}/recovery-plan/?{QUERY}"
    if "lang" in how:
        url += f"&lang={how['lang']}"
    english = _plan(client, bilingual.source.slug)
    response = client.get(url, **meta)
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]
    body = response.json()
    assert body["language"] == "es"
    assert body["treatment"]["title"].startswith("[es] ")
    assert body["translation"] == {"source_language": "en", "source_revision": 1, "outdated": False}
    assert response["ETag"] != english["ETag"], "each language has its own ETag"


def test_an_unpublished_language_falls_back_to_the_source_and_says_so(
    client: Client, bilingual: Any
) -> None:
    response = _plan(client, bilingual.source.slug, HTTP_ACCEPT_LANGUAGE="fr-CA, fr;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    body = response.json()
    assert body["language_fallback"] == {"requested": ["fr-CA", "fr"], "served": "en"}
    assert body["treatment"]["title"].startswith("Synthetic")


def test_a_malformed_accept_language_is_the_source_and_a_malformed_lang_a_400(
    client: Client, bilingual: Any
) -> None:
    ok = _plan(client, bilingual.source.slug, HTTP_ACCEPT_LANGUAGE=";;;garbage,,q=")
    assert ok.status_code == 200 and ok["Content-Language"] == "en"
    url = f"/api/v1/treatments/{bilingual.source.slug}/recovery-plan/?{QUERY}&lang=e_s"
    bad = client.get(url)
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")


def test_an_outdated_translation_plan_says_so(client: Client, bilingual: Any) -> None:
    fresh = _plan(client, bilingual.source.slug, HTTP_ACCEPT_LANGUAGE="es")
    assert fresh.json()["translation"]["outdated"] is False
    _republish_source(bilingual.source)
    assert Translation.objects.get(treatment=bilingual.spanish).outdated_since is not None
    stale = _plan(client, bilingual.source.slug, HTTP_ACCEPT_LANGUAGE="es")
    assert stale.json()["translation"] == {
        "source_language": "en",
        "source_revision": 1,
        "outdated": True,
    }
    assert stale["ETag"] != fresh["ETag"]


def test_the_calendar_follows_the_negotiated_language(client: Client, bilingual: Any) -> None:
    english = _plan(client, bilingual.source.slug, calendar=True)
    spanish = _plan(client, bilingual.source.slug, calendar=True, HTTP_ACCEPT_LANGUAGE="es")
    assert english.status_code == spanish.status_code == 200
    assert english["Content-Language"] == "en" and spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]
    assert spanish["Content-Type"].startswith("text/calendar")
    assert spanish.content != english.content
    # The document's own texts come from the translation; its slug names the file.
    assert (
        f'filename="{bilingual.spanish.slug}-recovery-plan.ics"' in spanish["Content-Disposition"]
    )


def test_the_translations_own_url_serves_its_plan_with_the_note(
    client: Client, bilingual: Any
) -> None:
    response = _plan(client, bilingual.spanish.slug)
    assert response["Content-Language"] == "es"
    assert response.json()["translation"]["source_language"] == "en"


def _republish_source(source: Any) -> None:
    from treatments.documents.build import build_content
    from treatments.models import Treatment
    from treatments.services import content_validate, treatment_get_for_edit, treatment_replace

    content = build_content(treatment_get_for_edit(treatment_id=source.pk))
    content["summary"] = "A changed summary, written for the tests."
    version = Treatment.objects.get(pk=source.pk).version
    changed = treatment_replace(
        treatment_id=source.pk,
        content=content_validate(content),
        expected_version=version,
        actor=None,
    )
    treatment_publish(treatment_id=changed.pk, expected_version=changed.version, actor=None)
