"""The admin's review page: steps through the services, comments beside their part, four eyes."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from editorial.models import Approval, ReviewComment, ReviewState
from editorial.selectors import review_summary
from treatments import services
from treatments.documents.build import build_content
from treatments.models import Treatment

from .support import make_reviewer

pytestmark = pytest.mark.django_db


def _page(t: Treatment) -> str:
    return reverse("admin:editorial_review", args=[t.pk])


def _edit(t: Treatment, actor: Any) -> None:
    """A change by `actor` (a new summary each time, so every call writes)."""
    t.refresh_from_db()
    content = build_content(services.treatment_get_for_edit(treatment_id=t.pk))
    content["summary"] = f"Changed in a test at version {t.version}."
    services.treatment_replace(
        treatment_id=t.pk,
        content=services.content_validate(content),
        expected_version=t.version,
        actor=actor,
    )
    t.refresh_from_db()


def _step(client: Client, t: Treatment, step: str, **data: Any) -> str:
    """Post a step from a fresh page; the message it left."""
    t.refresh_from_db()
    response = client.post(_page(t), {"step": step, "expected_version": t.version, **data})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def test_the_review_flow_through_the_admin_page(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    reviewer = make_reviewer()
    _edit(seed_published, roles["editor"])
    client.force_login(roles["editor"])
    assert "Review requested" in _step(client, seed_published, "request", reviewers="reviewer")

    client.force_login(reviewer)
    page = client.get(_page(seed_published))
    assert page.status_code == 200
    assert 'id="review-state">In review<' in page.content.decode()
    _step(
        client,
        seed_published,
        "comment",
        body="Is this the source's wording?",
        pointer="/risks/items/0",
    )
    _step(client, seed_published, "request_changes", body="Check risk 1.", pointer="/risks/items/0")
    assert review_summary(seed_published).state == ReviewState.CHANGES_REQUESTED

    html = client.get(_page(seed_published)).content.decode()
    row = html.split('data-pointer="/risks/items/0"', 1)[1].split("</tr>", 1)[0]
    assert "Is this the source&#x27;s wording?" in row and "Check risk 1." in row, (
        "comments sit beside the part they point at"
    )
    risk = build_content(seed_published)["risks"]["items"][0]["name"]
    assert f"Risks › Risk 1: {risk}" in row, "a part is named in the document's own words"
    assert "Dr Test Reviewer, MD (a test account)" in row, "a commenter is named by profile"
    assert "<strong>reviewer</strong>" not in row, "not by their login name"
    rounds = html.split("<h2>Rounds</h2>", 1)[1]
    assert "Dr Test Reviewer, MD (a test account)" in rounds

    client.force_login(roles["editor"])
    _edit(seed_published, roles["editor"])
    _step(client, seed_published, "request")
    client.force_login(reviewer)
    assert "Approved" in _step(client, seed_published, "approve")
    assert Approval.objects.count() == 1

    client.force_login(roles["publisher"])
    seed_published.refresh_from_db()
    client.post(
        reverse("admin:treatment_publish", args=[seed_published.pk]),
        {"expected_version": seed_published.version},
    )
    assert seed_published.revisions.count() == 2


def test_an_author_who_reviews_cannot_approve_their_change_on_the_page(
    client: Client, seed_published: Treatment
) -> None:
    both = make_reviewer("both", groups=("editors",))
    _edit(seed_published, both)
    client.force_login(both)
    _step(client, seed_published, "request")
    assert "four eyes" in _step(client, seed_published, "approve")
    assert Approval.objects.count() == 0


def test_a_step_from_a_stale_page_is_refused(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    reviewer = make_reviewer()
    _edit(seed_published, roles["editor"])
    client.force_login(roles["editor"])
    _step(client, seed_published, "request")
    stale = seed_published.version
    _edit(seed_published, roles["editor"])
    client.force_login(reviewer)
    response = client.post(_page(seed_published), {"step": "approve", "expected_version": stale})
    assert "changed by someone else" in [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert Approval.objects.count() == 0


def test_a_comment_at_a_part_that_does_not_exist_is_a_message_not_a_500(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    client.force_login(roles["editor"])
    message = _step(client, seed_published, "comment", body="x", pointer="/risks/items/999")
    assert "names no part" in message
    assert ReviewComment.objects.count() == 0


def test_comments_can_be_marked_resolved(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    client.force_login(roles["editor"])
    _step(client, seed_published, "comment", body="Fix the title.", pointer="/title")
    comment = ReviewComment.objects.get()
    _step(client, seed_published, "resolve", comment=str(comment.pk))
    comment.refresh_from_db()
    assert comment.resolved


def test_the_review_page_needs_a_staff_user_who_may_view_treatments(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    client.force_login(roles["nobody"])
    assert client.get(_page(seed_published)).status_code in (302, 403)
    reviewer = make_reviewer()
    client.force_login(reviewer)
    assert client.get(_page(seed_published)).status_code == 200
    assert client.get(reverse("admin:editorial_reviewround_changelist")).status_code == 200


def test_the_treatment_change_page_links_to_the_review_in_a_panel(
    client: Client, roles: dict[str, User], seed_published: Treatment
) -> None:
    _edit(seed_published, roles["editor"])
    client.force_login(roles["editor"])
    page = client.get(reverse("admin:treatments_treatment_change", args=[seed_published.pk]))
    html = page.content.decode()
    assert "Clinical review" in html and _page(seed_published) in html
    assert "publishing needs a clinical reviewer&#x27;s approval" in html
