"""The catalogue a treatment list shows, and the queries of its plain pages and plain searches,
compiled once per connection.

A plain list page (no filter, no search: the catalogue by title or by publication time, at a
cursor and a page size) is the list read that misses the workers' memories most, one distinct
page after another. Its query has one shape per ordering and direction; only the cursor's
position and the page's size and offset change. So it is compiled by the ORM once per
connection and shape (`treatments.selectors.compiled`) and then sent with those values: the
same SQL the ORM writes for `StrictCursorPagination`'s `page_from_queryset`, the same rows
(tests/api/test_list_plain_miss.py compares them).

A plain search (`?q=` alone, in title order) reads title bands (`banded_search_page`): each
read is the same query with other words, bands, position and size. Building and compiling it
with the ORM cost a first-time search about a third of its time in-process (bench/PROFILE.md),
so it is compiled once per connection and shape too (`catalogue_search_page`); the same rows as
the ORM's band reads (tests/api/test_search_compiled.py compares them).
"""

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, DateTimeField, Field, TextField

from api.pagination import PageQuery, page_from_queryset, search_page
from api.prepared import prepared_reads
from editorial.translations.selectors import translation_ids
from treatments import selectors
from treatments.models import Publication
from treatments.selectors.compiled import CompiledQuery, Slot, compiled_query


class PageRow(NamedTuple):
    """A row of a compiled page: the attributes the ORM's publication gives a list page."""

    treatment_id: uuid.UUID
    slug: str
    title: str
    published_at: dt.datetime
    summary_json: str
    changed_at: dt.datetime
    language: str


# The read-model columns a list page reads (one query, whatever the filters).
LIST_FIELDS: tuple[str, ...] = PageRow._fields


class SearchRow(NamedTuple):
    """A row of a compiled band read: a page row and the title copy a search is ordered by."""

    treatment_id: uuid.UUID
    slug: str
    title: str
    published_at: dt.datetime
    summary_json: str
    changed_at: dt.datetime
    language: str
    search_title: str


SEARCH_FIELDS: tuple[str, ...] = SearchRow._fields


@functools.cache
def catalogue(*, every_language: bool) -> Any:
    """The list's queryset (lazy: no query until a copy is evaluated).

    Built once: building it cost a list miss more than 10 % of its time (bench/PROFILE.md);
    callers take a copy (`.all()`).
    """
    # The catalogue lists each treatment once, in its source language: a translation is
    # reached through its source (api/v1/languages.py), at its own URL, or by asking for its
    # language (`?language=es` lists every document written in Spanish).
    live = selectors.publication_live_list()
    if not every_language:
        live = live.exclude(treatment_id__in=translation_ids())
    return live.only(*LIST_FIELDS)


def catalogue_page(page: PageQuery) -> list[Any]:
    """The rows of a plain catalogue page (each treatment once, in its source language)."""
    connection = connections[router.db_for_read(Publication)]
    field, lookup, position = page.after if page.after is not None else (None, None, None)
    tie_field, tie = page.tie if page.tie is not None else (None, None)
    compiled = compiled_query(
        connection,
        ("catalogue_page", page.ordering, field, lookup, tie_field),
        lambda: _compile(connection, page.ordering, field, lookup, tie_field),
    )
    if compiled is None:
        return page_from_queryset(catalogue(every_language=False), page)
    values = _position_values(connection, field, position, tie_field, tie)
    with prepared_reads(Publication):
        rows = compiled.rows(connection, values, limit=page.limit, offset=page.offset)
    return [PageRow._make(row) for row in rows]


def _position_values(
    connection: BaseDatabaseWrapper,
    field: str | None,
    position: Any,
    tie_field: str | None,
    tie: Any,
) -> list[Any]:
    """A compiled page's position values, in the order of its slots (see `_position_slots`):
    none, the position (an old cursor), or the position twice and the id at it."""
    if field is None:
        return []
    value = _db_value(connection, field, position)
    if tie_field is None:
        return [value]
    return [value, value, _db_value(connection, tie_field, tie)]


# What stands for the position while compiling, by the kind of the ordering field.
_POSITION_SLOTS = {
    CharField: "\x00position\x00",
    TextField: "\x00position\x00",
    DateTimeField: dt.datetime(1, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC),
}
# And for the id at the position.
_TIE_SLOT_VALUE = uuid.UUID("00000000-0000-4000-8000-00000000717e")


def _position_slots(
    connection: BaseDatabaseWrapper,
    queryset: Any,
    after: tuple[str, str, Any],
    tie_field: str | None,
) -> tuple[Any, list[Slot]]:
    """`queryset` after a stand-in position (and id), and the slots of those values, in the
    order `_position_values` gives them."""
    if tie_field is None:
        return selectors.rows_after(queryset, after, None), [Slot(after[2])]
    if tie_field != "treatment_id":
        raise ValueError(f"no stand-in for {tie_field}")  # the ORM answers
    filtered = selectors.rows_after(queryset, after, (tie_field, _TIE_SLOT_VALUE))
    # `rows_after` compares the position twice (two slots, the same stand-in: CompiledQuery
    # gives each one of its uses), then the id, as the compiled parameters hold it (a UUID, or
    # its hex where the database has no UUID type).
    tie = Slot(_db_value(connection, tie_field, _TIE_SLOT_VALUE))
    return filtered, [Slot(after[2]), Slot(after[2]), tie]


