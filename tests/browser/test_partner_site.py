"""A partner's page on another origin, in a real Chromium: the card iframe, auto-height, CORS, keys.

The API runs in pytest-django's live server (http://localhost:PORT); the partner page is served
from http://127.0.0.1:OTHER, a different origin, exactly as a clinic's site would be.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from partners.models import Partner
from partners.services import api_key_issue, partner_create

SLUG = "bone-marrow-stem-cell-injection"
CARD_PATH = f"/embed/v1/treatments/{SLUG}/"
HEIGHT_MESSAGE = "treatment-card:height"

pytestmark = pytest.mark.django_db(transaction=True)


def _partner(name: str, origins: list[str]) -> Partner:
    return partner_create(name=name, contact_email="web@clinic.example", allowed_origins=origins)


def _embedding_page(api: str, cards: dict[str, str]) -> str:
    """A partner page with one iframe per card URL and the README's auto-height listener."""
    frames = "\n".join(
        f'<iframe id="{name}" name="{name}" src="{src}" title="Treatment information" '
        'style="border:0;width:100%;height:150px" loading="eager"></iframe>'
        for name, src in cards.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic page</title></head>
<body style="margin:0">
<h1>Our treatments</h1>
{frames}
<script>
window.heights = {{}};
window.addEventListener("message", function (event) {{
  if (event.origin !== {json.dumps(api)}) return;
  var data = event.data;
  if (!data || data.type !== "{HEIGHT_MESSAGE}" || typeof data.height !== "number") return;
  for (const frame of document.querySelectorAll("iframe")) {{
    if (frame.contentWindow === event.source) {{
      frame.style.height = data.height + "px";
      window.heights[frame.id] = data.height;
    }}
  }}
}});
</script>
</body></html>"""


def test_the_card_renders_in_a_partner_iframe_and_sizes_itself(
    live_server: Any, seed_published: Any, partner_site: Any, context: Any, artifacts: Path
) -> None:
    api = live_server.url
    url = partner_site.page("embed.html", _embedding_page(api, {"card": api + CARD_PATH}))
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Refused" in m.text else None)
    page.goto(url)
    page.wait_for_function("() => window.heights.card > 150", timeout=15_000)
    frame = page.frame(name="card")
    assert frame is not None
    assert frame.locator("h1").inner_text() == "Bone Marrow Stem Cell Injection"
    assert frame.locator("ol.steps > li").count() == 4
    content_height = frame.evaluate("document.documentElement.getBoundingClientRect().height")
    iframe_height = page.evaluate("document.getElementById('card').getBoundingClientRect().height")
    assert abs(iframe_height - content_height) <= 1, (iframe_height, content_height)
    # The inline style ran (CSP allowed its hash): the card's own font and colours apply.
    assert frame.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert violations == []  # no CSP refusals for the card's own style and script
    page.screenshot(path=str(artifacts / "partner-page-with-card.png"), full_page=True)


def test_the_partner_page_reads_the_public_api_cross_origin_and_its_key_only_from_its_origins(
    live_server: Any, seed_published: Any, partner_site: Any, context: Any
) -> None:
    api = live_server.url
    ours = _partner("This site", [partner_site.origin])
    theirs = _partner("Another clinic", ["https://clinic.example"])
    _, our_key = api_key_issue(ours, name="website", publishable=True)
    _, their_key = api_key_issue(theirs, name="website", publishable=True)
    page = context.new_page()
    page.goto(partner_site.page("api.html", "<!DOCTYPE html><title>API use</title>"))
    fetch = """async ([url, key]) => {
        const headers = key ? {"X-Api-Key": key} : {};
        try {
            const response = await fetch(url, {headers, cache: "no-store"});
            return {status: response.status, body: await response.json()};
        } catch (error) {
            return {status: 0, error: String(error)};
        }
    }"""
    treatments = f"{api}/api/v1/treatments/"
    anonymous = page.evaluate(fetch, [treatments, None])
    assert anonymous["status"] == 200
    assert anonymous["body"]["results"][0]["slug"] == SLUG
    keyed = page.evaluate(fetch, [f"{treatments}{SLUG}/", our_key])
    assert keyed["status"] == 200 and keyed["body"]["slug"] == SLUG
    # Each fetch bypasses the browser's HTTP cache: a public response cached for the keyed
    # request above would otherwise answer this one without reaching the server.
    refused = page.evaluate(fetch, [f"{treatments}{SLUG}/", their_key])
    assert refused["status"] == 403, refused
    assert refused["body"]["status"] == 403
    oembed = page.evaluate(fetch, [f"{api}/api/oembed/?url={api}{CARD_PATH}", None])
    assert oembed["status"] == 200 and oembed["body"]["type"] == "rich"


def test_a_card_naming_a_key_is_framed_only_on_that_partners_origins(
    live_server: Any, seed_published: Any, partner_site: Any, context: Any
) -> None:
    api = live_server.url
    ours = _partner("This site", [partner_site.origin])
    theirs = _partner("Another clinic", ["https://clinic.example"])
    our_key, _ = api_key_issue(ours, name="website", publishable=True)
    their_key, _ = api_key_issue(theirs, name="website", publishable=True)
    cards = {
        "allowed": f"{api}{CARD_PATH}?key={our_key.prefix}",
        "refused": f"{api}{CARD_PATH}?key={their_key.prefix}",
    }
    page = context.new_page()
    page.goto(partner_site.page("keys.html", _embedding_page(api, cards)))
    page.wait_for_function("() => window.heights.allowed > 150", timeout=15_000)
    allowed, refused = page.frame(name="allowed"), page.frame(name="refused")
    assert allowed is not None and refused is not None
    assert allowed.locator("h1").count() == 1
    # Chromium replaces a frame that frame-ancestors refuses with an empty error document.
    page.wait_for_timeout(500)
    assert refused.locator("#card-title").count() == 0
    assert "refused" not in page.evaluate("window.heights")
