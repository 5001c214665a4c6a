"""The admin's side-by-side diff and preview-link pages, driven in Chromium as an editor would.

Screenshots go to artifacts/browser/ (gitignored): admin-diff-1280.png, admin-preview-links.png.
"""

from typing import Any

import pytest

from tests.browser.conftest import AXE
from treatments.documents.build import build_content
from treatments.services import (
    content_validate,
    treatment_get_for_edit,
    treatment_publish,
    treatment_replace,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-test-password"
PUBLISHED_OVERVIEW = "An overview published as revision 2."
DRAFT_SUMMARY = "A draft summary, rewritten for patients."
NEW_STEP = "A new first step that only the draft has"
BLOCKING = {"serious", "critical"}


def _change(treatment: Any, change: Any) -> None:
    treatment.refresh_from_db()
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    change(content)
    treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=treatment.version,
        actor=None,
    )


@pytest.fixture
def history(seed_published: Any) -> Any:
    """Revision 1 (the seed), revision 2 (a new overview, live), and a draft on top of it."""
    _change(seed_published, lambda c: c.update(overview=PUBLISHED_OVERVIEW))
    seed_published.refresh_from_db()
    treatment_publish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )

    def draft(content: dict[str, Any]) -> None:
        content["summary"] = DRAFT_SUMMARY
        content["procedure"]["steps"].insert(0, {"title": NEW_STEP, "detail": "Its detail."})
        content["risks"]["items"].pop(0)

    _change(seed_published, draft)
    return seed_published


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def _no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} > {widths[1]} px"


def _axe(page: Any) -> list[tuple[str, str, str]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: "tag", values:
            ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})"""
    )
    assert result["passes"], "axe ran no check; is axe-core loaded?"
    return [
        (v["id"], v["impact"], v["help"]) for v in result["violations"] if v["impact"] in BLOCKING
    ]


def test_the_diff_page_shows_the_draft_against_live_side_by_side_and_any_two_revisions(
    live_server: Any, browser: Any, roles: dict[str, Any], history: Any, artifacts: Any
) -> None:
    # axe is injected as a script, which the admin's CSP (script-src 'self') would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        _log_in(page, live_server.url)
        # From the treatment's change page, as an editor gets there.
        page.goto(f"{live_server.url}/admin/treatments/treatment/{history.pk}/change/")
        page.click("text=Compare with live")
        page.wait_for_url(f"**/admin/previews/previewlink/compare/{history.pk}/")
        heads = page.locator("table.diff thead th")
        # (The admin's CSS upper-cases table heads: compare the text, not how it looks.)
        assert heads.nth(1).text_content() == "Live (revision 2)"
        assert (heads.nth(2).text_content() or "").startswith("Working copy")
        sections = page.locator("section.diff-section h2").all_text_contents()
        assert sections == ["Summary", "Procedure and steps", "Risks"]
        summary = page.locator("#section-summary tbody tr").first
        assert DRAFT_SUMMARY in summary.locator("td.new").inner_text()
        assert summary.locator("td.new ins").count() >= 1
        assert summary.locator("td.old del").count() >= 1
        added = page.locator('#section-steps tr.item[data-change="added"]')
        assert NEW_STEP in added.inner_text() and "position 1" in added.inner_text()
        assert page.locator('#section-risks tr.item[data-change="removed"]').count() == 1
        # Inserting a step first changed no other step.
        assert page.locator('#section-steps tr.item[data-change="changed"]').count() == 0
        _no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts / "admin-diff-1280.png"), full_page=True)
        assert _axe(page) == []

        # Two revisions, picked on the page.
        page.select_option("#diff-from", "1")
        page.select_option("#diff-to", "2")
        page.click("form.pickers input[type=submit]")
        page.wait_for_url("**/compare/**from=1**")
        assert page.locator("section.diff-section h2").all_text_contents() == ["Summary"]
        overview = page.locator("#section-summary tbody tr").first
        assert overview.locator("th").text_content() == "Overview"
        assert overview.locator("td.new").inner_text() == PUBLISHED_OVERVIEW
        assert "Revision 1" in (page.locator("table.diff thead").text_content() or "")
        # revision and published_at differ too, but are not content: one row only.
        assert page.locator("table.diff tbody tr").count() == 1
        _no_horizontal_scroll(page)

        # The same revision on both sides: no change.
        page.select_option("#diff-to", "1")
        page.click("form.pickers input[type=submit]")
        page.wait_for_selector("#no-changes")
    finally:
        context.close()


def test_a_preview_link_made_in_the_admin_opens_for_anyone_until_it_is_revoked(
    live_server: Any, browser: Any, roles: dict[str, Any], history: Any, artifacts: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    # No admin account, no session. (axe is injected as a script: the page's CSP would refuse it.)
    reviewer = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        _log_in(page, live_server.url)
        page.goto(f"{live_server.url}/admin/treatments/treatment/{history.pk}/change/")
        page.click(".treatment-panel >> text=Preview links")
        page.wait_for_url(f"**/admin/previews/previewlink/treatment/{history.pk}/")
        page.fill("#id_note", "Dr Reviewer")
        page.select_option("#id_days", "3")
        page.click("input[value='Create preview link']")
        url = page.input_value("#created-url")
        assert "/preview/" in url
        _no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts / "admin-preview-links.png"), full_page=True)

        outside = reviewer.new_page()
        response = outside.goto(url)
        assert response is not None and response.status == 200
        assert response.headers["x-robots-tag"] == "noindex, nofollow"
        assert "Draft preview" in outside.locator("h1").first.inner_text()
        card = outside.frame_locator("iframe")
        assert card.locator("p.summary").inner_text() == DRAFT_SUMMARY
        assert NEW_STEP in card.locator("ol.steps").inner_text()
        _no_horizontal_scroll(outside)
        assert _axe(outside) == []

        page.goto(f"{live_server.url}/admin/previews/previewlink/treatment/{history.pk}/")
        page.click("input[value='Revoke']")
        assert page.locator("table.links-table").inner_text().count("revoked") == 1
        gone = outside.goto(url)
        assert gone is not None and gone.status == 410
    finally:
        reviewer.close()
        context.close()
