"""Answers to keyed requests are private: no shared cache serves them to anyone else.

A public read says `Cache-Control: public`; the same read with a partner key (or any
Authorization) says `private` and varies on the key headers, on every public read route, from
the database or from the worker's memory, 200 or 304.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client

from api.live.memories import hot_documents, hot_pages
from api.partner_keys import forget_all_keys, private_cache_control

pytestmark = pytest.mark.django_db

SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"
PLAN_QUERY = "procedure_at=2026-03-08T09:30&tz=UTC&anaesthesia=yes"
# Every public read route (openapi.yaml, paths outside /editor/), with valid parameters.
KEYED_READS = [
    "/api/v1/",
    "/api/v1/categories/",
    "/api/v1/treatments/",
    "/api/v1/treatments/?q=stem",
    DETAIL,
    f"{DETAIL}revisions/",
    f"{DETAIL}revisions/1/",
    f"{DETAIL}revisions/1/diff/1/",
    f"{DETAIL}fhir/",
    f"{DETAIL}jsonld/",
    f"{DETAIL}recovery-plan/?{PLAN_QUERY}",
    f"{DETAIL}recovery-plan.ics?{PLAN_QUERY}",
    "/api/v1/schema/treatment-document/",
    "/api/v1/sync/",
    "/api/v1/bundle/",
    f"/api/oembed/?url={quote('http://testserver/embed/v1/treatments/' + SLUG + '/', safe='')}",
]


@pytest.fixture(autouse=True)
def _fresh_memories() -> Iterator[None]:
    forget_all_keys()
    cache.clear()
    yield
    forget_all_keys()
    cache.clear()


def _directives(response: Any) -> set[str]:
    return {d.strip().split("=")[0].lower() for d in response["Cache-Control"].split(",")}


def _assert_private(response: Any, path: str) -> None:
    assert response.status_code in (200, 304), (path, response.status_code, response.content)
    directives = _directives(response)
    assert "private" in directives and "public" not in directives, (path, directives)
    assert "s-maxage" not in directives
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"x-api-key", "authorization"} <= vary, (path, response["Vary"])


@pytest.mark.parametrize("path", KEYED_READS)
def test_a_keyed_read_is_private_and_an_anonymous_one_public(
    client: Client, seed_published: Any, raw_key: str, path: str
) -> None:
    anonymous = client.get(path)
    assert anonymous.status_code == 200, anonymous.content
    assert "public" in _directives(anonymous)
    keyed = client.get(path, HTTP_X_API_KEY=raw_key)
    _assert_private(keyed, path)
    assert "RateLimit" in keyed, "a keyed answer carries the partner's own fields"
    revalidated = client.get(path, HTTP_X_API_KEY=raw_key, headers={"If-None-Match": keyed["ETag"]})
    _assert_private(revalidated, path)


@pytest.mark.parametrize("path", [DETAIL, "/api/v1/treatments/", "/api/v1/categories/"])
def test_a_keyed_read_served_from_worker_memory_is_private(
    client: Client, seed_published: Any, raw_key: str, settings: Any, path: str
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0
    hot_documents().clear()
    hot_pages().clear()
    assert "public" in _directives(client.get(path))  # an anonymous read warms the memory
    assert hot_documents().get(SLUG) is not None or len(hot_pages()) > 0
    _assert_private(client.get(path, HTTP_AUTHORIZATION=f"Api-Key {raw_key}"), path)


def test_any_authorization_makes_the_answer_private(client: Client, seed_published: Any) -> None:
    response = client.get(DETAIL, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 200
    _assert_private(response, DETAIL)


def test_the_card_stays_public(client: Client, seed_published: Any) -> None:
    response = client.get(f"/embed/v1/treatments/{SLUG}/")
    assert response.status_code == 200 and "public" in _directives(response)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "public, max-age=300, stale-while-revalidate=60",
            "private, max-age=300, stale-while-revalidate=60",
        ),
        ("public, max-age=31536000, immutable", "private, max-age=31536000, immutable"),
        ("max-age=5, s-maxage=60", "private, max-age=5"),
    ],
)
def test_private_cache_control_keeps_what_the_browser_may_use(given: str, expected: str) -> None:
    assert private_cache_control(given) == expected
