"""The card on its own in Chromium: accessibility (axe-core), 320 px to 1280 px, JavaScript off.

Screenshots go to artifacts/browser/ (gitignored): card-<theme>-<width>.png.
"""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AXE
from treatments import services

SLUG = "bone-marrow-stem-cell-injection"
CARD_PATH = f"/embed/v1/treatments/{SLUG}/"
BLOCKING = {"serious", "critical"}

pytestmark = pytest.mark.django_db(transaction=True)


def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.x A/AA (2.2 included) and best practices on this page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: "tag", values:
            ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})"""
    )
    assert result["passes"], "axe ran no check; is axe-core loaded?"
    return list(result["violations"])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(
    live_server: Any, seed_published: Any, browser: Any, theme: str
) -> None:
    # axe is injected as a script, which the card's CSP would (rightly) refuse.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{CARD_PATH}?theme={theme}")
        violations = _axe(page)
    finally:
        context.close()
    blocking = [(v["id"], v["impact"], v["help"]) for v in violations if v["impact"] in BLOCKING]
    assert blocking == []


def test_the_withdrawn_page_is_accessible_too(
    live_server: Any, seed_published: Any, browser: Any
) -> None:
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}{CARD_PATH}")
        assert response is not None and response.status == 410
        violations = _axe(page)
    finally:
        context.close()
    assert [v["id"] for v in violations if v["impact"] in BLOCKING] == []


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_card_fits_320_to_1280_px_and_is_screenshotted(
    live_server: Any, seed_published: Any, browser: Any, artifacts: Path, width: int, theme: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{CARD_PATH}?theme={theme}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"horizontal scrolling at {width} px"
        shot = artifacts / f"card-{theme}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    finally:
        context.close()
    assert shot.stat().st_size > 0
    assert background == ("rgb(255, 255, 255)" if theme == "light" else "rgb(18, 20, 23)")


def test_the_card_reads_the_same_with_javascript_off(
    live_server: Any, seed_published: Any, browser: Any, artifacts: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{CARD_PATH}")
        assert page.locator("h1").inner_text() == "Bone Marrow Stem Cell Injection"
        assert page.locator("h2").count() == 6
        assert page.locator("ol.steps > li").count() == 4
        assert page.get_by_text("Likelihood: Rare").count() == 2
        page.screenshot(path=str(artifacts / "card-no-javascript-320.png"), full_page=True)
    finally:
        context.close()
