"""A search pages through the same results, in the same order, as the plain ordering columns.

On PostgreSQL a search is ordered by index-free copies of the ordering columns (so that the
planner takes the GIN index: treatments.selectors.search); every page, in every ordering, must
be what ordering by the columns themselves gives.
"""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.request import Request

from api.pagination import TreatmentCursorPagination
from treatments import selectors

pytestmark = pytest.mark.django_db

ORDERINGS = list(TreatmentCursorPagination.orderings)


def _walk(client: Client, url: str) -> list[str]:
    slugs: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        slugs += [item["slug"] for item in body["results"]]
        url = body["next"]
    return slugs


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("query", ["hip", "marrow injection", "stem cell"])
def test_every_page_of_a_search_is_what_the_columns_order_gives(
    client: Client, seed_published: Any, publish_many: Any, ordering: str, query: str
) -> None:
    publish_many(7)
    columns = TreatmentCursorPagination.orderings[ordering]
    expected = list(
        selectors.publication_search(selectors.publication_live_list(), query=query)
        .order_by(*columns)
        .values_list("slug", flat=True)
    )
    assert len(expected) == 8
    forward = _walk(client, f"/api/v1/treatments/?q={query}&ordering={ordering}&page_size=3")
    assert forward == expected


def test_a_search_on_postgresql_is_ordered_by_the_index_free_copies(
    seed_published: Any, rf: Any
) -> None:
    searched = selectors.publication_search(selectors.publication_live_list(), query="hip")
    request = Request(rf.get("/api/v1/treatments/", {"q": "hip", "ordering": "-published_at"}))
    ordering = TreatmentCursorPagination().get_ordering(request, searched, None)
    if connection.vendor == "postgresql":
        assert ordering == ("-search_published_at", "-treatment_id")
        sql = str(searched.order_by(*ordering).query)
        assert "published_at + interval '0 seconds'" in sql
    else:
        assert ordering == ("-published_at", "-treatment_id")
    plain = TreatmentCursorPagination().get_ordering(
        request, selectors.publication_live_list(), None
    )
    assert plain == ("-published_at", "-treatment_id")
