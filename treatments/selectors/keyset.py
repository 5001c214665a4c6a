"""The rows after a page cursor's position: keyset pagination over an ordering whose second
field (the id) makes every position unique.

A position names one row: the value of the ordering's first field (a title, a time) and, since
several rows may share it, the value of the second (the row's id). "After" it in page order is

    first > position OR (first = position AND second > tie)

written as `first >= position AND (first > position OR second > tie)` (with `<` for a
descending ordering or a page read backwards), so that the database still walks the first
field's index from the position on, and checks the rest on the rows it meets.
"""

from typing import Any

from django.db.models import Q, QuerySet


def rows_after(
    queryset: QuerySet[Any, Any],
    after: tuple[str, str, Any],
    tie: tuple[str, Any] | None,
) -> QuerySet[Any, Any]:
    """`queryset` filtered to the rows after a cursor's position in page order.

    `after`: (first ordering field, "gt" or "lt", its value at the position). `tie`: (second
    ordering field, its value at the position), or None for an old cursor that named no row
    (then only the first field is compared, and the cursor's offset skips the rows that share it).
    """
    field, lookup, position = after
    if tie is None:
        return queryset.filter(**{f"{field}__{lookup}": position})
    tie_field, tie_position = tie
    return queryset.filter(**{f"{field}__{lookup}e": position}).filter(
        Q(**{f"{field}__{lookup}": position}) | Q(**{f"{tie_field}__{lookup}": tie_position})
    )
