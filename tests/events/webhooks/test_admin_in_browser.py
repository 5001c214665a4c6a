"""The webhooks admin driven in a real Chromium: the overview page, and redelivering a message.

Debian's /usr/bin/chromium through Playwright, never a download; without it the test skips
(or fails, with BROWSER_TESTS_REQUIRED=1 as in CI). Pages must fit 1280 px without horizontal
scrolling, and axe-core (when installed, tests/browser/js) must find no serious violation.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from events.webhooks.models import Delivery, DeliveryState, WebhookEndpoint
from events.webhooks.services import endpoint_ping
from tests.browser.admin_support import assert_no_horizontal_scroll, axe_blocking_violations
from tests.browser.conftest import AXE
from tests.events.support import run_tasks

from .receiver import Receiver

PASSWORD = "a-long-test-password"

# Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser: Any, live_server: Any, superuser: User) -> Iterator[Any]:
    """A 1280x800 page logged in to the admin as a superuser."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    yield page
    context.close()


def _fits(page: Any) -> None:
    """No horizontal scrolling at 1280 px; no serious axe violation when axe-core is here."""
    assert_no_horizontal_scroll(page)
    if AXE.exists():
        found = axe_blocking_violations(page)
        assert found == [], [(v[0], v[2]) for v in found]


def test_staff_see_the_overview_and_redeliver_a_failed_message(
    page: Any, live_server: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    ping = endpoint_ping(endpoint)
    run_tasks()
    assert Delivery.objects.get().state == DeliveryState.FAILED

    page.goto(f"{live_server.url}/admin/webhooks/delivery/")
    page.click("text=Overview of the queue and deliveries")
    page.wait_for_selector("#endpoints")
    _fits(page)
    row = page.locator("#endpoints tbody tr").first.inner_text()
    assert "Clinic Partner" in row and endpoint.url in row
    assert page.locator("#deliveries tbody td").nth(2).inner_text() == "1", "one failed"

    page.goto(f"{live_server.url}/admin/webhooks/delivery/")
    _fits(page)
    page.check(f"input[name=_selected_action][value='{ping.pk}']")
    page.select_option("select[name=action]", "redeliver")
    page.click("button[name=index]")
    page.wait_for_selector("text=1 delivery(ies) queued again")
    run_tasks()

    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    assert [r.headers["webhook-id"] for r in receiver.requests] == [ping.message_id] * 2
    page.goto(f"{live_server.url}/admin/webhooks/delivery/{ping.pk}/change/")
    _fits(page)
    assert page.locator(".inline-related tbody tr.has_original").count() == 2, (
        "both attempts listed"
    )
