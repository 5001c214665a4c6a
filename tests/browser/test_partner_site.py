"""A partner's page on another origin, in a real Chromium: the card iframe, auto-height, CORS, keys.

The API runs in pytest-django's live server (http://localhost:PORT); the partner page is served
from http://127.0.0.1:OTHER, a different origin, exactly as a clinic's site would be.
"""

import json
from pathlib import Path
from typing import Any

import extruct
import pytest

from partners.models import Partner
from partners.services import api_key_issue, partner_create
from tests.docs.examples import for_server, snippet

SLUG = "bone-marrow-stem-cell-injection"
CARD_PATH = f"/embed/v1/treatments/{SLUG}/"
HEIGHT_MESSAGE = "treatment-card:height"

pytestmark = pytest.mark.django_db(transaction=True)


def _partner(name: str, origins: list[str]) -> Partner:
    return partner_create(name=name, contact_email="web@clinic.example", allowed_origins=origins)


def _embedding_page(api: str, cards: dict[str, str]) -> str:
    """A partner page with one iframe per card URL and the docs' auto-height listener."""
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


def _partner_page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Clinic page</title>'
        f'</head><body style="margin:0"><h1>Our treatments</h1>{body}</body></html>'
    )


def test_the_docs_iframe_snippet_renders_the_card_and_sizes_it(
    live_server: Any, seed_published: Any, partner_site: Any, context: Any, artifacts: Path
) -> None:
    api = live_server.url
    iframe_snippet = for_server(snippet("partners/card.md", "## The iframe", "html"), api)
    assert f'src="{api}{CARD_PATH}?' in iframe_snippet
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Refused" in m.text else None)
    page.goto(partner_site.page("embed.html", _partner_page(iframe_snippet)))
    iframe = page.locator("iframe")
    # The snippet's listener replaces the 900px placeholder with the card's own height.
    page.wait_for_function(
        "() => document.querySelector('iframe').style.height !== '900px'", timeout=15_000
    )
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    assert frame.locator("h1").inner_text() == "Bone Marrow Stem Cell Injection"
    assert frame.locator("h2").count() == 3  # sections=steps,risks,recovery
    assert frame.locator("ol.steps > li").count() == 4
    content_height = frame.evaluate("document.documentElement.getBoundingClientRect().height")
    iframe_height = iframe.evaluate("e => e.getBoundingClientRect().height")
    assert abs(iframe_height - content_height) <= 1, (iframe_height, content_height)
    # The inline style ran (the CSP allowed its hash): the card's own layout applies.
    assert frame.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert violations == []  # no CSP refusals for the card's own style and script
    # A viewport as tall as the page: full-page screenshots leave cross-origin frames unpainted.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": height})
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "partner-page-with-card.png"))


def test_the_docs_json_ld_snippet_puts_the_block_in_the_partner_page(
    live_server: Any, seed_published: Any, partner_site: Any, context: Any
) -> None:
    api = live_server.url
    jsonld_snippet = for_server(
        snippet("partners/json-ld.md", "# Structured data (JSON-LD)", "html"), api
    )
    page = context.new_page()
    page.goto(partner_site.page("jsonld.html", _partner_page(jsonld_snippet)))
    selector = 'head script[type="application/ld+json"]'
    page.wait_for_selector(selector, state="attached", timeout=15_000)
    html = page.content()
    (item,) = extruct.extract(html, base_url=partner_site.origin, syntaxes=["json-ld"])["json-ld"]
    assert item["@type"] == "MedicalWebPage"
    assert item["url"] == f"{api}{CARD_PATH}"


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
