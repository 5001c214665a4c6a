"""Pagination cursors are signed: issued ones work, forged or edited ones are a 400."""

import re
from base64 import b64decode, b64encode
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client

from api.pagination import CURSOR_PATTERN

pytestmark = pytest.mark.django_db

LIST = "/api/v1/treatments/"
CATEGORIES = "/api/v1/categories/"


def _cursor(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def _b64(text: str) -> str:
    return b64encode(text.encode()).decode()


@pytest.fixture
def three(publish_many: Any) -> None:
    publish_many(3)


def _assert_bad_cursor(response: Any) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("ordering", ["title", "-title", "published_at", "-published_at"])
def test_issued_cursors_walk_every_page_both_ways(
    client: Client, three: None, ordering: str
) -> None:
    seen = []
    page = client.get(f"{LIST}?page_size=1&ordering={ordering}").json()
    seen += [item["slug"] for item in page["results"]]
    while page["next"]:
        response = client.get(page["next"])
        assert response.status_code == 200, response.content
        page = response.json()
        seen += [item["slug"] for item in page["results"]]
        assert re.fullmatch(CURSOR_PATTERN, _cursor(page["previous"]))
    assert len(seen) == 3 == len(set(seen))
    back = client.get(page["previous"])
    assert back.status_code == 200 and back.json()["results"][0]["slug"] == seen[1]


@pytest.mark.parametrize(
    "forged",
    [
        _b64("p=A"),  # a position anyone can write: before this change, a 200
        _b64("o=1&p=A"),
        _b64("r=1"),
        _b64("p=A&s=" + "x" * 43),  # a signature that is not ours
    ],
)
def test_a_cursor_the_api_did_not_sign_is_a_400(client: Client, three: None, forged: str) -> None:
    assert re.fullmatch(CURSOR_PATTERN, forged), "well-formed by the documented pattern"
    _assert_bad_cursor(client.get(f"{LIST}?cursor={quote(forged)}"))


def test_an_edited_cursor_is_a_400(client: Client, three: None) -> None:
    issued = _cursor(client.get(f"{LIST}?page_size=1").json()["next"])
    text = b64decode(issued).decode()
    edited = _b64(re.sub(r"p=[^&]*", "p=A", text))
    assert edited != issued
    _assert_bad_cursor(client.get(f"{LIST}?page_size=1&cursor={quote(edited)}"))


def test_a_cursor_is_bound_to_its_ordering(client: Client, three: None) -> None:
    issued = _cursor(client.get(f"{LIST}?page_size=1&ordering=title").json()["next"])
    assert (
        client.get(f"{LIST}?page_size=1&ordering=title&cursor={quote(issued)}").status_code == 200
    )
    _assert_bad_cursor(
        client.get(f"{LIST}?page_size=1&ordering=published_at&cursor={quote(issued)}")
    )


def test_a_cursor_signed_with_a_retired_secret_key_still_works(
    client: Client, three: None, settings: Any
) -> None:
    issued = _cursor(client.get(f"{LIST}?page_size=1").json()["next"])
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    assert client.get(f"{LIST}?page_size=1&cursor={quote(issued)}").status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    _assert_bad_cursor(client.get(f"{LIST}?page_size=1&cursor={quote(issued)}"))


def test_category_cursors_are_signed_too(client: Client, seed_published: Any) -> None:
    _assert_bad_cursor(client.get(f"{CATEGORIES}?cursor={quote(_b64('p=A'))}"))
