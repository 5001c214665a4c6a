"""Full-text search over published documents: PostgreSQL's with its index, a fallback elsewhere."""

from typing import Any

from django.db import connection
from django.db.models import BooleanField, CharField, DateTimeField, Field, QuerySet
from django.db.models.expressions import RawSQL

from treatments.models import Publication

from .search_languages import search_config

MAX_QUERY_LENGTH = 200

# On PostgreSQL a search is ordered by these copies of the ordering columns (same values, same
# order), which no b-tree index serves: the planner then takes the GIN index and sorts the
# top of the matches, instead of walking the title index and testing every row it meets
# against the query (each test de-TOASTs a row's tsvector; where matches bunch in title order,
# as "Name (Site)" titles do, that walk grows with the catalogue). docs/operators/benchmark.md.
SEARCH_ORDERINGS = {"title": "search_title", "published_at": "search_published_at"}
_SEARCH_ORDER_COLUMNS: dict[str, tuple[str, Field[Any, Any]]] = {
    "search_title": ("treatments_publication.title || ''", CharField()),
    "search_published_at": (
        "treatments_publication.published_at + interval '0 seconds'",
        DateTimeField(),
    ),
}


def publication_search(
    queryset: QuerySet[Publication], *, query: str, language: str | None = None
) -> QuerySet[Publication]:
    """Live publications whose text (every section) matches `query`.

    On PostgreSQL: `websearch_to_tsquery` (quoted phrases, `or`, `-word`) over the generated
    tsvector column and its GIN index, annotated with the columns of `SEARCH_ORDERINGS` that
    the cursor pagination orders a search by. Each document's vector is stemmed in its own
    language and without accents (migration 0009); the query is parsed the same way in
    `language` (a BCP 47 tag: the list's `language` filter), English when none is given, so
    "rodilla" finds "rodillas" and "inyeccion" finds "inyección" in Spanish documents.
    Elsewhere (SQLite): every word must occur in the text, case-insensitively.
    """
    query = query.strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        match = RawSQL(
            "treatments_publication.search_vector @@ websearch_to_tsquery("
            "%s::regconfig, public.treatments_unaccent(%s))",
            (f"pg_catalog.{search_config(language or 'en')}", query),
            output_field=BooleanField(),
        )
        return (
            queryset.alias(search_match=match)
            .filter(search_match=True)
            .annotate(
                **{
                    name: RawSQL(sql, (), output_field=field)
                    for name, (sql, field) in _SEARCH_ORDER_COLUMNS.items()
                }
            )
        )
    for term in query.lower().split():
        queryset = queryset.filter(search_text__contains=term)
    return queryset


# A search's first page reads one band of titles, then two, four, ... until the page is full
# (migration 0011: bands are consecutive title ranges of 1,000 to 2,000 publications).
BANDED_ORDERING = ("search_title", "treatment_id")


def banded_search_page(
    queryset: QuerySet[Publication],
    *,
    ordering: tuple[str, ...],
    after: tuple[str, str, Any] | None,
    offset: int,
    limit: int,
) -> list[Publication] | None:
    """Rows `offset` to `offset + limit` of a PostgreSQL search in title order, band by band.

    The same rows, in the same order, as `queryset.order_by(*ordering)`, filtered by `after`
    (the cursor: field, "gt" or "lt", position), then sliced: bands hold consecutive title
    ranges in the database's collation, so concatenating the bands' rows in band order is the
    title order. Reads the band list (one query), then the matches of one band, of the next two,
    next four and so on, and stops once the page is full: a query that matches many documents
    reads about one band, one that matches few reads every band in a few queries.

    None when the query is not a title-ordered PostgreSQL search (the caller reads it whole).
    """
    forward = tuple(ordering) == BANDED_ORDERING
    backward = tuple(ordering) == tuple(f"-{field}" for field in BANDED_ORDERING)
    if connection.vendor != "postgresql" or not (forward or backward):
        return None
    if "search_title" not in queryset.query.annotations:
        return None
    if after is not None and after[:2] != ("search_title", "gt" if forward else "lt"):
        return None
    with connection.cursor() as cursor:
        # `holds_after`: whether a band starts at or before the cursor's title (compared in the
        # database, whose collation orders the titles).
        cursor.execute(
            "SELECT id, lower <= %s FROM treatments_search_band ORDER BY lower",
            (after[2] if after is not None else "",),
        )
        bands: list[tuple[int, bool]] = cursor.fetchall()
    if backward:
        bands.reverse()
    if after is not None:
        if forward:
            # Titles after the cursor's: from the band that holds the cursor's title on.
            before = sum(1 for _, starts_before in bands if starts_before)
            bands = bands[max(before - 1, 0) :]
        else:
            # Titles before the cursor's: only bands that start before it.
            bands = [band for band in bands if band[1]]
    wanted = offset + limit
    rows: list[Publication] = []
    page = queryset.order_by(*ordering)
    if after is not None:
        field, lookup, position = after
        page = page.filter(**{f"{field}__{lookup}": position})
    start, size = 0, 1
    while start < len(bands) and len(rows) < wanted:
        ids = [band_id for band_id, _ in bands[start : start + size]]
        in_bands = RawSQL(
            "treatments_publication.search_band = ANY(%s::integer[])",
            (ids,),
            output_field=BooleanField(),
        )
        rows += page.alias(in_bands=in_bands).filter(in_bands=True)[: wanted - len(rows)]
        start, size = start + size, size * 2
    return rows[offset:wanted]
