"""Lenient inputs the review found are refused: a 400 problem naming the parameter.

`page_size` in non-ASCII digits, `q` (or any parameter) of only spaces, and a query string
whose percent-encoded bytes are not UTF-8, on the lists, the search and the sync feed, from
the database or from the worker's memory.
"""

from typing import Any

import pytest
from django.test import Client

from api.querystrict import query_string_not_utf8

pytestmark = pytest.mark.django_db

LIST = "/api/v1/treatments/"
CATEGORIES = "/api/v1/categories/"


def _assert_400(response: Any, field: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]], response.json()


@pytest.mark.parametrize("path", [LIST, CATEGORIES])
@pytest.mark.parametrize(
    "digits",
    [
        "%D9%A1%D9%A2",  # "١٢": Arabic-Indic 12, which int() accepts
        "%EF%BC%95",  # "５": a full-width 5
        "%C2%B2",  # "²": str.isdigit() says yes, int() says no
    ],
)
def test_page_size_in_non_ascii_digits_is_a_400(
    client: Client, seed_published: Any, path: str, digits: str
) -> None:
    _assert_400(client.get(f"{path}?page_size={digits}"), "page_size")


@pytest.mark.parametrize("value", ["%20", "%20%20%20", "+", "%09"])
def test_a_search_of_only_whitespace_is_a_400(
    client: Client, seed_published: Any, value: str
) -> None:
    _assert_400(client.get(f"{LIST}?q={value}"), "q")


def test_any_parameter_of_only_whitespace_is_a_400(client: Client, seed_published: Any) -> None:
    _assert_400(client.get(f"{LIST}?category=%20"), "category")


@pytest.mark.parametrize("query", ["q=%FF", "q=stem%C3", "q=%C3%28", "q%FF=stem"])
def test_a_query_of_invalid_utf8_is_a_400(client: Client, seed_published: Any, query: str) -> None:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 400, response.content[:300]
    assert "UTF-8" in response.content.decode()


def test_invalid_utf8_is_refused_even_when_the_replacement_character_was_served(
    client: Client, seed_published: Any, settings: Any
) -> None:
    # U+FFFD sent properly (%EF%BF%BD) is a search like any other, and is kept in memory; an
    # invalid byte that Django would decode to the same character must not be answered from it.
    settings.PUBLIC_MEMORY_TTL = 60.0
    assert client.get(f"{LIST}?q=%EF%BF%BD").status_code in (200, 400)
    assert client.get(f"{LIST}?q=%FF").status_code == 400


def test_the_sync_feed_refuses_invalid_utf8_too(client: Client, seed_published: Any) -> None:
    assert client.get("/api/v1/sync/?category=%FF").status_code == 400


def test_valid_queries_still_work(client: Client, seed_published: Any) -> None:
    assert client.get(f"{LIST}?q=stem%20cell&page_size=5").status_code == 200
    assert client.get(f"{LIST}?q=%C3%A9").status_code == 200, "UTF-8 é"


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ("", []),
        ("q=stem", []),
        ("q=%C3%A9", []),
        ("q=\u00c3\u00a9", []),  # raw UTF-8 bytes, as WSGI hands them over (Latin-1 text)
        ("q=\u00ff", ["q"]),  # a raw 0xFF byte
        ("a=1&q=%FF", ["q"]),
    ],
)
def test_query_string_not_utf8_names_the_parameters(raw: str, bad: list[str]) -> None:
    assert query_string_not_utf8(raw) == bad


def test_every_operation_documents_the_414_and_431_the_server_answers() -> None:
    from pathlib import Path

    import yaml

    spec = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in {"get", "put", "patch", "post", "delete"}
        and not {"414", "431"} <= set(map(str, operation["responses"]))
    ]
    assert missing == [], f"run `make openapi`: {missing}"
