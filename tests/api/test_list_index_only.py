"""A plain catalogue page is read from `publication_list_idx` alone on PostgreSQL.

The index holds the live catalogue in title order with every column a list page reads
(treatments/models/publishing.py), so a page that misses the workers' memories is an index-only
scan of a few index pages instead of a heap page per row (bench/PROFILE.md, "A list page from
the index alone").
"""

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import PageQuery
from api.v1.catalogue import LIST_FIELDS, catalogue_page
from treatments.models import Publication

INDEX = "publication_list_idx"


def _index() -> Any:
    return next(index for index in Publication._meta.indexes if index.name == INDEX)


def test_the_index_holds_every_column_a_list_page_reads_of_the_live_catalogue() -> None:
    index = _index()
    fields = [Publication._meta.get_field(name) for name in (*index.fields, *index.include)]
    columns = {getattr(field, "column", None) for field in fields}
    assert set(LIST_FIELDS) <= columns
    assert list(index.fields) == ["title", "treatment"]  # the title order of `ordering`
    # Its rows are the live ones: the catalogue's filter, as `live()` writes it.
    assert str(Publication.objects.filter(index.condition).query) == str(
        Publication.objects.live().query
    )


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("after", [False, True])
def test_a_title_page_is_an_index_only_scan(
    seed_published: Any, publish_many: Any, reverse: bool, after: bool
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("INCLUDE and index-only scans: PostgreSQL")
    publish_many(6)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE treatments_publication")  # the visibility map
    ordering = ("-title", "-treatment_id") if reverse else ("title", "treatment_id")
    first = Publication.objects.live().order_by(*ordering).values("title", "treatment_id")[2]
    page = PageQuery(
        ordering=ordering,
        after=("title", "lt" if reverse else "gt", first["title"]) if after else None,
        offset=0,
        limit=3,
        tie=("treatment_id", str(first["treatment_id"])) if after else None,
    )
    with CaptureQueriesContext(connection) as queries:
        rows = catalogue_page(page)
    assert rows and len(queries.captured_queries) == 1
    with connection.cursor() as cursor:
        # A handful of rows: the planner would scan the table whole, as it should at this size.
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + queries.captured_queries[0]["sql"])
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = _plan_nodes(plan[0]["Plan"])
    scans = [node for node in nodes if node.get("Relation Name") == "treatments_publication"]
    assert [(node["Node Type"], node["Index Name"]) for node in scans] == [
        ("Index Only Scan", INDEX)
    ]
