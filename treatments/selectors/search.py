"""Full-text search over published documents: PostgreSQL's with its index, a fallback elsewhere."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, CharField, DateTimeField, Field, QuerySet
from django.db.models.expressions import RawSQL

from treatments.models import Publication

from .keyset import rows_after
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

# The text-search query of a search (parameters: configuration, then the reader's words).
_TSQUERY = "websearch_to_tsquery(%s::regconfig, public.treatments_unaccent(%s))"
_SEARCH_WORDS = "treatments_search_words"


def _with_order_columns(queryset: QuerySet[Publication]) -> QuerySet[Publication]:
    return queryset.annotate(
        **{
            name: RawSQL(sql, (), output_field=field)
            for name, (sql, field) in _SEARCH_ORDER_COLUMNS.items()
        }
    )


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
        words = (f"pg_catalog.{search_config(language or 'en')}", query)
        match = RawSQL(
            f"treatments_publication.search_vector @@ {_TSQUERY}",
            words,
            output_field=BooleanField(),
        )
        searched = _with_order_columns(queryset.alias(search_match=match).filter(search_match=True))
        # For `banded_search_page`: the words, the rows searched (without the match) and how
        # many conditions the search has (Django copies a query's attributes into every clone,
        # so the ordered and paginated querysets built from this one keep them).
        clauses = len(searched.query.where.children)
        setattr(searched.query, _SEARCH_WORDS, (words, queryset, clauses))
        return searched
    for term in query.lower().split():
        queryset = queryset.filter(search_text__contains=term)
    return queryset


@dataclass(frozen=True, slots=True)
class BandRead:
    """One read of `banded_search_page`: the first `limit` matches in these title bands, in
    page order, after the cursor's position (if any: `after` and `tie`, see `rows_after`)."""

    words: tuple[Any, Any]  # the text-search configuration, then the reader's words
    ordering: tuple[str, ...]
    after: tuple[str, str, Any] | None
    band_ids: list[int]
    limit: int
    tie: tuple[str, Any] | None = None


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
    read_bands: Callable[[BandRead], Sequence[Any]] | None = None,
    tie: tuple[str, Any] | None = None,
) -> list[Any] | None:
    """Rows `offset` to `offset + limit` of a PostgreSQL search in title order, band by band.

    The same rows, in the same order, as `queryset.order_by(*ordering)`, filtered by `after`
    and `tie` (the cursor: field, "gt" or "lt", position; the id at it, see `rows_after`), then
    sliced: bands hold consecutive title ranges in the database's collation, so concatenating
    the bands' rows in band order is the title order. Reads the band list (one query), then the
    matches of one band, of the next two, next four and so on, and stops once the page is full:
    a query that matches many documents reads about one band, one that matches few reads every
    band in a few queries.

    `read_bands` reads one band read's rows (`BandRead`); by default the ORM asks
    `band_read_queryset` of the rows searched, and the page holds Publications.

    None when the query is not a title-ordered PostgreSQL search, or a row has too many words
    to tag with its band (migration 0011): the caller then reads it whole.
    """
    forward = tuple(ordering) == BANDED_ORDERING
    backward = tuple(ordering) == tuple(f"-{field}" for field in BANDED_ORDERING)
    if connection.vendor != "postgresql" or not (forward or backward):
        return None
    searched = getattr(queryset.query, _SEARCH_WORDS, None)
    if searched is None or "search_title" not in queryset.query.annotations:
        return None
    words, unsearched, clauses = searched
    if len(queryset.query.where.children) != clauses:
        return None  # filtered after the search: read whole, as the caller asked
    if after is not None and after[:2] != ("search_title", "gt" if forward else "lt"):
        return None
    if tie is not None and (after is None or tie[0] != "treatment_id"):
        return None
    with connection.cursor() as cursor:
        # `holds_after`: whether a band starts at or before the cursor's title (compared in the
        # database, whose collation orders the titles).
        # `untagged`: whether a row's words were too many to tag with its band (migration
        # 0011; normally never): then the bands would miss it, and the caller reads whole.
        cursor.execute(
            "SELECT id, lower <= %s, EXISTS (SELECT FROM treatments_publication"
            " WHERE search_vector_banded IS NULL) FROM treatments_search_band ORDER BY lower",
            (after[2] if after is not None else "",),
        )
        found: list[tuple[int, bool, bool]] = cursor.fetchall()
    if not found or found[0][2]:
        return None
    bands = [(band_id, starts_before) for band_id, starts_before, _ in found]
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
    read = read_bands or _orm_band_reader(unsearched, tuple(ordering), after, tie)
    rows: list[Any] = []
    start, size = 0, 1
    while start < len(bands) and len(rows) < wanted:
        rows += read(
            BandRead(
                words=words,
                ordering=tuple(ordering),
                after=after,
                band_ids=[band_id for band_id, _ in bands[start : start + size]],
                limit=wanted - len(rows),
                tie=tie,
            )
        )
        start, size = start + size, size * 2
    return rows[offset:wanted]


def band_read_queryset(unsearched: QuerySet[Publication], band: BandRead) -> QuerySet[Publication]:
    """The ORM query of one band read over `unsearched` (unsliced: `band.limit` is the caller's).

    What `banded_search_page` asks by default; a caller that reads the same rows again and again
    may compile it once (api/v1/catalogue.py) and send it with each read's values.
    """
    page = _rows_in_order(unsearched, band.ordering, band.after, band.tie)
    return page.alias(in_bands=_in_bands(band)).filter(in_bands=True)


def _orm_band_reader(
    unsearched: QuerySet[Publication],
    ordering: tuple[str, ...],
    after: tuple[str, str, Any] | None,
    tie: tuple[str, Any] | None,
) -> Callable[[BandRead], Sequence[Any]]:
    # The rows searched, without the plain match: each band's query is the match (the plain
    # one would only be tested again on every candidate row, de-TOASTing its vector).
    page = _rows_in_order(unsearched, ordering, after, tie)

    def read(band: BandRead) -> Sequence[Any]:
        return list(page.alias(in_bands=_in_bands(band)).filter(in_bands=True)[: band.limit])

    return read


def _rows_in_order(
    unsearched: QuerySet[Publication],
    ordering: tuple[str, ...],
    after: tuple[str, str, Any] | None,
    tie: tuple[str, Any] | None,
) -> QuerySet[Publication]:
    page = _with_order_columns(unsearched).order_by(*ordering)
    return page if after is None else rows_after(page, after, tie)


def _in_bands(band: BandRead) -> RawSQL:
    # The words tagged with these bands: only the bands' own index keys are looked up.
    return RawSQL(
        "treatments_publication.search_vector_banded @@ "
        f"public.treatments_banded_query({_TSQUERY}, %s::integer[])",
        (*band.words, band.band_ids),
        output_field=BooleanField(),
    )
