"""The clinical review page in Chromium: an author asks, a reviewer comments at a part, approves.

The page is checked as every admin page is: it fits 1280x800 (no sideways scrolling) and axe-core
finds no serious or critical violation. With ADMIN_SCREENSHOTS=1 it is saved for the guide.
"""

from typing import Any

import pytest
from django.urls import reverse

from editorial.models import Approval, ReviewComment
from tests.browser.admin_support import admin_page, check_page, login
from tests.editorial.support import make_reviewer
from treatments.documents.build import build_content
from treatments.models import Treatment
from treatments.services import content_validate, treatment_get_for_edit, treatment_replace

pytestmark = pytest.mark.django_db(transaction=True)

# Test wording, not medical content.
COMMENT = "Comment written in the browser test."


def _edit_as(treatment: Treatment, actor: Any) -> None:
    treatment.refresh_from_db()
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = "Summary changed for the browser review test."
    treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=treatment.version,
        actor=actor,
    )


def _messages(page: Any, kind: str) -> list[str]:
    return [t.strip() for t in page.locator(f"ul.messagelist li.{kind}").all_inner_texts()]


def test_an_author_requests_a_review_and_a_reviewer_comments_at_a_part_and_approves(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    make_reviewer("reviewer")
    _edit_as(seed_published, roles["editor"])
    url = live_server.url + reverse("admin:editorial_review", args=[seed_published.pk])
    change = live_server.url + reverse(
        "admin:treatments_treatment_change", args=[seed_published.pk]
    )

    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "editor")
        page.goto(change)
        panels = page.get_by_role("region", name="About this treatment")
        panels.get_by_role("link", name="Clinical review").click()
        page.wait_for_load_state()
        assert page.url == url
        page.get_by_role("button", name="Request review").click()
        page.wait_for_load_state()
        assert any("Review requested" in m for m in _messages(page, "success"))
        assert page.locator("#review-state").inner_text() == "In review"
        check_page(page, screenshot="review-page")
    finally:
        context.close()

    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "reviewer")
        page.goto(url)
        page.locator("#id_comment_pointer").select_option("/risks/items/0")
        page.locator("#id_comment_body").fill(COMMENT)
        page.get_by_role("button", name="Add comment").click()
        page.wait_for_load_state()
        row = page.locator('tr[data-pointer="/risks/items/0"]')
        assert COMMENT in row.inner_text(), "the comment sits beside the part it points at"
        page.get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        assert any("Approved" in m for m in _messages(page, "success"))
        assert page.locator("#review-state").inner_text() == "Approved"
        check_page(page)
    finally:
        context.close()

    assert ReviewComment.objects.get().pointer == "/risks/items/0"
    assert Approval.objects.get().reviewer.username == "reviewer"
