"""Translations over HTTP: create and list them, review and publish one, and follow the source."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from knox.models import AuthToken

from editorial.translations.models import Translation
from tests.editorial.support import make_reviewer
from tests.editorial.translations.support import synthetic
from treatments.models import AuditEntry, ChangeLogEntry, Publication, Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_client() -> TokenClient:
    reviewer: User = make_reviewer(display_name="Dr A. Reviewer", credentials="MD (test account)")
    _, token = AuthToken.objects.create(user=reviewer)
    return TokenClient(token)


def _translations(t: Treatment) -> str:
    return f"{BASE}/treatments/{t.pk}/translations/"


def _create(client: TokenClient, source: Treatment, seed_data: dict[str, Any], lang: str) -> Any:
    return client.request(
        "POST", _translations(source), {"language": lang, "content": synthetic(seed_data, lang)}
    )


def _post(client: TokenClient, treatment_id: Any, path: str, body: Any = None) -> Any:
    t = Treatment.objects.get(pk=treatment_id)
    return client.request(
        "POST", f"{BASE}/treatments/{t.pk}/{path}", body or {}, **{"If-Match": etag_of(t)}
    )


def _review_and_publish(
    clients: dict[str, TokenClient], reviewer_client: TokenClient, treatment_id: Any
) -> None:
    assert _post(clients["editor"], treatment_id, "review/request/").status_code == 200
    approved = _post(reviewer_client, treatment_id, "review/approve/")
    assert approved.status_code == 200, approved.content
    published = _post(clients["publisher"], treatment_id, "publish/")
    assert published.status_code == 200, published.content


def _republish_source(
    clients: dict[str, TokenClient], reviewer_client: TokenClient, source: Treatment
) -> None:
    changed = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{source.pk}/",
        {"summary": "A changed English summary."},
        **{"If-Match": etag_of(source)},
    )
    assert changed.status_code == 200, changed.content
    _review_and_publish(clients, reviewer_client, source.pk)


def test_creating_a_translation_answers_its_own_working_copy_id_and_etag(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    response = _create(clients["editor"], seed_published, seed_data, "es")
    assert response.status_code == 201, response.content
    body = response.json()
    translation = Treatment.objects.get(pk=body["id"])
    assert translation.pk != seed_published.pk and translation.language == "es"
    assert response["ETag"] == etag_of(translation)
    assert response["Location"] == f"{BASE}/treatments/{translation.pk}/"
    assert body["language"] == "es" and body["source_id"] == str(seed_published.pk)
    assert body["source_revision"] == 1, "it records the source revision it translates"
    assert body["outdated"] is False and body["state"] == "draft"

    working_copy = clients["editor"].request("GET", body["links"]["working_copy"])
    assert working_copy.status_code == 200
    assert working_copy.json()["content"]["title"].startswith("[es] ")
    listed = clients["editor"].request("GET", _translations(seed_published)).json()["results"]
    assert [item["language"] for item in listed] == ["es"]
    assert AuditEntry.objects.filter(treatment=translation, action="create").exists()


def test_the_tag_is_stored_in_its_canonical_case(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    content = synthetic(seed_data, "es")
    del content["language"]
    response = clients["editor"].request(
        "POST", _translations(seed_published), {"language": "ES-mx", "content": content}
    )
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "es-MX"


@pytest.mark.parametrize(
    ("language", "content_language", "pointer"),
    [
        ("not a tag", None, "/language"),
        ("e", None, "/language"),
        ("en", None, "/language"),  # the source's own language
        ("EN", None, "/language"),
        ("es", "fr", "/content/language"),
    ],
)
def test_a_bad_language_is_a_400_problem_that_points_at_it(
    clients: dict[str, TokenClient],
    seed_published: Treatment,
    seed_data: dict[str, Any],
    language: str,
    content_language: str | None,
    pointer: str,
) -> None:
    content = synthetic(seed_data, "es")
    if content_language is not None:
        content["language"] = content_language
    response = clients["editor"].request(
        "POST", _translations(seed_published), {"language": language, "content": content}
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]
    assert Translation.objects.count() == 0 and Treatment.objects.count() == 1


def test_invalid_content_is_a_400_pointing_into_the_content(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    content = synthetic(seed_data, "es")
    content["title"] = ""
    response = clients["editor"].request(
        "POST", _translations(seed_published), {"language": "es", "content": content}
    )
    assert response.status_code == 400, response.content
    assert any(e["pointer"].startswith("/content/title") for e in response.json()["errors"])
    missing = clients["editor"].request("POST", _translations(seed_published), {"language": "es"})
    assert missing.status_code == 400
    assert [e["pointer"] for e in missing.json()["errors"]] == ["/content"]


def test_a_second_translation_into_the_same_language_is_a_409(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    assert _create(clients["editor"], seed_published, seed_data, "es").status_code == 201
    again = synthetic(seed_data, "es")
    again["slug"] = "another-slug-for-the-same-language"
    response = clients["editor"].request(
        "POST", _translations(seed_published), {"language": "es", "content": again}
    )
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "duplicate_language"
    assert Translation.objects.count() == 1


def test_a_translation_of_a_translation_is_a_409(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    created = _create(clients["editor"], seed_published, seed_data, "es").json()
    translation = Treatment.objects.get(pk=created["id"])
    response = _create(clients["editor"], translation, seed_data, "fr")
    assert response.status_code == 409
    assert response.json()["code"] == "translation_of_translation"


def test_translations_need_an_editor(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    assert _create(clients["anonymous"], seed_published, seed_data, "es").status_code == 401
    assert _create(clients["nobody"], seed_published, seed_data, "es").status_code == 403
    unknown = clients["editor"].request(
        "GET", f"{BASE}/treatments/00000000-0000-0000-0000-000000000000/translations/"
    )
    assert unknown.status_code == 404


def test_a_translation_is_reviewed_approved_and_published_on_its_own(
    clients: dict[str, TokenClient],
    reviewer_client: TokenClient,
    seed_published: Treatment,
    seed_data: dict[str, Any],
    client: Client,
) -> None:
    created = _create(clients["editor"], seed_published, seed_data, "es").json()
    unreviewed = _post(clients["publisher"], created["id"], "publish/")
    assert unreviewed.status_code == 409, "a translation needs its own clinical approval"
    assert unreviewed.json()["code"] == "approval_missing"

    _review_and_publish(clients, reviewer_client, created["id"])
    translation = Treatment.objects.get(pk=created["id"])
    document = client.get(f"/api/v1/treatments/{translation.slug}/").json()
    assert document["language"] == "es" and document["revision"] == 1
    assert document["review"]["reviewer"] == "Dr A. Reviewer, MD (test account)"
    listed = clients["editor"].request("GET", _translations(seed_published)).json()["results"]
    assert listed[0]["state"] == "live" and listed[0]["live_revision"] == 1
    source = Publication.objects.get(treatment=seed_published)
    assert source.revision_number == 1, "publishing a translation leaves its source alone"


def test_a_new_source_revision_marks_its_translations_outdated_and_publishes_none(
    clients: dict[str, TokenClient],
    reviewer_client: TokenClient,
    seed_published: Treatment,
    seed_data: dict[str, Any],
) -> None:
    created = _create(clients["editor"], seed_published, seed_data, "es").json()
    _republish_source(clients, reviewer_client, seed_published)
    listed = clients["editor"].request("GET", _translations(seed_published)).json()["results"]
    assert listed[0]["outdated"] is True and listed[0]["outdated_since"]
    assert listed[0]["source_revision"] == 1 and listed[0]["source_live_revision"] == 2
    assert listed[0]["state"] == "draft", "publishing the source never publishes a translation"
    assert not Publication.objects.filter(treatment_id=created["id"]).exists()


def test_withdrawing_the_source_withdraws_its_live_translations_with_the_reason(
    clients: dict[str, TokenClient],
    reviewer_client: TokenClient,
    seed_published: Treatment,
    seed_data: dict[str, Any],
    client: Client,
) -> None:
    created = _create(clients["editor"], seed_published, seed_data, "es").json()
    _review_and_publish(clients, reviewer_client, created["id"])
    _republish_source(clients, reviewer_client, seed_published)
    live = Publication.objects.get(treatment_id=created["id"])
    assert live.withdrawn_at is None, "publishing the source never withdraws a translation"

    withdrawn = _post(clients["publisher"], seed_published.pk, "unpublish/")
    assert withdrawn.status_code == 200, withdrawn.content
    translation = Treatment.objects.get(pk=created["id"])
    assert client.get(f"/api/v1/treatments/{translation.slug}/").status_code == 410
    entry = ChangeLogEntry.objects.filter(treatment=translation).latest("sequence")
    assert entry.kind == "withdraw" and entry.reason == "unpublished"
    audit = AuditEntry.objects.filter(treatment=translation, action="unpublish").get()
    assert seed_published.slug in audit.message and "unpublished" in audit.message


def test_bringing_a_translation_up_to_date_clears_outdated_once_it_is_published(
    clients: dict[str, TokenClient],
    reviewer_client: TokenClient,
    seed_published: Treatment,
    seed_data: dict[str, Any],
    client: Client,
) -> None:
    created = _create(clients["editor"], seed_published, seed_data, "es").json()
    _review_and_publish(clients, reviewer_client, created["id"])
    _republish_source(clients, reviewer_client, seed_published)
    translation = Treatment.objects.get(pk=created["id"])
    spanish = client.get(f"/api/v1/treatments/{translation.slug}/").json()
    assert spanish["translation"] == {
        "source_language": "en",
        "source_revision": 1,
        "outdated": True,
    }

    editor = clients["editor"]
    url = f"{BASE}/treatments/{translation.pk}/translates/"
    assert editor.request("POST", url, {"source_revision": 2}).status_code == 428
    wrong = editor.request(
        "POST", url, {"source_revision": 1}, **{"If-Match": etag_of(translation)}
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["pointer"] == "/source_revision"

    patched = editor.request(
        "PATCH",
        f"{BASE}/treatments/{translation.pk}/",
        {"summary": "[es] A changed English summary."},
        **{"If-Match": etag_of(translation)},
    )
    assert patched.status_code == 200, patched.content
    done = editor.request("POST", url, {"source_revision": 2}, **{"If-Match": etag_of(translation)})
    assert done.status_code == 200, done.content
    assert done["ETag"] == etag_of(translation)
    assert done.json()["source_revision"] == 2 and done.json()["outdated"] is True
    still = client.get(f"/api/v1/treatments/{translation.slug}/").json()["translation"]
    assert still["outdated"] is True, "readers see it only once the translation is published"

    _review_and_publish(clients, reviewer_client, translation.pk)
    listed = editor.request("GET", _translations(seed_published)).json()["results"][0]
    assert listed["outdated"] is False and listed["published_source_revision"] == 2
    served = client.get(f"/api/v1/treatments/{translation.slug}/").json()["translation"]
    assert served == {"source_language": "en", "source_revision": 2, "outdated": False}
    assert AuditEntry.objects.filter(
        treatment=translation, message__startswith="Translates source revision 2"
    ).exists()


def test_a_translation_cannot_rename_its_category(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    content = synthetic(seed_data, "es")
    content["category"] = {**content["category"], "name": "[es] " + content["category"]["name"]}
    response = clients["editor"].request(
        "POST", _translations(seed_published), {"language": "es", "content": content}
    )
    assert response.status_code == 400, "categories are shared: translated names are not yet"
    assert response.json()["errors"][0]["pointer"].startswith("/content/category")
    assert Translation.objects.count() == 0


def test_the_sync_feed_for_a_language_carries_its_translations_changes(
    clients: dict[str, TokenClient],
    reviewer_client: TokenClient,
    seed_published: Treatment,
    seed_data: dict[str, Any],
    client: Client,
) -> None:
    def sync(query: str) -> tuple[list[str], str]:
        """Every upsert's slug of a sync (all its pages) and the token for the next one."""
        slugs: list[str] = []
        while True:
            response = client.get(f"/api/v1/sync/?{query}")
            assert response.status_code == 200, response.content
            body = response.json()
            slugs += [u["slug"] for u in body["upserts"]]
            if not body["next_page_token"]:
                return slugs, body["next_sync_token"]
            query = f"token={body['next_page_token']}"

    before_es, es_token = sync("language=es")
    before_en, en_token = sync("language=en")
    assert before_es == [] and before_en == [seed_published.slug]

    created = _create(clients["editor"], seed_published, seed_data, "es").json()
    _review_and_publish(clients, reviewer_client, created["id"])
    slug = Treatment.objects.get(pk=created["id"]).slug
    assert sync(f"token={es_token}")[0] == [slug], "the Spanish feed carries the translation"
    assert sync(f"token={en_token}")[0] == [], "the English feed does not"
