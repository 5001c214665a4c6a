"""Floods of invalid API keys: charged to the caller's address before any database lookup.

Every failed authentication costs the caller's address one request of `API_KEY_FAILURE_RATE`;
a key the worker does not remember is charged *before* it is looked up (and the charge is
taken back when the key turns out valid). Unknown keys are remembered in a memory of their own,
so a flood of them never pushes a partner's valid key out of the worker's key memory.
"""

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.partner_keys import forget_all_keys, key_memory_sizes
from partners.keys import PREFIX_ALPHABET
from partners.models import ApiKey, Partner
from partners.services import api_key_issue, partner_create

pytestmark = pytest.mark.django_db

LIST = "/api/v1/treatments/"
DETAIL = "/api/v1/treatments/bone-marrow-stem-cell-injection/"
PROBLEM = "application/problem+json"
KEY_TABLE = ApiKey._meta.db_table


@pytest.fixture(autouse=True)
def _fresh_key_memory() -> Iterator[None]:
    """No remembered key, and no failure charged yet (cache.clear() empties Redis too)."""
    forget_all_keys()
    cache.clear()
    yield
    forget_all_keys()
    cache.clear()


@pytest.fixture
def secret(db: Any) -> tuple[ApiKey, str]:
    partner: Partner = partner_create(
        name="Example Clinic",
        contact_email="web@clinic.example",
        allowed_origins=["https://clinic.example"],
        requests_per_minute=60_000,
        burst=1000,
    )
    return api_key_issue(partner, name="server")


def random_key() -> str:
    """A well-formed key nobody issued (a fresh prefix every time)."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(10))
    return f"tks_{prefix}." + secrets.token_urlsafe(32)


def key_lookups(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if KEY_TABLE in q["sql"]]


@pytest.mark.parametrize("path", [LIST, DETAIL])
def test_random_keys_from_one_address_get_429_once_its_failure_budget_is_spent(
    client: Client, seed_published: Any, settings: Any, path: str
) -> None:
    settings.API_KEY_FAILURE_RATE = "5/minute"
    statuses = [client.get(path, HTTP_X_API_KEY=random_key()).status_code for _ in range(5)]
    assert statuses == [401] * 5
    with CaptureQueriesContext(connection) as queries:
        refused = [client.get(path, HTTP_X_API_KEY=random_key()) for _ in range(25)]
    assert [r.status_code for r in refused] == [429] * 25
    assert key_lookups(queries) == [], "a refused guess must cost no key lookup"
    last = refused[-1]
    assert last["Content-Type"] == PROBLEM
    body = last.json()
    assert body["status"] == 429 and body["reason"] == "too-many-failed-keys", body
    assert int(last["Retry-After"]) >= 1
    assert '"key-failures";q=5;w=60' in last["RateLimit-Policy"]


def test_the_failure_budget_belongs_to_the_address(seed_published: Any, settings: Any) -> None:
    settings.API_KEY_FAILURE_RATE = "2/minute"
    guesser, neighbour = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    assert [guesser.get(LIST, HTTP_X_API_KEY=random_key()).status_code for _ in range(3)] == [
        401,
        401,
        429,
    ]
    assert neighbour.get(LIST, HTTP_X_API_KEY=random_key()).status_code == 401
    assert neighbour.get(LIST).status_code == 200, "anonymous reads are not key failures"


def test_malformed_keys_and_wrong_secrets_are_failures_too(
    client: Client, seed_published: Any, settings: Any, secret: tuple[ApiKey, str]
) -> None:
    settings.API_KEY_FAILURE_RATE = "3/minute"
    raw = secret[1]
    wrong = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert client.get(LIST, HTTP_X_API_KEY="not-a-key").status_code == 401
    assert client.get(LIST, HTTP_X_API_KEY=wrong).status_code == 401
    assert client.get(LIST, HTTP_X_API_KEY=wrong).status_code == 401
    assert client.get(LIST, HTTP_X_API_KEY=wrong).json()["reason"] == "too-many-failed-keys"


def test_valid_keys_are_never_charged_even_when_looked_up(
    client: Client, seed_published: Any, settings: Any, secret: tuple[ApiKey, str]
) -> None:
    settings.API_KEY_FAILURE_RATE = "2/minute"
    for _ in range(5):
        forget_all_keys()  # each request looks the key up in the database
        assert client.get(LIST, HTTP_X_API_KEY=secret[1]).status_code == 200
    statuses = [client.get(LIST, HTTP_X_API_KEY=random_key()).status_code for _ in range(3)]
    assert statuses == [401, 401, 429], "the valid lookups were refunded"


def test_a_remembered_valid_key_keeps_working_from_an_address_that_guessed(
    client: Client, seed_published: Any, settings: Any, secret: tuple[ApiKey, str]
) -> None:
    settings.API_KEY_FAILURE_RATE = "1/minute"
    assert client.get(LIST, HTTP_X_API_KEY=secret[1]).status_code == 200
    assert client.get(LIST, HTTP_X_API_KEY=random_key()).status_code == 401
    assert client.get(LIST, HTTP_X_API_KEY=random_key()).status_code == 429
    assert client.get(LIST, HTTP_X_API_KEY=secret[1]).status_code == 200


def test_a_flood_of_unknown_keys_does_not_push_a_valid_key_out_of_memory(
    client: Client, seed_published: Any, settings: Any, secret: tuple[ApiKey, str]
) -> None:
    settings.API_KEY_FAILURE_RATE = "100000/minute"
    settings.API_KEY_CACHE_SECONDS = 300.0
    settings.API_KEY_CACHE_MAX = 8
    settings.API_KEY_NEGATIVE_CACHE_MAX = 16
    assert client.get(LIST, HTTP_X_API_KEY=secret[1]).status_code == 200
    for _ in range(60):
        assert client.get(LIST, HTTP_X_API_KEY=random_key()).status_code == 401
    sizes = key_memory_sizes()
    assert sizes["unknown"] <= 16, "the memory of unknown keys is bounded"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, HTTP_X_API_KEY=secret[1]).status_code == 200
    assert key_lookups(queries) == [], "the partner's key is still remembered"


def test_a_repeated_unknown_key_is_looked_up_once(
    client: Client, seed_published: Any, settings: Any
) -> None:
    settings.API_KEY_FAILURE_RATE = "100000/minute"
    settings.API_KEY_CACHE_SECONDS = 300.0
    unknown = random_key()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get(LIST, HTTP_X_API_KEY=unknown).status_code == 401
    assert len(key_lookups(queries)) == 1


def test_no_failure_rate_turns_the_budget_off(
    client: Client, seed_published: Any, settings: Any
) -> None:
    settings.API_KEY_FAILURE_RATE = ""
    assert {client.get(LIST, HTTP_X_API_KEY=random_key()).status_code for _ in range(10)} == {401}
