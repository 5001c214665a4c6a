"""Preview links over HTTP: created once, listed without tokens, revoked; the draft they show.

The draft is shown exactly as the app's JSON and the embeddable card render a live document,
never through a public route, never remembered, never cached, never indexed.
"""

import datetime as dt
import json
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from api.live.memories import hot_documents, hot_pages, parsed_documents
from editorial.previews.models import PreviewLink
from treatments.choices import AuditAction
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Treatment
from treatments.services import (
    content_validate,
    treatment_delete,
    treatment_get_for_edit,
    treatment_publish,
    treatment_replace,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/editor"
DRAFT_SUMMARY = "A draft summary that only a preview may show."
PRIVATE_HEADERS = {
    "Cache-Control": "no-store, private",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


class Editor:
    """A token-authenticated client of the editor API."""

    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, token = AuthToken.objects.create(user=user)
            self.headers = {"Authorization": f"Token {token}"}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        data = json.dumps({} if body is None else body)
        return self.client.post(
            path, data=data, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)


def links_url(treatment: Treatment) -> str:
    return f"{BASE}/treatments/{treatment.pk}/preview-links/"


def edit_summary(treatment: Treatment, summary: str) -> None:
    """Change the working copy's summary through the service (the draft differs from live)."""
    treatment.refresh_from_db()
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = summary
    treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=treatment.version,
        actor=None,
    )


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def editor(roles: dict[str, Any]) -> Editor:
    return Editor(roles["editor"])


@pytest.fixture
def draft_edit(seed_published: Treatment) -> Treatment:
    """The seed, live as revision 1, with an unpublished edit of its summary."""
    edit_summary(seed_published, DRAFT_SUMMARY)
    return seed_published


@pytest.fixture
def link(editor: Editor, draft_edit: Treatment) -> dict[str, Any]:
    response = editor.post(links_url(draft_edit), {"note": "For the clinical lead"})
    assert response.status_code == 201, response.content
    return dict(response.json())


def assert_private(response: Any) -> None:
    for name, value in PRIVATE_HEADERS.items():
        assert response[name] == value, f"{name} on {response.status_code}"


# --- the editor API ---------------------------------------------------------------------------


def test_creating_a_link_answers_its_urls_once_and_keeps_only_a_hash(
    editor: Editor, draft_edit: Treatment, link: dict[str, Any]
) -> None:
    token = link["token"]
    assert link["state"] == "active" and link["note"] == "For the clinical lead"
    assert link["created_by"] == "editor"
    assert path_of(link["url"]) == f"/preview/{token}/"
    assert path_of(link["card_url"]) == f"/preview/{token}/card/"
    assert path_of(link["document_url"]) == f"/preview/{token}/document/"
    lifetime = dt.datetime.fromisoformat(link["expires_at"]) - timezone.now()
    assert dt.timedelta(days=6, hours=23) < lifetime <= dt.timedelta(days=7)
    stored = PreviewLink.objects.get()
    row = json.dumps(list(PreviewLink.objects.values().get().values()), default=str)
    assert token not in row and token.split(":")[0].split(".")[1] not in row
    assert len(stored.secret_hash) == 64
    audit = AuditEntry.objects.filter(action=AuditAction.PREVIEW_LINK).get()
    assert audit.actor_label == "editor" and str(stored.id) in audit.message
    listed = editor.get(links_url(draft_edit)).json()["results"]
    assert [entry["id"] for entry in listed] == [link["id"]]
    assert "token" not in listed[0] and "url" not in listed[0]
    assert token not in json.dumps(listed)


def test_the_page_card_and_document_show_the_draft_privately(
    client: Client, link: dict[str, Any]
) -> None:
    page = client.get(path_of(link["url"]))
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "Draft preview" in page.content.decode()
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    card = client.get(path_of(link["card_url"]))
    assert card.status_code == 200 and DRAFT_SUMMARY in card.content.decode()
    assert "frame-ancestors 'self'" in card["Content-Security-Policy"]
    assert card["X-Frame-Options"] == "SAMEORIGIN"
    document = client.get(path_of(link["document_url"]))
    assert document.status_code == 200 and document["Content-Type"] == "application/json"
    assert document.json()["summary"] == DRAFT_SUMMARY
    for response in (page, card, document):
        assert_private(response)
        assert "ETag" not in response


def test_the_document_is_what_the_public_detail_serves_once_the_draft_is_published(
    client: Client, link: dict[str, Any], draft_edit: Treatment
) -> None:
    preview = client.get(path_of(link["document_url"])).json()
    draft_edit.refresh_from_db()
    treatment_publish(treatment_id=draft_edit.pk, expected_version=draft_edit.version, actor=None)
    public = client.get(f"/api/v1/treatments/{draft_edit.slug}/").json()
    assert preview.pop("published_at") and public.pop("published_at")
    assert preview == public  # the same keys in the same order, links and revision included


def test_public_routes_still_show_the_live_revision(
    client: Client, link: dict[str, Any], draft_edit: Treatment
) -> None:
    client.get(path_of(link["document_url"]))
    client.get(path_of(link["card_url"]))
    slug = draft_edit.slug
    detail = client.get(f"/api/v1/treatments/{slug}/")
    assert detail.json()["revision"] == 1 and detail.json()["summary"] != DRAFT_SUMMARY
    for path in (
        "/api/v1/treatments/",
        f"/api/v1/treatments/{slug}/revisions/",
        "/api/v1/sync/",
        "/api/v1/bundle/",
        f"/embed/v1/treatments/{slug}/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        # The bundle streams its stored parts (a StreamingHttpResponse has no .content).
        streamed = response.streaming
        body = b"".join(cast(Any, response).streaming_content) if streamed else response.content
        assert DRAFT_SUMMARY not in body.decode(), path


def test_a_never_published_draft_stays_unknown_to_public_routes(
    client: Client, editor: Editor, seed_draft: Treatment
) -> None:
    created = editor.post(links_url(seed_draft)).json()
    assert client.get(path_of(created["document_url"])).json()["slug"] == seed_draft.slug
    assert client.get(f"/api/v1/treatments/{seed_draft.slug}/").status_code == 404
    assert client.get(f"/embed/v1/treatments/{seed_draft.slug}/").status_code == 404
    assert client.get("/api/v1/treatments/").json()["results"] == []


def test_the_hot_read_memory_never_keeps_a_preview(
    client: Client, link: dict[str, Any], draft_edit: Treatment, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0
    memories = (hot_documents(), hot_pages(), parsed_documents())
    for memory in memories:
        memory.clear()
    for _ in range(3):
        for url in (link["url"], link["card_url"], link["document_url"]):
            assert client.get(path_of(url)).status_code == 200
    assert [len(memory) for memory in memories] == [0, 0, 0]
    # A public read is remembered, and what is remembered is the live revision.
    client.get(f"/api/v1/treatments/{draft_edit.slug}/")
    again = client.get(f"/api/v1/treatments/{draft_edit.slug}/")
    assert len(hot_documents()) == 1
    assert DRAFT_SUMMARY not in again.content.decode()


# --- links that no longer open ----------------------------------------------------------------


def test_a_revoked_link_answers_410_at_once_and_revoking_again_changes_nothing(
    client: Client, editor: Editor, link: dict[str, Any], draft_edit: Treatment
) -> None:
    item = f"{links_url(draft_edit)}{link['id']}/"
    revoked = editor.delete(item)
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked" and revoked.json()["revoked_by"] == "editor"
    for url in (link["url"], link["card_url"], link["document_url"]):
        gone = client.get(path_of(url))
        assert gone.status_code == 410, url
        assert gone["Content-Type"] == "application/problem+json"
        assert "revoked" in gone.json()["detail"]
        assert_private(gone)
    assert editor.delete(item).status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.PREVIEW_REVOKE).count() == 1


def test_an_expired_link_answers_410(
    client: Client, link: dict[str, Any], editor: Editor, draft_edit: Treatment
) -> None:
    PreviewLink.objects.update(
        created_at=timezone.now() - dt.timedelta(days=8),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    gone = client.get(path_of(link["document_url"]))
    assert gone.status_code == 410 and "expired" in gone.json()["detail"]
    assert editor.get(links_url(draft_edit)).json()["results"][0]["state"] == "expired"


def _altered(token: str, at: int) -> str:
    swapped = "A" if token[at] != "A" else "B"
    return token[:at] + swapped + token[at + 1 :]


def test_forged_altered_or_unknown_tokens_answer_404(client: Client, link: dict[str, Any]) -> None:
    token = link["token"]
    link_hex, rest = token.split(".", 1)
    secret, _signature = rest.rsplit(":", 1)
    forged = [
        "nonsense",
        _altered(token, len(token) - 3),  # the signature
        _altered(token, len(link_hex) + 3),  # the secret
        f"{link_hex}.{secret}",  # unsigned
        token + "x",
        "x" * 300,
    ]
    for bad in forged:
        response = client.get(f"/preview/{bad}/document/")
        assert response.status_code == 404, bad
        assert response["Content-Type"] == "application/problem+json"
        assert_private(response)
    assert client.get(f"/preview/{token}/document/").status_code == 200


def test_a_genuine_signature_with_the_wrong_secret_answers_404(
    client: Client, link: dict[str, Any]
) -> None:
    from editorial.previews.tokens import token_make

    stored = PreviewLink.objects.get()
    assert client.get(f"/preview/{token_make(stored.id, 'guessed')}/document/").status_code == 404


def test_a_link_to_a_deleted_treatment_answers_410_and_none_can_be_made(
    client: Client, editor: Editor, link: dict[str, Any], draft_edit: Treatment
) -> None:
    draft_edit.refresh_from_db()
    treatment_delete(treatment_id=draft_edit.pk, expected_version=draft_edit.version, actor=None)
    assert client.get(path_of(link["card_url"])).status_code == 410
    refused = editor.post(links_url(draft_edit))
    assert refused.status_code == 409 and "deleted" in refused.json()["detail"]


# --- bad requests change nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2999-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2026-12-24T12:00:00"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"note": "x" * 201}, "note"),
        ({"note": "bell\u0007"}, "note"),
        ({"token": "mine"}, "token"),
    ],
)
def test_a_bad_body_is_a_400_problem_and_creates_nothing(
    editor: Editor, draft_edit: Treatment, body: dict[str, Any], field: str
) -> None:
    response = editor.post(links_url(draft_edit), body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not PreviewLink.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PREVIEW_LINK).exists()


def test_a_chosen_expiry_within_the_limit_is_kept(editor: Editor, draft_edit: Treatment) -> None:
    when = (timezone.now() + dt.timedelta(days=30, minutes=-1)).replace(microsecond=0)
    response = editor.post(links_url(draft_edit), {"expires_at": when.isoformat()})
    assert response.status_code == 201
    assert dt.datetime.fromisoformat(response.json()["expires_at"]) == when


def test_the_number_of_open_links_is_limited(
    editor: Editor, draft_edit: Treatment, settings: Any
) -> None:
    settings.PREVIEW_LINK_MAX_ACTIVE = 1
    first = editor.post(links_url(draft_edit))
    assert first.status_code == 201
    assert editor.post(links_url(draft_edit)).status_code == 409
    editor.delete(f"{links_url(draft_edit)}{first.json()['id']}/")
    assert editor.post(links_url(draft_edit)).status_code == 201


@pytest.mark.parametrize(
    "who, method, status",
    [
        ("anonymous", "post", 401),
        ("anonymous", "get", 401),
        ("nobody", "post", 403),
        ("nobody", "get", 403),
        ("publisher", "post", 201),
        ("editor", "get", 200),
    ],
)
def test_links_are_for_editors_and_publishers(
    roles: dict[str, Any], draft_edit: Treatment, who: str, method: str, status: int
) -> None:
    client = Editor(roles.get(who))
    response = getattr(client, method)(links_url(draft_edit))
    assert response.status_code == status


def test_revoking_an_unknown_link_or_another_treatments_link_is_a_404(
    editor: Editor, link: dict[str, Any], draft_edit: Treatment, seed_data: dict[str, Any]
) -> None:
    unknown = editor.delete(f"{links_url(draft_edit)}0b7e8c4e-3f0a-4c1e-9a55-2d7f8a4c6b10/")
    assert unknown.status_code == 404
    other = editor.post(
        f"{BASE}/treatments/", {**seed_data, "slug": "another-treatment", "title": "Another"}
    )
    assert other.status_code == 201
    other_links = f"{BASE}/treatments/{other.json()['id']}/preview-links/"
    assert editor.delete(f"{other_links}{link['id']}/").status_code == 404
    assert PreviewLink.objects.get().revoked_at is None


@pytest.mark.parametrize("raw", ["null", "[]", '"a note"'])
def test_a_body_that_is_not_an_object_is_a_400(
    editor: Editor, draft_edit: Treatment, raw: str
) -> None:
    response = editor.client.post(
        links_url(draft_edit), data=raw, content_type="application/json", headers=editor.headers
    )
    assert response.status_code == 400
    assert not PreviewLink.objects.exists()
