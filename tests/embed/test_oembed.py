"""GET /api/oembed/: oEmbed 1.0 `rich` answers for our card URLs, and only for them."""

from typing import Any

import lxml.html
import pytest
from django.test import Client

from embed.oembed import DEFAULT_HEIGHT, DEFAULT_WIDTH, OEmbedRich
from treatments import services

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
OEMBED = "/api/oembed/"
CARD = f"http://testserver/embed/v1/treatments/{SLUG}/"
PROBLEM = "application/problem+json"


def _iframe(body: dict[str, Any]) -> Any:
    (frame,) = lxml.html.fragments_fromstring(body["html"])
    assert frame.tag == "iframe"
    return frame


def test_a_card_url_gives_a_rich_answer_with_the_card_iframe(
    client: Client, seed_published: Any, settings: Any
) -> None:
    response = client.get(OEMBED, {"url": CARD, "format": "json"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    OEmbedRich.model_validate(body)  # every documented field, nothing else
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert (body["width"], body["height"]) == (DEFAULT_WIDTH, DEFAULT_HEIGHT)
    assert body["title"] == "Bone Marrow Stem Cell Injection"
    assert body["provider_name"] == settings.PROVIDER_NAME
    assert body["provider_url"] == "http://testserver/"
    assert body["cache_age"] == settings.PUBLIC_MAX_AGE
    frame = _iframe(body)
    assert frame.get("src") == CARD
    assert (frame.get("width"), frame.get("height")) == (str(DEFAULT_WIDTH), str(DEFAULT_HEIGHT))
    assert frame.get("title") == body["title"]


@pytest.mark.parametrize(
    ("limits", "size"),
    [
        ({"maxwidth": "320"}, (320, DEFAULT_HEIGHT)),
        ({"maxheight": "400"}, (DEFAULT_WIDTH, 400)),
        ({"maxwidth": "2000", "maxheight": "2000"}, (DEFAULT_WIDTH, DEFAULT_HEIGHT)),
        ({"maxwidth": "1", "maxheight": "1"}, (1, 1)),
    ],
)
def test_width_and_height_never_exceed_the_limits(
    client: Client, seed_published: Any, limits: dict[str, str], size: tuple[int, int]
) -> None:
    body = client.get(OEMBED, {"url": CARD, **limits}).json()
    assert (body["width"], body["height"]) == size
    frame = _iframe(body)
    assert (int(frame.get("width")), int(frame.get("height"))) == size


def test_card_options_and_the_api_url_are_understood(client: Client, seed_published: Any) -> None:
    themed = client.get(OEMBED, {"url": f"{CARD}?sections=risks,steps&theme=dark"}).json()
    assert _iframe(themed).get("src") == f"{CARD}?sections=steps,risks&theme=dark"
    api_url = f"http://testserver/api/v1/treatments/{seed_published.pk}/"
    by_api = client.get(OEMBED, {"url": api_url}).json()
    assert _iframe(by_api).get("src") == CARD


@pytest.mark.parametrize(
    "url",
    [
        f"https://elsewhere.example/embed/v1/treatments/{SLUG}/",
        "http://testserver/embed/v1/treatments/no-such-treatment/",
        f"http://testserver/embed/v2/treatments/{SLUG}/",
        "http://testserver/admin/",
        f"ftp://testserver/embed/v1/treatments/{SLUG}/",
        "not a url",
    ],
)
def test_urls_that_are_not_our_cards_are_404(client: Client, seed_published: Any, url: str) -> None:
    response = client.get(OEMBED, {"url": url})
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_a_withdrawn_treatment_is_404_saying_so(client: Client, seed_published: Any) -> None:
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    response = client.get(OEMBED, {"url": CARD})
    assert response.status_code == 404 and "withdrawn" in response.json()["detail"]


@pytest.mark.parametrize("fmt", ["xml", "yaml"])
def test_formats_other_than_json_are_501(client: Client, seed_published: Any, fmt: str) -> None:
    response = client.get(OEMBED, {"url": CARD, "format": fmt})
    assert response.status_code == 501 and response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"url"}),
        ({"url": CARD, "maxwidth": "0"}, {"maxwidth"}),
        ({"url": CARD, "maxwidth": "-5", "maxheight": "abc"}, {"maxwidth", "maxheight"}),
        ({"url": CARD, "maxheight": "10001"}, {"maxheight"}),
        ({"url": CARD, "maxwidth": "²"}, {"maxwidth"}),
        ({"url": f"{CARD}?theme=neon"}, {"url"}),
        ({"url": CARD, "callback": "f"}, {"callback"}),
        ({"url": "x" * 2001}, {"url"}),
    ],
)
def test_bad_parameters_are_a_400_naming_each(
    client: Client, seed_published: Any, query: dict[str, str], fields: set[str]
) -> None:
    response = client.get(OEMBED, query)
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert {e["field"] for e in response.json()["errors"]} == fields


def test_a_strong_etag_answers_304(client: Client, seed_published: Any) -> None:
    response = client.get(OEMBED, {"url": CARD})
    again = client.get(OEMBED, {"url": CARD}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
