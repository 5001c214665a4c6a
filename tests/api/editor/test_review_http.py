"""The clinical review over HTTP: the editor API's review routes and the publish gate's answers."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from editorial.models import Approval, ReviewComment
from tests.editorial.support import make_reviewer
from treatments.models import AuditEntry, Revision, Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


def _client(user: User) -> TokenClient:
    _, token = AuthToken.objects.create(user=user)
    return TokenClient(token)


@pytest.fixture
def reviewer() -> User:
    return make_reviewer(display_name="Dr A. Reviewer", credentials="MD (test account)")


@pytest.fixture
def reviewer_client(reviewer: User) -> TokenClient:
    return _client(reviewer)


def _item(t: Treatment) -> str:
    return f"{BASE}/treatments/{t.pk}/"


def _post(client: TokenClient, t: Treatment, path: str, body: Any = None, **headers: Any) -> Any:
    headers = {"If-Match": etag_of(t), **headers}
    return client.request("POST", f"{_item(t)}{path}", {} if body is None else body, **headers)


def _patch(client: TokenClient, t: Treatment, body: dict[str, Any]) -> Any:
    response = client.request("PATCH", _item(t), body, **{"If-Match": etag_of(t)})
    assert response.status_code == 200, response.content
    return response


def test_author_requests_reviewer_comments_author_fixes_reviewer_approves_publisher_publishes(
    clients: dict[str, TokenClient],
    reviewer_client: TokenClient,
    seed_published: Treatment,
    client: Client,
) -> None:
    editor, publisher = clients["editor"], clients["publisher"]
    _patch(editor, seed_published, {"summary": "A first draft of the summary."})
    requested = _post(editor, seed_published, "review/request/", {"reviewers": ["reviewer"]})
    assert requested.status_code == 200, requested.content
    assert requested["ETag"] == etag_of(seed_published), "a review step keeps the author's ETag"
    assert requested.json()["state"] == "in_review"
    assert requested.json()["authors"] == ["editor"]

    comment = _post(
        reviewer_client,
        seed_published,
        "comments/",
        {"body": "Which risk is this?", "pointer": "/risks/items/0"},
    )
    assert comment.status_code == 201, comment.content
    assert comment.json()["pointer"] == "/risks/items/0"
    changes = _post(
        reviewer_client, seed_published, "review/request-changes/", {"comment": "Shorter, please."}
    )
    assert changes.json()["state"] == "changes_requested"

    _patch(editor, seed_published, {"summary": "A shorter summary."})
    _post(editor, seed_published, "review/request/")
    approved = _post(reviewer_client, seed_published, "review/approve/", {"message": "Right."})
    assert approved.status_code == 200, approved.content
    status = approved.json()
    assert status["state"] == "approved" and status["approval"]["valid"] is True
    assert status["approval"]["published_as"] == "Dr A. Reviewer, MD (test account)"

    published = _post(publisher, seed_published, "publish/")
    assert published.status_code == 200, published.content
    document = client.get(f"/api/v1/treatments/{seed_published.slug}/").json()
    assert document["summary"] == "A shorter summary."
    assert document["review"]["reviewer"] == "Dr A. Reviewer, MD (test account)"
    assert document["review"]["last_reviewed_on"] == timezone.localdate().isoformat()

    listed = editor.request("GET", f"{_item(seed_published)}comments/").json()["results"]
    assert [c["body"] for c in listed] == ["Which risk is this?", "Shorter, please."]
    after = editor.request("GET", f"{_item(seed_published)}review/").json()
    assert after["state"] == "draft" and after["approval_required"] is False
    assert after["rounds"][0]["state"] == "closed"


def test_approving_your_own_change_is_403(
    clients: dict[str, TokenClient], seed_published: Treatment
) -> None:
    both = make_reviewer("writes-and-reviews", groups=("editors",))
    own = _client(both)
    _patch(own, seed_published, {"summary": "My own words."})
    _post(own, seed_published, "review/request/")
    response = _post(own, seed_published, "review/approve/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "own_change"
    assert Approval.objects.count() == 0


def test_publishing_without_an_approval_or_with_a_void_one_is_409(
    clients: dict[str, TokenClient], reviewer_client: TokenClient, seed_published: Treatment
) -> None:
    editor, publisher = clients["editor"], clients["publisher"]
    _patch(editor, seed_published, {"summary": "Unreviewed words."})
    missing = _post(publisher, seed_published, "publish/")
    assert missing.status_code == 409
    assert missing.json()["code"] == "approval_missing"
    assert missing.json()["type"].endswith(":approval-missing")

    _post(editor, seed_published, "review/request/")
    _post(reviewer_client, seed_published, "review/approve/")
    _patch(editor, seed_published, {"summary": "Words after the approval."})
    void = _post(publisher, seed_published, "publish/")
    assert void.status_code == 409 and void.json()["code"] == "approval_void"
    status = editor.request("GET", f"{_item(seed_published)}review/").json()
    assert status["approval"]["valid"] is False and status["state"] == "draft"
    assert Revision.objects.count() == 1


def test_review_steps_need_if_match_and_refuse_a_stale_one(
    clients: dict[str, TokenClient], reviewer_client: TokenClient, seed_published: Treatment
) -> None:
    editor = clients["editor"]
    stale = etag_of(seed_published)
    _patch(editor, seed_published, {"summary": "Changed."})
    for path, body in [("review/request/", {}), ("comments/", {"body": "x"})]:
        assert editor.request("POST", f"{_item(seed_published)}{path}", body).status_code == 428
        answer = _post(editor, seed_published, path, body, **{"If-Match": stale})
        assert answer.status_code == 412 and answer["ETag"] == etag_of(seed_published)
    _post(editor, seed_published, "review/request/")
    old = _post(reviewer_client, seed_published, "review/approve/", **{"If-Match": stale})
    assert old.status_code == 412, "an approval names the version the reviewer read"
    assert Approval.objects.count() == 0


def test_approving_what_is_not_in_review_is_409(
    reviewer_client: TokenClient, seed_published: Treatment
) -> None:
    response = _post(reviewer_client, seed_published, "review/approve/")
    assert response.status_code == 409 and response.json()["code"] == "not_in_review"


def test_only_clinical_reviewers_approve_or_request_changes(
    clients: dict[str, TokenClient], seed_published: Treatment
) -> None:
    _post(clients["editor"], seed_published, "review/request/")
    for name in ("editor", "publisher", "nobody"):
        assert _post(clients[name], seed_published, "review/approve/").status_code == 403
        assert (
            _post(clients[name], seed_published, "review/request-changes/", {"comment": "x"})
        ).status_code == 403
    assert _post(clients["anonymous"], seed_published, "review/approve/").status_code == 401
    assert AuditEntry.objects.filter(action="approve").count() == 0


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"body": "x", "pointer": "/risks/items/999"}, "/pointer"),
        ({"body": "x", "pointer": "risks"}, "/pointer"),
        ({"body": ""}, "/body"),
        ({"body": "x", "extra": 1}, "/extra"),
        ({"body": 5}, "/body"),
    ],
)
def test_a_bad_comment_is_400_naming_the_field(
    reviewer_client: TokenClient, seed_published: Treatment, body: Any, pointer: str
) -> None:
    response = _post(reviewer_client, seed_published, "comments/", body)
    assert response.status_code == 400, response.content
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert ReviewComment.objects.count() == 0


def test_request_changes_needs_a_comment(
    clients: dict[str, TokenClient], reviewer_client: TokenClient, seed_published: Treatment
) -> None:
    _post(clients["editor"], seed_published, "review/request/")
    response = _post(reviewer_client, seed_published, "review/request-changes/", {})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/comment"


def test_a_review_date_in_the_future_is_400_in_the_editor_api(
    clients: dict[str, TokenClient], seed_published: Treatment
) -> None:
    tomorrow = (timezone.now() + dt.timedelta(days=2)).date().isoformat()
    response = clients["editor"].request(
        "PATCH",
        _item(seed_published),
        {"review": {"last_reviewed_on": tomorrow, "next_review_due": None}},
        **{"If-Match": etag_of(seed_published)},
    )
    assert response.status_code == 400
    assert "future" in response.json()["errors"][0]["message"]


def _human_edit(seed_published: Treatment, editor: User) -> None:
    from treatments import services
    from treatments.documents.build import build_content

    seed_published.refresh_from_db()
    content = build_content(services.treatment_get_for_edit(treatment_id=seed_published.pk))
    content["summary"] = "Edited by a person, not yet approved."
    services.treatment_replace(
        treatment_id=seed_published.pk,
        content=services.content_validate(content),
        expected_version=seed_published.version,
        actor=editor,
    )
    seed_published.refresh_from_db()


def test_the_admin_publish_button_refuses_an_unapproved_change(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    _human_edit(seed_published, roles["editor"])
    client.force_login(roles["publisher"])
    publish = reverse("admin:treatment_publish", args=[seed_published.pk])
    response = client.post(publish, {"expected_version": seed_published.version}, follow=True)
    assert response.status_code == 200
    assert "approve" in response.content.decode()
    assert Revision.objects.count() == 1


def test_the_admin_bulk_publish_action_refuses_an_unapproved_change(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    _human_edit(seed_published, roles["editor"])
    client.force_login(roles["publisher"])
    response = client.post(
        reverse("admin:treatments_treatment_changelist"),
        {"action": "publish_selected", "_selected_action": [str(seed_published.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "approve" in response.content.decode()
    assert Revision.objects.count() == 1
