"""The embeddable card over HTTP: content, sections, themes, framing, caching, no cookies."""

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import extruct
import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from treatments import services
from treatments.renditions.card import SECTION_TITLES, SECTIONS

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
CARD = f"/embed/v1/treatments/{SLUG}/"
PROBLEM = "application/problem+json"


def _html(response: Any) -> Any:
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(response.content)


def _csp(response: Any) -> dict[str, str]:
    directives = [d.strip() for d in response["Content-Security-Policy"].split(";")]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in directives if d}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_card_url_is_where_the_code_says(seed_published: Any) -> None:
    assert reverse("embed:treatment-card", kwargs={"key": SLUG}) == CARD


def test_the_card_shows_every_section_of_the_published_document(
    client: Client, seed_published: Any, seed_data: dict[str, Any]
) -> None:
    response = client.get(CARD)
    assert response.status_code == 200
    page = _html(response)
    assert page.get("lang") == "en"
    assert page.findtext(".//h1") == seed_data["title"]
    assert [h.text for h in page.iter("h2")] == [SECTION_TITLES[s] for s in SECTIONS]
    steps = page.xpath("//section[@aria-labelledby='s-steps']//ol/li/h3/text()")
    assert steps == [s["title"] for s in seed_data["procedure"]["steps"]]
    text = page.text_content()
    for risk in seed_data["risks"]["items"]:
        assert risk["name"] in text
    assert "Likelihood: Rare" in text and "(rarely; unusual for this procedure)" in text
    assert "1 in 10,000" not in text  # a band mapped from words shows no frequency
    for rule in seed_data["recovery_rules"]:
        assert rule["patient_text"] in text
    assert "Avoid: running or jogging — for at least the first 72 hours" in text
    assert "(if you have had any form of anesthesia)" in text
    assert "Results noticed" in text and "8–12 weeks (typically)" in text
    assert "2–3 sessions" in text and seed_data["course"]["text"] in text
    assert "Contraindications" in text and "Warning signs" in text
    assert page.xpath("//footer//time/@datetime")[0] == "2026-11-24"
    assert seed_data["attribution"] in text
    assert f"Licence: {seed_data['licence']['name']}" in text
    assert f"Source: {seed_data['sources'][0]['title']}" in text
    data_link = page.xpath("//footer//a/@href")[-1]
    assert data_link == f"http://testserver/api/v1/treatments/{SLUG}/"


def test_sections_select_and_order_what_is_shown(client: Client, seed_published: Any) -> None:
    page = _html(client.get(CARD, {"sections": "risks,steps,risks"}))
    assert [h.text for h in page.iter("h2")] == [SECTION_TITLES["steps"], SECTION_TITLES["risks"]]
    assert "Licence:" in page.text_content()  # attribution is never left out


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sections=steps,dosage", "sections"),
        ("sections=", "sections"),
        ("sections=steps&sections=risks", "sections"),
        ("theme=blue", "theme"),
        ("colour=red", "colour"),
        ("key=has%20space", "key"),
    ],
)
def test_bad_options_are_a_400_problem_naming_the_parameter(
    client: Client, seed_published: Any, query: str, field: str
) -> None:
    response = client.get(f"{CARD}?{query}")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:treatment-knowledge:problem:validation-error"
    assert [e["field"] for e in body["errors"]] == [field]


def test_the_dark_theme_is_the_same_card_with_another_theme(
    client: Client, seed_published: Any
) -> None:
    light, dark = client.get(CARD), client.get(CARD, {"theme": "dark"})
    assert _html(light).get("data-theme") == "light" and _html(dark).get("data-theme") == "dark"
    assert light["ETag"] != dark["ETag"]
    assert _csp(light) == _csp(dark)  # one stylesheet serves both themes


def test_no_cookies_are_set_or_varied_on(client: Client, seed_published: Any) -> None:
    client.cookies["sessionid"] = "not-a-session"
    client.cookies["csrftoken"] = "x" * 32
    response = client.get(CARD)
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert response["Vary"] == "Accept-Encoding"


