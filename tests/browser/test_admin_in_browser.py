"""The treatment admin in Chromium, driven as an editor and a publisher drive it.

Every page is checked the same way: it fits a 1280x800 window (no sideways scrolling) and
axe-core finds no serious or critical violation. With ADMIN_SCREENSHOTS=1 the tests also save
the pictures of docs/editors/guide.md into docs/editors/img/.
"""

from typing import Any

import pytest
from django.urls import reverse

from tests.browser.admin_support import (
    admin_page,
    check_page,
    guide_screenshot,
    login,
    scroll_to,
)
from tests.editorial.support import approve
from treatments import services
from treatments.documents.build import build_content
from treatments.models import Publication, Treatment
from treatments.services import treatment_get_for_edit

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "bone-marrow-stem-cell-injection"
# Test wording, not medical content: it only has to be recognisable after the save.
EDITED_DETAIL = "Step text edited in the browser test."
ADDED_TITLE = "Step added in the browser test"
ADDED_DETAIL = "Detail of the step added in the browser test."
PUBLISHED_SUMMARY = "Summary published from the change page in the browser test."


def change_url(live_server: Any, treatment: Treatment) -> str:
    return live_server.url + reverse("admin:treatments_treatment_change", args=[treatment.pk])


def step_details(treatment: Treatment) -> list[tuple[str, str]]:
    steps = build_content(treatment_get_for_edit(treatment_id=treatment.pk))["procedure"]["steps"]
    return [(step["title"], step["detail"]) for step in steps]


def save_and_continue(page: Any) -> None:
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()


def success_messages(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("ul.messagelist li.success").all_inner_texts()]


def test_an_editor_edits_a_step_adds_one_removes_one_and_sees_the_saved_values(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    before = step_details(seed_published)
    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "editor")
        page.goto(change_url(live_server, seed_published))
        check_page(page, screenshot="change-page")
        scroll_to(page, "#steps-group")
        guide_screenshot(page, "steps")

        page.locator("#id_steps-0-detail").fill(EDITED_DETAIL)
        page.locator("#steps-group").get_by_role("button", name="Add another Step").click()
        page.locator("#id_steps-4-title").fill(ADDED_TITLE)
        page.locator("#id_steps-4-detail").fill(ADDED_DETAIL)
        page.locator("#id_steps-2-DELETE").check()
        save_and_continue(page)

        assert page.locator(".errornote").count() == 0, page.locator("#content").inner_text()
        assert any("was changed successfully" in m for m in success_messages(page))
        assert page.locator("#id_steps-0-detail").input_value() == EDITED_DETAIL
        assert page.locator("#id_steps-3-title").input_value() == ADDED_TITLE
        assert page.locator("#id_steps-TOTAL_FORMS").input_value() == "4"
        check_page(page)
    finally:
        context.close()
    assert step_details(seed_published) == [
        (before[0][0], EDITED_DETAIL),
        before[1],
        before[3],
        (ADDED_TITLE, ADDED_DETAIL),
    ]
    assert Treatment.objects.get().version == seed_published.version + 1


def test_a_refused_save_shows_the_error_on_the_field_it_concerns(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "editor")
        page.goto(change_url(live_server, seed_published))
        page.locator("#id_steps-0-quantity_unit").select_option("cc")  # a unit with no amount
        page.locator("#id_course_sessions_min").fill("5")
        page.locator("#id_course_sessions_max").fill("2")
        save_and_continue(page)

        assert page.locator(".errornote").is_visible()
        # Each message is next to its field and tied to it for screen readers.
        for field, message in [
            ("steps-0-quantity_min", "Give at least one of min and max"),
            ("course_sessions_min", "larger than its maximum"),
        ]:
            error = page.locator(f"#id_{field}_error")
            assert error.is_visible() and message in error.inner_text()
            assert not error.inner_text().startswith("Value error")
            described_by = page.locator(f"#id_{field}").get_attribute("aria-describedby") or ""
            assert f"id_{field}_error" in described_by.split()
            assert page.locator(f"#id_{field}").get_attribute("aria-invalid") == "true"
        scroll_to(page, "#id_steps-0-quantity_min_error", block="center")
        check_page(page, screenshot="errors")
    finally:
        context.close()
    assert Treatment.objects.get().version == seed_published.version, "nothing was saved"


