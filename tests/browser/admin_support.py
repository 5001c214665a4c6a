"""Driving the Django admin in Chromium as an editor does: log in, check a page, screenshot it.

Screenshots for the editors' guide are written to docs/editors/img/ only when ADMIN_SCREENSHOTS=1
(`ADMIN_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_admin_in_browser.py`), so an
ordinary test run never changes files in the repository.
"""

import os
from pathlib import Path
from typing import Any

from tests.browser.conftest import AXE

PASSWORD = "a-long-test-password"  # the password of the users made by tests/conftest.py
VIEWPORT = {"width": 1280, "height": 800}
GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "editors" / "img"
BLOCKING = {"serious", "critical"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def admin_page(browser: Any) -> tuple[Any, Any]:
    """A new 1280x800 browser context and its page; close the context when done."""
    context = browser.new_context(viewport=VIEWPORT)
    return context, context.new_page()


def login(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the admin's own login form, as a person does."""
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/admin/login/" not in page.url, f"{username} could not log in: {page.content()[:2000]}"


def assert_no_horizontal_scroll(page: Any) -> None:
    """The page fits its window: nothing to scroll sideways to (1280 px window)."""
    width, view = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if width <= view:
        return
    # Name the widest elements that stick out, so the failure says what to fix.
    culprits = page.evaluate(
        """(view) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > view + 1)
            .slice(-5)
            .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} right=` +
                      Math.round(e.getBoundingClientRect().right))""",
        view,
    )
    raise AssertionError(f"the page is {width} px wide in a {view} px window: {culprits}")


def axe_blocking_violations(page: Any) -> list[tuple[str, str, str, list[str]]]:
    """axe-core's serious and critical violations (WCAG 2.x A/AA and best practices) here.

    axe is added through Playwright (evaluating its source), which a page's CSP does not block.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert result["passes"], "axe ran no check; is axe-core loaded?"
    return [
        (v["id"], v["impact"], v["help"], [n["target"][0] for n in v["nodes"]][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def scroll_to(page: Any, selector: str, block: str = "start") -> None:
    """Scroll so that the element is at the top (or centre) of the window, for a screenshot."""
    page.locator(selector).first.evaluate(f"e => e.scrollIntoView({{block: '{block}'}})")


def check_page(page: Any, screenshot: str | None = None) -> None:
    """The checks every admin page passes: fits 1280 px, no serious axe violation."""
    assert_no_horizontal_scroll(page)
    found = axe_blocking_violations(page)
    # Not a test module, so pytest does not rewrite this assert: say what axe found.
    assert found == [], f"axe on {page.url}: " + "\n".join(map(repr, found))
    if screenshot:
        guide_screenshot(page, screenshot)


def guide_screenshot(page: Any, name: str) -> Path | None:
    """Save the window (1280x800) as docs/editors/img/<name>.png when ADMIN_SCREENSHOTS=1."""
    if os.environ.get("ADMIN_SCREENSHOTS", "") != "1":
        return None
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    path = GUIDE_IMAGES / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
