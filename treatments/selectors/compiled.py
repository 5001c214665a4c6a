"""Queries the ORM compiles once per connection, then sent as SQL with new parameter values.

The public read path runs a few queries whose shape never changes from one request to the next,
only a value or two (a slug, a page's position and size). Building and compiling them with the
ORM cost a cache miss more than sending them (bench/PROFILE.md), so each is compiled once per
connection and shape: the ORM writes the SQL, with stand-ins (`Slot`) where the values go, and
the result converters (dates, UUIDs); each call then sends that SQL with its own values and
converts the rows as the ORM would. A shape whose stand-ins cannot be found in the compiled
parameters (a backend that rewrites them) is marked so, and the caller asks the ORM instead.
"""

import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet


class Slot:
    """A stand-in for a value in a query being compiled: a text, or a value it builds.

    `value` is what the ORM is given while compiling (of the field's type); it must not occur
    in the query otherwise. Each call gives the real value instead.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class CompiledQuery:
    """A values() query's SQL, its parameters with slots, and its result converters.

    `paged`: compiled without LIMIT and OFFSET, which each call gives as two more parameters
    (the ORM writes them into the SQL text, so every page size would be another query).
    """

    __slots__ = ("converters", "names", "params", "slots", "sql")

    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        queryset: QuerySet[Any, dict[str, Any]],
        slots: Sequence[Slot],
        *,
        paged: bool = False,
    ) -> None:
        query = queryset.query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql(with_limits=not paged)
        self.params = list(params)
        # ValueError: a slot the compiled parameters do not hold as given (the caller falls back).
        # Slots with the same stand-in take its occurrences in turn (a value used twice).
        self.slots: list[int] = []
        for slot in slots:
            self.slots.append(_index_of(self.params, slot.value, taken=self.slots))
        self.sql = f"{sql} LIMIT %s OFFSET %s" if paged else sql
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(columns).items())

    def rows(
        self,
        connection: BaseDatabaseWrapper,
        values: Sequence[Any],
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[list[Any]]:
        """The rows for these slot values (in the order of the slots), converted."""
        params = list(self.params)
        for at, value in zip(self.slots, values, strict=True):
            params[at] = value
        if limit is not None:
            params += [limit, offset]
        # The project's PostgreSQL backend sends prepared reads on a cursor it keeps
        # (config/database/postgresql: `prepared_rows`); elsewhere, or where it says no, a
        # cursor of Django's.
        prepared_rows = getattr(connection, "prepared_rows", None)
        fetched = prepared_rows(self.sql, params) if prepared_rows is not None else None
        if fetched is None:
            with connection.cursor() as cursor:
                cursor.execute(self.sql, params)
                fetched = cursor.fetchall()
        rows = [list(row) for row in fetched]
        for position, (converters, expression) in self.converters:
            for row in rows:
                value = row[position]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[position] = value
        return rows


def _index_of(params: list[Any], value: Any, *, taken: Sequence[int] = ()) -> int:
    """Where `value` is among the compiled parameters (the identical object, or an equal one),
    at an index not `taken` by another slot."""
    for at, param in enumerate(params):
        if param is value and at not in taken:
            return at
    for at, param in enumerate(params):
        if at not in taken and param == value:
            return at
    raise ValueError(f"{value!r} is not among the parameters")


# Per connection object (one per thread and alias), so converters bound to a connection's
# operations are only ever used with that connection. None: that shape cannot be compiled once.
_compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict[Hashable, CompiledQuery | None]] = (
    weakref.WeakKeyDictionary()
)


def compiled_query(
    connection: BaseDatabaseWrapper,
    key: Hashable,
    build: Callable[[], CompiledQuery],
) -> CompiledQuery | None:
    """The query compiled for `key` on this connection (built on first use); None when `build`
    found it cannot be compiled once (ValueError): ask the ORM instead."""
    by_key = _compiled.setdefault(connection, {})
    try:
        return by_key[key]
    except KeyError:
        pass
    try:
        compiled: CompiledQuery | None = build()
    except ValueError:
        compiled = None
    by_key[key] = compiled
    return compiled