def test_it_may_be_framed_anywhere_but_the_api_still_may_not(
    client: Client, seed_published: Any
) -> None:
    response = client.get(CARD)
    assert "X-Frame-Options" not in response
    assert _csp(response)["frame-ancestors"] == "*"
    assert client.get(f"/api/v1/treatments/{SLUG}/")["X-Frame-Options"] == "DENY"


def test_nothing_loads_from_elsewhere_and_only_the_hashed_inline_code_runs(
    client: Client, seed_published: Any
) -> None:
    response = client.get(CARD)
    page, csp = _html(response), _csp(response)
    assert csp["default-src"] == "'none'" and csp["base-uri"] == "'none'"
    (style,) = page.iter("style")
    assert csp["style-src"] == _sha256(style.text)
    scripts = [s for s in page.iter("script") if s.get("type") != "application/ld+json"]
    assert [_sha256(s.text) for s in scripts] == [csp["script-src"]]
    assert not page.xpath("//*[@src] | //img | //iframe | //object | //embed | //form")
    assert {link.get("rel") for link in page.iter("link")} == {"canonical", "alternate"}
    assert "url(" not in style.text and "@import" not in style.text
    assert not page.xpath("//*[@style]")  # inline style attributes would need 'unsafe-inline'


def test_the_auto_height_script_posts_the_documented_message(
    client: Client, seed_published: Any
) -> None:
    page = _html(client.get(CARD))
    script = next(s.text for s in page.iter("script") if s.get("type") is None)
    assert 'type:"treatment-card:height",height:' in script
    assert "postMessage" in script


def test_a_strong_etag_answers_304_and_head_matches_get(
    client: Client, seed_published: Any
) -> None:
    response = client.get(CARD)
    etag = response["ETag"]
    assert etag.startswith('"')
    assert response["Cache-Control"] == client.get(f"/api/v1/treatments/{SLUG}/")["Cache-Control"]
    assert client.get(CARD, HTTP_IF_NONE_MATCH=etag).status_code == 304
    head = client.head(CARD)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == etag and int(head["Content-Length"]) == len(response.content)
    assert client.post(CARD).status_code == 405


def test_the_card_embeds_its_json_ld_for_extractors(client: Client, seed_published: Any) -> None:
    html = client.get(CARD).content.decode()
    found = extruct.extract(html, base_url="http://testserver" + CARD, syntaxes=["json-ld"])
    (item,) = found["json-ld"]
    assert item == json.loads(client.get(f"/api/v1/treatments/{SLUG}/jsonld/").content)
    assert item["@type"] == "MedicalWebPage"


def test_the_oembed_discovery_link_leads_to_this_card(client: Client, seed_published: Any) -> None:
    page = _html(client.get(CARD, {"theme": "dark"}))
    (link,) = page.xpath("//link[@type='application/json+oembed']")
    assert link.get("rel") == "alternate"
    href = urlsplit(link.get("href"))
    assert href.path == "/api/oembed/"
    assert parse_qs(href.query)["url"] == [f"http://testserver{CARD}?theme=dark"]
    oembed = client.get(f"{href.path}?{href.query}")
    assert oembed.status_code == 200
    assert f'src="http://testserver{CARD}?theme=dark"' in oembed.json()["html"]


def test_unknown_is_an_html_404_and_withdrawn_an_html_410_both_frameable(
    client: Client, seed_published: Any
) -> None:
    missing = client.get("/embed/v1/treatments/no-such-treatment/")
    assert missing.status_code == 404
    assert "Treatment not found" in _html(missing).findtext(".//h1")
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    gone = client.get(CARD, {"theme": "dark"})
    assert gone.status_code == 410
    page = _html(gone)
    assert "withdrawn" in page.findtext(".//h1") and page.get("data-theme") == "dark"
    for response in (missing, gone):
        assert "X-Frame-Options" not in response
        assert _csp(response)["frame-ancestors"] == "*"
        assert not response.cookies


def test_the_uuid_answers_with_a_canonical_link(client: Client, seed_published: Any) -> None:
    response = client.get(f"/embed/v1/treatments/{seed_published.pk}/")
    assert response.status_code == 200
    assert response["Link"] == f'<{CARD}>; rel="canonical"'


def test_one_query_when_cold(
    client: Client, seed_published: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        assert client.get(CARD).status_code == 200
