"""Walking a list whose ordering values repeat (titles, publication times), both ways.

A cursor names a row: the first ordering field's value at the first or last row of a page and
the row's id (api/pagination.py, treatments.selectors.rows_after). So `next` and `previous`
give back exactly the neighbouring pages even when a page starts inside a run of equal titles,
which DRF's cursors (the title alone and an offset) could not do backwards: they skipped rows.
Those older cursors are still accepted.
"""

import copy
import datetime as dt
from base64 import b64encode
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from django.test import Client

from api.pagination import cursor_seal_querystring, cursor_verified_querystring
from tests.conftest import make_variant
from treatments.documents.schema import TreatmentContent
from treatments.models import Publication
from treatments.services import content_load

COUNT = 13
LIST = "/api/v1/treatments/"
ORDERINGS = ["title", "-title", "published_at", "-published_at"]


@pytest.fixture
def repeated(db: Any, seed_data: dict[str, Any]) -> list[str]:
    """COUNT treatments, two in three of them under one of two shared titles, and two in three
    published at one of two shared times; their slugs."""
    slugs = []
    for index in range(COUNT):
        data = make_variant(copy.deepcopy(seed_data), index).model_dump(mode="json")
        if index % 3:
            data["title"] = f"Shared title {'A' if index % 2 else 'B'}"
        content_load(content=TreatmentContent.model_validate(data), publish=True)
        slugs.append(data["slug"])
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    for index, slug in enumerate(slugs):
        if index % 3 != 1:
            shared = moment + dt.timedelta(seconds=index % 2)
            Publication.objects.filter(slug=slug).update(published_at=shared)
    return slugs


def _page(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _slugs(body: dict[str, Any]) -> list[str]:
    return [item["slug"] for item in body["results"]]


def _walk(client: Client, url: str, link: str) -> list[list[str]]:
    """The slugs of each page, following `links.<link>` from `url` to the end."""
    pages = []
    while url:
        body = _page(client, url)
        pages.append(_slugs(body))
        url = body["links"][link]
    return pages


def _last_page(client: Client, url: str) -> str:
    while (following := _page(client, url)["links"]["next"]) is not None:
        url = following
    return url


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("size", [1, 2, 5])
def test_next_lists_every_treatment_once_and_previous_walks_back_over_the_same_pages(
    client: Client, repeated: list[str], ordering: str, size: int
) -> None:
    first = f"{LIST}?page_size={size}&ordering={ordering}"
    forward = _walk(client, first, "next")
    walked = [slug for page in forward for slug in page]
    assert sorted(walked) == sorted(repeated)
    assert all(len(page) == size for page in forward[:-1])
    backward = _walk(client, _last_page(client, first), "previous")
    assert list(reversed(backward)) == forward


@pytest.mark.parametrize("ordering", ["title", "-published_at"])
def test_from_every_page_previous_then_next_come_back_to_it(
    client: Client, repeated: list[str], ordering: str
) -> None:
    url: str | None = f"{LIST}?page_size=2&ordering={ordering}"
    pages: list[list[str]] = []
    while url:
        body = _page(client, url)
        if pages:
            before = _page(client, body["links"]["previous"])
            assert _slugs(before) == pages[-1]
            assert _slugs(_page(client, before["links"]["next"])) == _slugs(body)
        else:
            assert body["links"]["previous"] is None
        pages.append(_slugs(body))
        url = body["links"]["next"]
    assert len(pages) == 7


def test_a_search_walks_both_ways_over_repeated_titles(client: Client, repeated: list[str]) -> None:
    # Every treatment matches (the seed's title word); on PostgreSQL this reads title bands.
    first = f"{LIST}?page_size=2&q=marrow"
    forward = _walk(client, first, "next")
    assert sorted(slug for page in forward for slug in page) == sorted(repeated)
    backward = _walk(client, _last_page(client, first), "previous")
    assert list(reversed(backward)) == forward


def _cursor_text(link: str) -> str:
    raw = parse_qs(urlsplit(link).query)["cursor"][0]
    text = cursor_verified_querystring(raw, ("title", "treatment_id"))
    assert text is not None
    return text


def test_links_name_a_row_by_title_and_id(client: Client, repeated: list[str]) -> None:
    body = _page(client, f"{LIST}?page_size=3")
    last = Publication.objects.get(slug=body["results"][-1]["slug"])
    assert parse_qs(_cursor_text(body["links"]["next"])) == {
        "p": [last.title],
        "i": [str(last.treatment_id)],
    }
    body = _page(client, body["links"]["next"])
    first = Publication.objects.get(slug=body["results"][0]["slug"])
    assert parse_qs(_cursor_text(body["links"]["previous"])) == {
        "r": ["1"],
        "p": [first.title],
        "i": [str(first.treatment_id)],
    }


def _signed(tokens: dict[str, str], ordering: tuple[str, ...] = ("title", "treatment_id")) -> str:
    return quote(cursor_seal_querystring(urlencode(tokens), ordering), safe="")


def test_a_cursor_minted_before_rows_were_named_is_still_accepted(
    client: Client, repeated: list[str]
) -> None:
    """DRF's cursor: rows after a title, less an offset into them; its links are new ones."""
    rows = list(
        Publication.objects.filter(slug__in=repeated)
        .order_by("title", "treatment_id")
        .values_list("slug", "title")
    )
    title = rows[0][1]
    after = [slug for slug, shown in rows if shown > title]
    body = _page(client, f"{LIST}?page_size=3&cursor={_signed({'o': '1', 'p': title})}")
    assert _slugs(body) == after[1:4]
    assert "i" in parse_qs(_cursor_text(body["links"]["next"]))
    assert _slugs(_page(client, body["links"]["next"])) == after[4:7]
    assert _slugs(_page(client, body["links"]["previous"]))[-1] == after[0]


@pytest.mark.parametrize(
    "tokens",
    [
        {"p": "Shared title A", "i": "not-an-id"},
        {"p": "Shared title A", "i": "0000\x00"},
        {"i": "00000000-0000-4000-8000-000000000000"},  # an id without its position
        {"o": "-1", "p": "Shared title A"},
        {"r": "x", "p": "Shared title A"},
    ],
)
def test_a_signed_cursor_with_a_bad_row_is_a_400(
    client: Client, repeated: list[str], tokens: dict[str, str]
) -> None:
    """Only a holder of the secret can sign these; still a 400, never a 500."""
    response = client.get(f"{LIST}?cursor={_signed(tokens)}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    unsigned = b64encode(urlencode(tokens).encode()).decode()
    assert client.get(f"{LIST}?cursor={quote(unsigned, safe='')}").status_code == 400
