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
