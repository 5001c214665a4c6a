"""Every admin page each role reaches from the admin's home page, opened in Chromium.

An editor, a clinical reviewer and a publisher each sign in and follow the links on the home
page (each app's index, each list): every page fits 1280x800 and axe-core finds no serious or
critical violation. Found by using the admin as its users do: the app indexes' breadcrumbs
(link-in-text-block), the review queue's filter links (target-size), the preview-link list's
nested links (link-name), and Releases missing from a publisher's home page.
"""

from typing import Any

import pytest

from editorial.previews.services import preview_link_create
from tests.browser.admin_support import admin_page, check_page, login
from tests.editorial.support import make_reviewer
from treatments.models import Treatment

pytestmark = pytest.mark.django_db(transaction=True)


def home_links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "#content-main a", "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted({href for href in hrefs if not href.endswith("/add/")})


@pytest.mark.parametrize("username", ["editor", "reviewer", "publisher"])
def test_every_page_a_role_reaches_from_the_home_page_fits_and_passes_axe(
    live_server: Any,
    seed_published: Treatment,
    roles: dict[str, Any],
    browser: Any,
    username: str,
) -> None:
    make_reviewer("reviewer")
    preview_link_create(treatment_id=seed_published.pk, actor=roles["editor"], note="For a GP")
    context, page = admin_page(browser)
    try:
        login(page, live_server.url, username)
        check_page(page)
        links = home_links(page)
        for app in ["/admin/editorial/", "/admin/previews/", "/admin/treatments/"]:
            assert app in links, f"{username} should see {app} on the admin's home page"
        if username == "publisher":
            assert "/admin/releases/release/" in links, "publishers release from the home page"
            assert "/admin/releases/scheduledaction/" in links
        for href in links:
            page.goto(live_server.url + href)
            assert "/admin/login/" not in page.url, f"{username} was sent to log in from {href}"
            try:
                check_page(page)
            except AssertionError as error:
                raise AssertionError(f"{href} as {username}: {error}") from error
    finally:
        context.close()
