"""The translations admin in Chromium, as an editor uses it: add a Spanish translation of a
synthetic treatment from its page, edit a text beside the source and save, then find it in the
outdated list once the source publishes a new revision, with the changed section highlighted.

Every page is checked at 1280x800 (no sideways scroll) and with axe-core (no serious or
critical violation). The treatment and its "translation" are written for the test.
"""

from typing import Any

import pytest

from editorial.translations.models import Translation
from tests.browser.admin_support import admin_page, check_page, login
from tests.editorial.translations.synthetic_source import change_and_publish, synthetic_source

pytestmark = pytest.mark.django_db(transaction=True)
SPANISH_SUMMARY = "[es] Un resumen sintético escrito para las pruebas."
CHANGED_RISK = "A risk description changed in revision 2 of the source."


def test_an_editor_adds_edits_and_follows_a_spanish_translation_in_the_admin(
    live_server: Any, browser: Any, roles: dict[str, Any]
) -> None:
    source = synthetic_source()
    context, page = admin_page(browser)
    base = live_server.url
    try:
        login(page, base, "editor")
        page.goto(f"{base}/admin/treatments/treatment/{source.pk}/change/")
        page.wait_for_load_state()
        page.locator(".treatment-panel").get_by_role("link", name="Add a translation").click()
        page.wait_for_load_state()
        assert "/add-to/" in page.url
        assert "nothing is machine translated" in page.locator("#content-main").inner_text()
        check_page(page)

        page.get_by_label("Language (BCP 47 tag)").fill("es")
        page.get_by_role("button", name="Add the translation").click()
        page.wait_for_url("**/side-by-side/")
        page.wait_for_load_state()
        check_page(page)
        summary = page.get_by_role("textbox", name="Summary", exact=True)
        source_side = page.locator("#section-summary tbody tr", has=summary)
        assert "A summary written for tests only." in source_side.locator("td").first.inner_text()

        summary.fill(SPANISH_SUMMARY)
        page.get_by_role("button", name="Save the translation").click()
        page.wait_for_load_state()
        assert (
            "Saved: the translation is now at version" in page.locator(".messagelist").inner_text()
        )
        assert (
            page.get_by_role("textbox", name="Summary", exact=True).input_value() == SPANISH_SUMMARY
        )
        translation = Translation.objects.get(source=source, language="es")
        assert translation.treatment.summary == SPANISH_SUMMARY

        # Someone publishes a changed risk in the English source (revision 2).
        change_and_publish(
            source, lambda c: c["risks"]["items"][0].update(description=CHANGED_RISK)
        )

        page.goto(f"{base}/admin/")
        page.wait_for_load_state()
        # The model's row (the app's caption links to the app's own index).
        page.locator("#content-main a[href$='/translations/translation/']").first.click()
        page.wait_for_load_state()
        page.get_by_role("link", name="Outdated", exact=True).click()
        page.wait_for_load_state()
        row = page.locator("#result_list tbody tr", has_text=source.title)
        assert row.count() == 1, page.locator("#content").inner_text()
        assert "Risks" in row.inner_text()
        check_page(page)

        row.get_by_role("link", name="Open es side by side").click()
        page.wait_for_url("**/side-by-side/")
        page.wait_for_load_state()
        risks = page.locator("#section-risks")
        assert "changed" in (risks.get_attribute("class") or "")
        assert "Changed in the source since revision 1" in risks.locator("h2").inner_text()
        assert CHANGED_RISK in risks.inner_text()
        assert "changed" not in (page.locator("#section-summary").get_attribute("class") or "")
        assert (
            page.get_by_role("textbox", name="Summary", exact=True).input_value() == SPANISH_SUMMARY
        )
        check_page(page)
    finally:
        context.close()


def test_a_stale_save_keeps_the_typed_text_and_marking_up_to_date_needs_the_tick(
    live_server: Any, browser: Any, roles: dict[str, Any]
) -> None:
    source = synthetic_source()
    base = live_server.url
    first, page = admin_page(browser)
    second, other = admin_page(browser)
    try:
        login(page, base, "editor")
        page.goto(f"{base}/admin/treatments/treatment/{source.pk}/change/")
        page.locator(".treatment-panel").get_by_role("link", name="Add a translation").click()
        page.wait_for_load_state()
        page.get_by_label("Language (BCP 47 tag)").fill("es")
        page.get_by_role("button", name="Add the translation").click()
        page.wait_for_url("**/side-by-side/")
        page.wait_for_load_state()
        editor_url = page.url

        # A second editor (here the publisher) saves first from another window.
        login(other, base, "publisher")
        other.goto(editor_url)
        other.get_by_role("textbox", name="Overview", exact=True).fill("[es] Saved first.")
        other.get_by_role("button", name="Save the translation").click()
        other.wait_for_load_state()

        typed = "[es] Typed on a page opened before the other save."
        page.get_by_role("textbox", name="Summary", exact=True).fill(typed)
        page.get_by_role("button", name="Save the translation").click()
        page.wait_for_load_state()
        assert "reload the page" in page.locator("#problems").inner_text().lower()
        assert page.get_by_role("textbox", name="Summary", exact=True).input_value() == typed
        check_page(page)
        translation = Translation.objects.get(source=source)
        assert translation.treatment.summary == source.summary, "the stale save wrote nothing"

        change_and_publish(
            source, lambda c: c["risks"]["items"][0].update(description=CHANGED_RISK)
        )
        page.goto(editor_url)
        page.wait_for_load_state()
        mark = page.get_by_role("button", name="Mark as up to date with source revision 2")
        mark.click()
        page.wait_for_load_state()
        assert "Tick the box" in page.locator("#confirm-error").inner_text()
        translation.refresh_from_db()
        assert translation.source_revision == 1
        page.get_by_label("I checked every text against source revision 2").check()
        page.get_by_role("button", name="Mark as up to date with source revision 2").click()
        page.wait_for_load_state()
        assert "translates source revision 2" in page.locator(".messagelist").inner_text()
        translation.refresh_from_db()
        assert translation.source_revision == 2
        check_page(page)
    finally:
        first.close()
        second.close()