def _compile(
    connection: BaseDatabaseWrapper,
    ordering: tuple[str, ...],
    field: str | None,
    lookup: str | None,
    tie_field: str | None,
) -> CompiledQuery:
    queryset = catalogue(every_language=False).order_by(*ordering)
    slots: list[Slot] = []
    if field is not None:
        if lookup is None:
            raise ValueError("a position without a lookup")
        stand_in = _POSITION_SLOTS.get(type(Publication._meta.get_field(field)))
        if stand_in is None:
            raise ValueError(f"no stand-in for {field}")  # the ORM answers
        after = (field, lookup, stand_in)
        queryset, slots = _position_slots(connection, queryset, after, tie_field)
    compiled = CompiledQuery(connection, queryset.values(*LIST_FIELDS), slots, paged=True)
    if tuple(compiled.names) != LIST_FIELDS:
        raise ValueError("unexpected columns")
    return compiled


def _db_value(connection: BaseDatabaseWrapper, field: str, position: Any) -> Any:
    """The position as the ORM sends it for `<field>__gt` / `__lt` (a bad one raises as the
    ORM would: ValidationError, OverflowError)."""
    model_field = cast(Field, Publication._meta.get_field(field))  # a column, not a relation
    prepared = model_field.get_prep_value(position)
    return model_field.get_db_prep_value(prepared, connection, prepared=True)


def catalogue_search_page(searched: Any, page: PageQuery) -> list[Any]:
    """A page of a plain catalogue search: `searched` is `publication_search` over
    `catalogue(every_language=False)`, nothing else. In title order, each band read sends a
    query compiled once per connection and shape; in any other order the ORM reads it whole."""
    return search_page(searched, page, read_bands=_catalogue_band_read)


def _catalogue_band_read(band: selectors.BandRead) -> Sequence[Any]:
    connection = connections[router.db_for_read(Publication)]
    field, lookup, position = band.after if band.after is not None else (None, None, None)
    tie_field, tie = band.tie if band.tie is not None else (None, None)
    compiled = compiled_query(
        connection,
        ("catalogue_search_bands", band.ordering, field, lookup, tie_field),
        lambda: _compile_band_read(connection, band.ordering, field, lookup, tie_field),
    )
    if compiled is None:
        unsearched = catalogue(every_language=False)
        return list(selectors.band_read_queryset(unsearched, band)[: band.limit])
    values = [*band.words, band.band_ids]
    if field is not None:
        values += [position] if tie_field is None else [position, position]
    if tie_field is not None:
        values.append(_db_value(connection, tie_field, tie))
    rows = compiled.rows(connection, values, limit=band.limit, offset=0)
    return [SearchRow._make(row) for row in rows]


# What stands for a band read's values while compiling (`_catalogue_band_read` sends them in
# this order, the position and the id at it last): a configuration, words and band ids no
# search has.
_CONFIG_SLOT_VALUE = "\x00config\x00"
_WORDS_SLOT_VALUE = "\x00words\x00"


def _compile_band_read(
    connection: BaseDatabaseWrapper,
    ordering: tuple[str, ...],
    field: str | None,
    lookup: str | None,
    tie_field: str | None,
) -> CompiledQuery:
    slots = [Slot(_CONFIG_SLOT_VALUE), Slot(_WORDS_SLOT_VALUE), Slot([-1])]
    after = None
    tie = None
    if field is not None:
        if lookup is None:
            raise ValueError("a position without a lookup")
        slots.append(Slot("\x00position\x00"))
        after = (field, lookup, slots[-1].value)
        if tie_field is not None:
            if tie_field != "treatment_id":
                raise ValueError(f"no stand-in for {tie_field}")  # the ORM answers
            # The position is compared twice (`rows_after`): a second slot for its second use.
            slots.append(Slot(after[2]))
            slots.append(Slot(_db_value(connection, tie_field, _TIE_SLOT_VALUE)))
            tie = (tie_field, _TIE_SLOT_VALUE)
    band = selectors.BandRead(
        words=(slots[0].value, slots[1].value),
        ordering=ordering,
        after=after,
        band_ids=slots[2].value,
        limit=0,
        tie=tie,
    )
    queryset = selectors.band_read_queryset(catalogue(every_language=False), band)
    compiled = CompiledQuery(connection, queryset.values(*SEARCH_FIELDS), slots, paged=True)
    if tuple(compiled.names) != SEARCH_FIELDS:
        raise ValueError("unexpected columns")
    return compiled
