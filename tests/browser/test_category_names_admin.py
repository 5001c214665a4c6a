"""A category's names in other languages in Chromium, as an editor saves one: the category's
page says the name is not public until a translation in that language is published, and says
since when it is, once one is. Checked at 1280x800 and with axe-core.

The treatment, its "translation" and the names are written for the test ("[es] ...").
"""

from typing import Any

import pytest

from tests.browser.admin_support import admin_page, check_page, login
from tests.treatments.category_support import SLUG, marked, publish, source, translate
from treatments.models import Category, CategoryName, PublishedCategoryName

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_names_a_category_in_spanish_and_sees_when_it_is_public(
    live_server: Any, browser: Any, roles: dict[str, Any]
) -> None:
    english = source()
    category = Category.objects.get(slug=SLUG)
    context, page = admin_page(browser)
    base = live_server.url
    try:
        login(page, base, "editor")
        page.goto(f"{base}/admin/treatments/category/{category.pk}/change/")
        page.wait_for_load_state()
        check_page(page)
        page.locator("input[name='names-0-language']").fill("es")
        page.locator("input[name='names-0-name']").fill(marked("es"))
        page.get_by_role("button", name="Save and continue editing").click()
        page.wait_for_load_state()
        assert CategoryName.objects.filter(category=category, language="es").exists()
        assert not PublishedCategoryName.objects.exists(), "a save publishes nothing"
        names = page.locator("#names-group").inner_text()
        assert "Not public: it goes public with the next publication of a es document" in names
        check_page(page)

        publish(translate(english, "es"))  # reviewed and published elsewhere
        page.reload()
        page.wait_for_load_state()
        assert "Public since" in page.locator("#names-group").inner_text()
    finally:
        context.close()
