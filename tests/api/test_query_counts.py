"""Every public endpoint runs a fixed number of queries, whatever the number of treatments."""

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from api.v1.sync import bundles

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"


def _on_this_database(path: str, queries: int) -> int:
    """A search on PostgreSQL first reads its title bands (treatments.selectors.search)."""
    return queries + 1 if connection.vendor == "postgresql" and "q=" in path else queries


# (path, queries): throttling uses the cache, not the database, so these are SQL only.
ENDPOINTS = [
    ("/api/v1/treatments/", 1),
    ("/api/v1/treatments/?page_size=100", 1),
    ("/api/v1/treatments/?restricted_activity=running&onset_within_weeks=12", 1),
    ("/api/v1/treatments/?q=hip", 1),
    # The seed carries no codes or drugs: an empty page also asks for the latest change.
    ("/api/v1/treatments/?code=http://snomed.info/sct|1&drug=lidocaine", 2),
    ("/api/v1/schema/treatment-document/?version=1.0", 0),
    (f"/api/v1/treatments/{SLUG}/", 1),
    (f"/api/v1/treatments/{SLUG}/revisions/", 2),
    (f"/api/v1/treatments/{SLUG}/revisions/1/", 2),
    (f"/api/v1/treatments/{SLUG}/revisions/1/diff/1/", 3),
    ("/api/v1/categories/", 2),
    ("/api/v1/schema/treatment-document/", 0),
    ("/api/v1/", 0),
    ("/api/v1/sync/", 2),  # the log head, a page of live documents
    ("/api/v1/sync/?page_size=100", 2),
    (
        f"/api/v1/treatments/{SLUG}/recovery-plan/?procedure_at=2026-03-08T09:30"
        "&tz=America/New_York&anaesthesia=yes",
        1,
    ),
    (f"/api/v1/treatments/{SLUG}/fhir/", 1),
]


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize(("path", "queries"), ENDPOINTS)
def test_query_count_is_fixed(
    client: Client,
    seed_published: Any,
    publish_many: Any,
    django_assert_num_queries: Any,
    count: int,
    path: str,
    queries: int,
) -> None:
    publish_many(count - 1)
    cache.clear()
    with django_assert_num_queries(_on_this_database(path, queries)):
        response = client.get(path)
    assert response.status_code == 200
    if path.startswith("/api/v1/treatments/?page_size"):
        assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # The stored part, whether a treatment left its scope since, its chunks (a few a query).
        ("/api/v1/bundle/", 3),
        ("/api/v1/bundle/?category=pain-treatments&language=en", 3),
        # The live (category, language) pairs; per category: its part, whether one left it.
        ("/api/v1/bundle/manifest/?language=en", 3),
    ],
)
def test_a_stored_bundle_part_is_served_in_a_fixed_number_of_queries(
    client: Client,
    seed_published: Any,
    publish_many: Any,
    django_assert_num_queries: Any,
    count: int,
    path: str,
    queries: int,
    settings: Any,
) -> None:
    settings.BUNDLE_MEMORY_MAX_BYTES = 1  # no chunk is remembered: each is read
    publish_many(count - 1)
    client.get(path).getvalue()  # the first request finds no part and builds it
    with django_assert_num_queries(queries):
        response = client.get(path)
        response.getvalue()  # the chunks are read while the body streams
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # However many pages: the pairs, the category's stored pages, whether one left it.
        ("/api/v1/bundle/manifest/?language=en", 3),
        # A page: as a whole part.
        ("/api/v1/bundle/?category=pain-treatments&language=en&pages=2&page=1", 3),
    ],
)
def test_the_manifests_pages_are_served_in_a_fixed_number_of_queries(
    client: Client,
    seed_published: Any,
    publish_many: Any,
    django_assert_num_queries: Any,
    count: int,
    path: str,
    queries: int,
    settings: Any,
) -> None:
    settings.BUNDLE_MEMORY_MAX_BYTES = 1
    publish_many(count - 1)
    # The manifest: a page per document (8 pages of 5, 64 of 50); the page: one of 2.
    settings.BUNDLE_PAGE_DOCUMENTS = -(-count // 2) if "pages=2" in path else 1
    parts = client.get("/api/v1/bundle/manifest/?language=en").json()["parts"]
    assert (
        len(parts)
        == bundles.pages_for(count)
        == (2 if "pages=2" in path else {5: 8, 50: 64}[count])
    )
    client.get(path).getvalue()
    with django_assert_num_queries(queries):
        response = client.get(path)
        response.getvalue()
    assert response.status_code == 200


def test_detail_304_uses_one_query(
    client: Client, seed_published: Any, django_assert_num_queries: Any
) -> None:
    etag = client.get(f"/api/v1/treatments/{SLUG}/")["ETag"]
    with django_assert_num_queries(1):
        assert (
            client.get(f"/api/v1/treatments/{SLUG}/", headers={"If-None-Match": etag}).status_code
            == 304
        )


@pytest.mark.parametrize("count", [1, 50])
def test_a_delta_runs_a_fixed_number_of_queries(
    client: Client, publish_many: Any, django_assert_num_queries: Any, count: int
) -> None:
    token = client.get("/api/v1/sync/").json()["next_sync_token"]
    publish_many(count)
    with django_assert_num_queries(4):  # first change after, head, changed page, states
        body = client.get("/api/v1/sync/", {"token": token, "page_size": 100}).json()
    assert len(body["upserts"]) == count


def test_an_empty_delta_runs_one_query(
    client: Client, seed_published: Any, django_assert_num_queries: Any
) -> None:
    token = client.get("/api/v1/sync/").json()["next_sync_token"]
    with django_assert_num_queries(1):
        assert client.get("/api/v1/sync/", {"token": token}).json()["upserts"] == []


# With the worker memory on: a cold read also reads the change-log head (at most once per
# PUBLIC_MEMORY_TTL), and a repeat read of the same page, search or document runs no query.
CACHED = [
    ("/api/v1/treatments/", 2),
    ("/api/v1/treatments/?page_size=100", 2),
    ("/api/v1/treatments/?restricted_activity=running&onset_within_weeks=12", 2),
    ("/api/v1/treatments/?q=hip", 2),
    (f"/api/v1/treatments/{SLUG}/", 2),
    ("/api/v1/categories/", 3),
]


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize(("path", "cold"), CACHED)
def test_a_repeat_read_runs_no_query_while_the_change_log_stands_still(
    client: Client,
    seed_published: Any,
    publish_many: Any,
    django_assert_num_queries: Any,
    settings: Any,
    count: int,
    path: str,
    cold: int,
) -> None:
    publish_many(count - 1)
    settings.PUBLIC_MEMORY_TTL = 60.0
    with django_assert_num_queries(_on_this_database(path, cold)):
        first = client.get(path)
    with django_assert_num_queries(0):
        again = client.get(path)
    assert again.status_code == first.status_code == 200 and again.content == first.content
    with django_assert_num_queries(0):
        assert client.get(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