def test_a_publisher_saves_then_publishes_from_the_change_page_and_the_api_answers_it(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "publisher")
        page.goto(change_url(live_server, seed_published))
        page.locator("#id_summary").fill(PUBLISHED_SUMMARY)
        save_and_continue(page)
        assert any("was changed successfully" in m for m in success_messages(page))

        publishing = page.locator(".treatment-publishing")
        publishing.get_by_role("button", name="Publish", exact=True).click()
        page.wait_for_load_state()
        refusal = " ".join(page.locator("ul.messagelist li.error").all_inner_texts())
        assert "approv" in refusal.lower(), "four eyes: no publish before a clinical approval"

        approve(Treatment.objects.get())  # a clinical reviewer signs the saved version off
        page.reload()
        publishing.scroll_into_view_if_needed()
        publishing.get_by_label("Change note").fill("Summary reworded.")
        guide_screenshot(page, "publishing")
        publishing.get_by_role("button", name="Publish", exact=True).click()
        page.wait_for_load_state()
        assert page.url == change_url(live_server, seed_published)
        assert page.locator(".errornote").count() == 0
        assert success_messages(page) == ["Bone Marrow Stem Cell Injection: Published 2."]

        public = page.request.get(f"{live_server.url}/api/v1/treatments/{SLUG}/")
        assert public.status == 200
        assert public.json()["summary"] == PUBLISHED_SUMMARY

        page.get_by_role("link", name="Revisions, diffs & audit").click()
        page.wait_for_load_state()
        assert "/summary" in page.locator("#content-main").inner_text()
        check_page(page, screenshot="revisions")
    finally:
        context.close()
    assert Publication.objects.get().revision.number == 2


def test_the_list_and_the_add_page_fit_the_window_and_a_new_treatment_saves(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "editor")
        page.goto(live_server.url + reverse("admin:treatments_treatment_changelist"))
        assert page.get_by_role("link", name="Bone Marrow Stem Cell Injection").count() == 1
        scroll, width = page.locator(".results").evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll <= width, "every column of the list shows without scrolling the table"
        check_page(page, screenshot="list")

        page.goto(live_server.url + reverse("admin:treatments_treatment_add"))
        check_page(page, screenshot="add-page")
        page.locator("#id_title").fill("A new treatment")
        page.locator("#id_slug").fill("a-new-treatment")
        page.locator("#id_summary").fill("Draft summary.")
        page.locator("#id_category").select_option(label="Pain Treatments")
        page.locator("#id_classification").select_option("procedural")
        page.locator("#id_tissue_source").select_option("not_applicable")
        save_and_continue(page)
        assert page.locator(".errornote").count() == 0, page.locator("#content").inner_text()
        assert any("was added successfully" in m for m in success_messages(page))
        check_page(page)
    finally:
        context.close()
    created = Treatment.objects.get(slug="a-new-treatment")
    assert created.version == 1 and created.summary == "Draft summary."


def test_a_page_opened_before_someone_elses_save_is_refused_with_a_message(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    context, first = admin_page(browser)
    try:
        login(first, live_server.url, "editor")
        second = context.new_page()
        first.goto(change_url(live_server, seed_published))
        second.goto(change_url(live_server, seed_published))
        first.locator("#id_steps-0-detail").fill(EDITED_DETAIL)
        save_and_continue(first)
        assert any("was changed successfully" in m for m in success_messages(first))

        second.locator("#id_steps-1-detail").fill("An edit made on a page opened too early.")
        save_and_continue(second)
        note = second.locator(".errornote")
        assert note.is_visible()
        stale = second.locator("ul.errorlist.nonfield").first
        assert "Someone saved this treatment after you opened it" in stale.inner_text()
        check_page(second)
    finally:
        context.close()
    details = [detail for _, detail in step_details(seed_published)]
    assert details[0] == EDITED_DETAIL, "the first save is kept"
    assert not any("opened too early" in detail for detail in details), "the stale one is not"


def test_the_history_pages_and_a_deleted_treatments_page_fit_and_pass_axe(
    live_server: Any, seed_published: Any, roles: dict[str, Any], browser: Any
) -> None:
    services.treatment_delete(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    context, page = admin_page(browser)
    try:
        login(page, live_server.url, "publisher")
        page.goto(change_url(live_server, seed_published))
        assert page.get_by_role("button", name="Restore").is_visible()
        check_page(page)
        for name, args in [
            ("treatments_treatment_history", [seed_published.pk]),
            ("treatments_auditentry_changelist", []),
            ("treatments_revision_changelist", []),
            ("treatments_category_changelist", []),
        ]:
            page.goto(live_server.url + reverse(f"admin:{name}", args=args))
            check_page(page)
    finally:
        context.close()
