"""Full-text search over published documents: PostgreSQL's with its index, a fallback elsewhere."""

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from treatments.models import Publication

MAX_QUERY_LENGTH = 200


def publication_search(queryset: QuerySet[Publication], *, query: str) -> QuerySet[Publication]:
    """Live publications whose text (every section) matches `query`.

    On PostgreSQL: `websearch_to_tsquery` (quoted phrases, `or`, `-word`) over the generated
    tsvector column and its GIN index, with English stemming. Elsewhere (SQLite): every word must
    occur in the text, case-insensitively.
    """
    query = query.strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        match = RawSQL(
            "treatments_publication.search_vector @@ websearch_to_tsquery('english', %s)",
            (query,),
            output_field=BooleanField(),
        )
        return queryset.alias(search_match=match).filter(search_match=True)
    for term in query.lower().split():
        queryset = queryset.filter(search_text__contains=term)
    return queryset
