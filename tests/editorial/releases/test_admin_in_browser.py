"""The scheduling admin driven in a real Chromium, as a publisher uses it.

Debian's /usr/bin/chromium through Playwright, never a download; without it the test skips
(or fails, with BROWSER_TESTS_REQUIRED=1 as in CI). The pages must fit 1280 px without
horizontal scrolling, and axe-core (when installed, tests/browser/js) must find no serious or
critical violation.
"""

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from editorial.releases import services
from editorial.releases.models import Release, ScheduledAction
from tests.browser.admin_support import assert_no_horizontal_scroll, axe_blocking_violations
from treatments.models import Publication, Revision, Treatment

from .support import edit

PASSWORD = "a-long-test-password"

# Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser: Any, live_server: Any, publisher: User) -> Iterator[Any]:
    """A 1280x800 page logged in to the admin as the publisher."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", publisher.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    yield page
    context.close()


def _fits(page: Any) -> None:
    """No horizontal scrolling at this width, and no serious axe violation (as every admin page)."""
    assert_no_horizontal_scroll(page)
    found = axe_blocking_violations(page)
    assert found == [], "\n".join(map(repr, found))


def _choose_treatment(page: Any, row: int, title: str) -> None:
    """Pick a treatment in the members inline's autocomplete (select2), as a person does."""
    page.locator(".dynamic-members .select2-selection").nth(row).click()
    page.locator(".select2-search__field").fill(title)
    page.locator(".select2-results__option", has_text=title).first.click()


def _live(treatment: Treatment) -> bool:
    return Publication.objects.filter(treatment=treatment, withdrawn_at__isnull=True).exists()


def test_a_publisher_builds_a_release_and_publishes_it_now(
    page: Any, live_server: Any, drafts: list[Treatment]
) -> None:
    page.goto(f"{live_server.url}/admin/releases/release/add/")
    page.fill("#id_name", "Spring update")
    _choose_treatment(page, 0, drafts[0].title)
    page.click("text=Add another Release member")
    _choose_treatment(page, 1, drafts[1].title)
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    _fits(page)
    release = Release.objects.get()
    assert {m.treatment_id for m in release.members.all()} == {drafts[0].pk, drafts[1].pk}

    page.click("text=Publish now…")
    page.wait_for_selector("input[value='Publish now']")  # the confirmation page has loaded
    _fits(page)
    page.click("input[value='Publish now']")

    page.wait_for_selector("text=is live")
    release.refresh_from_db()
    assert release.state == "published"
    assert _live(drafts[0]) and _live(drafts[1]) and not _live(drafts[2])


def test_a_publisher_schedules_a_release_and_cancels_the_schedule(
    page: Any, live_server: Any, drafts: list[Treatment]
) -> None:
    page.goto(f"{live_server.url}/admin/releases/release/add/")
    page.fill("#id_name", "Embargoed")
    _choose_treatment(page, 0, drafts[2].title)
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was added successfully")

    page.click("text=Schedule…")
    page.wait_for_selector("#id_at")
    _fits(page)
    page.fill("#id_at", "2001-01-01T09:00")
    page.click("input[value=Schedule]")
    page.wait_for_selector("text=Choose a time in the future.")
    when = timezone.localtime() + dt.timedelta(days=2)
    page.fill("#id_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("input[value=Schedule]")

    page.wait_for_selector("text=is scheduled for")
    release = Release.objects.get()
    assert release.state == "scheduled"
    action = ScheduledAction.objects.get(release=release)
    assert timezone.localtime(action.run_at).strftime("%Y-%m-%d %H:%M") == when.strftime(
        "%Y-%m-%d %H:%M"
    )

    page.click("text=change…")
    page.click("input[value='Cancel schedule']")
    page.wait_for_selector("text=is a draft again")
    release.refresh_from_db()
    assert release.state == "draft"


def test_a_publisher_schedules_a_treatment_and_cancels_it_from_the_upcoming_list(
    page: Any, live_server: Any, drafts: list[Treatment]
) -> None:
    change = f"{live_server.url}/admin/treatments/treatment/{drafts[0].pk}/change/"
    page.goto(change)
    panel = page.locator(".treatment-panel", has_text="Schedule")
    assert "Nothing scheduled." in panel.inner_text()
    panel.locator("a", has_text="Schedule").click()
    page.wait_for_url(f"**/admin/releases/scheduledaction/treatment/{drafts[0].pk}/")
    _fits(page)
    page.select_option("#id_action", "publish")
    when = timezone.localtime() + dt.timedelta(hours=3)
    page.fill("#id_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_note", "After the announcement.")
    page.click("input[value=Schedule]")
    page.wait_for_selector("text=Scheduled: publish")
    action = ScheduledAction.objects.get()
    assert (action.kind, action.version, action.note) == ("publish", 1, "After the announcement.")
    page.goto(change)
    assert (
        f"Next: publish at {when:%Y-%m-%d %H:%M}" in page.locator(".treatment-panels").inner_text()
    )

    page.goto(f"{live_server.url}/admin/releases/scheduledaction/")
    _fits(page)
    page.check(f"input[name=_selected_action][value='{action.pk}']")
    page.select_option("select[name=action]", "cancel_selected")
    page.click("button[name=index]")
    page.wait_for_selector("text=Cancelled:")
    action.refresh_from_db()
    assert action.state == "cancelled"
    assert not _live(drafts[0])


def test_a_member_edited_since_it_was_added_is_re_added_in_one_save_and_then_released(
    page: Any, live_server: Any, drafts: list[Treatment], publisher: User
) -> None:
    release = services.release_create(name="Rebind", actor=publisher)
    services.release_member_set(
        release_id=release.pk,
        treatment_id=drafts[0].pk,
        action="publish",
        expected_version=None,
        actor=publisher,
    )
    edit(drafts[0], summary="The approved later wording.")

    page.goto(f"{live_server.url}/admin/releases/release/{release.pk}/change/")
    page.wait_for_selector("text=changed since it was added")
    _fits(page)
    page.check("input[name=members-0-DELETE]")
    _choose_treatment(page, 1, drafts[0].title)
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was changed successfully")
    assert release.members.get().version == Treatment.objects.get(pk=drafts[0].pk).version

    page.click("text=Publish now…")
    page.click("input[value='Publish now']")
    page.wait_for_selector("text=is live")
    assert Revision.objects.get(treatment=drafts[0]).document["summary"] == (
        "The approved later wording."
    )
