"""The card and oEmbed are rate-limited like the public API: per address, 429 past the limit."""

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import lxml.html
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
CARD = f"/embed/v1/treatments/{SLUG}/"
OEMBED = f"/api/oembed/?url={quote('http://testserver' + CARD, safe='')}"


@pytest.fixture
def anon_rate() -> Iterator[Callable[[str], None]]:
    """Set the anonymous rate for one test, every client starting afresh."""
    overrides: list[Any] = []

    def set_rate(rate: str) -> None:
        current: dict[str, Any] = settings.REST_FRAMEWORK
        rates = {**current["DEFAULT_THROTTLE_RATES"], "anon": rate}
        override = override_settings(REST_FRAMEWORK={**current, "DEFAULT_THROTTLE_RATES": rates})
        override.enable()
        overrides.append(override)
        cache.clear()

    yield set_rate
    for override in reversed(overrides):
        override.disable()
    cache.clear()


def test_a_throttled_address_gets_a_429_page_for_the_card(
    client: Client, seed_published: Any, anon_rate: Callable[[str], None]
) -> None:
    anon_rate("3/minute")
    statuses = [client.get(CARD).status_code for _ in range(30)]
    assert statuses == [200] * 3 + [429] * 27
    refused = client.get(CARD)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "text/html; charset=utf-8"
    assert int(refused["Retry-After"]) >= 1
    assert refused["Cache-Control"] == "no-store", "a 429 is about one client: never shared"
    assert refused["RateLimit-Policy"] == '"anonymous";q=3;w=60'
    assert "frame-ancestors *" in refused["Content-Security-Policy"], "shown inside the iframe"
    heading = lxml.html.fromstring(refused.content).findtext(".//h1")
    assert heading and "Too many requests" in heading


def test_another_address_still_gets_the_card(
    seed_published: Any, anon_rate: Callable[[str], None]
) -> None:
    anon_rate("1/minute")
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    assert [first.get(CARD).status_code for _ in range(2)] == [200, 429]
    assert second.get(CARD).status_code == 200


def test_a_card_revalidation_is_free(
    client: Client, seed_published: Any, anon_rate: Callable[[str], None]
) -> None:
    anon_rate("2/minute")
    etag = client.get(CARD)["ETag"]
    for _ in range(10):
        assert client.get(CARD, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(CARD).status_code == 200
    assert client.get(CARD).status_code == 429


def test_unknown_and_withdrawn_cards_count_too(
    client: Client, seed_published: Any, anon_rate: Callable[[str], None]
) -> None:
    anon_rate("2/minute")
    assert client.get("/embed/v1/treatments/no-such-card/").status_code == 404
    assert client.get("/embed/v1/treatments/no-such-card/").status_code == 404
    assert client.get("/embed/v1/treatments/no-such-card/").status_code == 429


def test_a_throttled_address_gets_a_429_problem_from_oembed(
    client: Client, seed_published: Any, anon_rate: Callable[[str], None]
) -> None:
    anon_rate("3/minute")
    statuses = [client.get(OEMBED).status_code for _ in range(30)]
    assert statuses == [200] * 3 + [429] * 27
    refused = client.get(OEMBED)
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) >= 1


def test_the_card_and_the_api_share_one_allowance(
    client: Client, seed_published: Any, anon_rate: Callable[[str], None]
) -> None:
    anon_rate("2/minute")
    assert client.get(f"/api/v1/treatments/{SLUG}/").status_code == 200
    assert client.get(CARD).status_code == 200
    assert client.get(CARD).status_code == 429
