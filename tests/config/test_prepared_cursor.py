"""Prepared statements for the hot reads on PostgreSQL (config/database/postgresql/base.py).

A cursor made inside `prepared_statements()` binds its parameters on the server and is prepared
on its first use: PostgreSQL lists it in `pg_prepared_statements` and plans it once per
connection. The answers are those of Django's own cursor; a connection that was ended, or reset
as a pooler resets it, still answers; with `OPTIONS["prepare_threshold"]` None nothing is
prepared and the same queries still answer.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from api.pagination import PageQuery, page_from_queryset
from api.prepared import prepared_reads
from api.v1.catalogue import catalogue, catalogue_page
from tests.config.backends import end_backend
from treatments import selectors
from treatments.models import Publication

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

QUERY = "SELECT %s::text || '-' || relname FROM pg_class WHERE relname = %s"
PARAMS = ["x", "pg_class"]


def _prepared(wrapper: Any) -> list[str]:
    """The statements the connection's session holds prepared."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _plain(wrapper: Any) -> list[tuple[Any, ...]]:
    with wrapper.cursor() as cursor:
        cursor.execute(QUERY, PARAMS)
        return list(cursor.fetchall())


def _through_prepared(wrapper: Any) -> list[tuple[Any, ...]]:
    with wrapper.prepared_cursor() as cursor:
        cursor.execute(QUERY, PARAMS)
        return list(cursor.fetchall())


@pytest.fixture
def without_preparing() -> Iterator[Any]:
    """A second connection to the test database with `prepare_threshold` None."""
    wrapper = connection.copy()
    wrapper.settings_dict = {
        **wrapper.settings_dict,
        "OPTIONS": {**wrapper.settings_dict["OPTIONS"], "prepare_threshold": None},
    }
    yield wrapper
    wrapper.close()


def test_a_prepared_cursor_prepares_its_statement_once_and_answers_as_django_does() -> None:
    expected = _plain(connection)
    assert not any("relname" in s for s in _prepared(connection))

    answers = [_through_prepared(connection) for _ in range(3)]

    assert answers == [expected] * 3
    statements = [s for s in _prepared(connection) if "relname" in s]
    assert statements == ["SELECT $1::text || '-' || relname FROM pg_class WHERE relname = $2"]


def test_the_hot_document_query_is_prepared_and_answers_as_the_orm_does() -> None:
    slug = "no-such-treatment"
    fields = ("slug", "title", "published_at")
    unprepared = selectors.publication_document(slug=slug, fields=fields)
    with prepared_reads(Publication):
        first = selectors.publication_document(slug=slug, fields=fields)
        second = selectors.publication_document(slug=slug, fields=fields)

    assert first == second == unprepared
    assert [s for s in _prepared(connection) if "treatments_publication" in s], (
        "publication_document should run as a prepared statement inside prepared_reads"
    )


def test_cursors_outside_the_block_are_never_prepared() -> None:
    for _ in range(10):
        _plain(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 WHERE %s = %s", [1, 1])
    assert not [s for s in _prepared(connection) if "relname" in s or "WHERE" in s]


def test_a_connection_the_server_ended_is_replaced_and_prepares_again() -> None:
    expected = _through_prepared(connection)
    pid = end_backend(connection)

    with pytest.raises(Exception):  # noqa: B017 (the driver's error for a closed connection)
        _through_prepared(connection)
    connection.close_if_unusable_or_obsolete()  # as Django does when the request ends

    assert _through_prepared(connection) == expected
    assert connection.connection.info.backend_pid != pid
    assert [s for s in _prepared(connection) if "relname" in s]


def test_a_session_reset_as_a_pooler_resets_it_still_answers() -> None:
    expected = _through_prepared(connection)
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")  # what PgBouncer runs between clients (server_reset_query)

    assert _through_prepared(connection) == expected
    assert [s for s in _prepared(connection) if "relname" in s]


def test_with_prepare_threshold_none_nothing_is_prepared_and_the_answers_stay(
    without_preparing: Any,
) -> None:
    expected = _plain(connection)

    answers = [_through_prepared(without_preparing) for _ in range(10)]

    assert answers == [expected] * 10
    assert without_preparing.connection.prepare_threshold is None
    assert _prepared(without_preparing) == []


def test_preparing_is_on_by_default_unlike_django() -> None:
    connection.ensure_connection()
    assert connection.connection.prepare_threshold is not None


def _plans(wrapper: Any, like: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of the session's prepared statements containing `like`."""
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE strpos(statement, %s) > 0",
            [like],
        )
        return [tuple(row) for row in cursor.fetchall()]


def _plan_cache_mode(wrapper: Any) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return str(cursor.fetchone()[0])


def test_prepared_statements_run_their_generic_plan_and_are_not_planned_again() -> None:
    # PostgreSQL's `auto` planned the catalogue page for every execution (its LIMIT and OFFSET
    # are parameters): the backend starts sessions that prepare with generic plans.
    page = PageQuery(ordering=("title", "treatment_id"), after=None, offset=0, limit=21)
    answers = [catalogue_page(page) for _ in range(8)]

    assert answers == [page_from_queryset(catalogue(every_language=False), page)] * 8
    assert _plan_cache_mode(connection) == "force_generic_plan"
    assert _plans(connection, "LIMIT $") == [(8, 0)]


def test_without_preparing_the_session_plans_as_postgresql_does(without_preparing: Any) -> None:
    assert _plan_cache_mode(without_preparing) == "auto"


def test_the_search_band_trigger_keeps_postgresqls_plan_choice() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = 'treatments_publication_search_band'"
        )
        assert cursor.fetchone()[0] == ["plan_cache_mode=auto"]


def test_an_operators_own_plan_cache_mode_wins() -> None:
    wrapper = connection.copy()
    wrapper.settings_dict = {
        **wrapper.settings_dict,
        "OPTIONS": {**wrapper.settings_dict["OPTIONS"], "options": "-c plan_cache_mode=auto"},
    }
    try:
        assert _plan_cache_mode(wrapper) == "auto"
        assert wrapper.connection.prepare_threshold is not None  # preparing stays on
    finally:
        wrapper.close()


def _random_page_cost(wrapper: Any) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        return str(cursor.fetchone()[0])


def _with_settings(**changes: Any) -> Any:
    wrapper = connection.copy()
    wrapper.settings_dict = {**wrapper.settings_dict, **changes}
    return wrapper


def test_sessions_count_a_page_read_out_of_order_as_a_page_from_memory() -> None:
    # The catalogue's pages come from memory: at the server's 4, the planner scanned a small
    # catalogue whole for a first-time search instead of taking the GIN index.
    assert connection.settings_dict["RANDOM_PAGE_COST"] == "1.1"
    assert _random_page_cost(connection) == "1.1"


def test_without_preparing_the_page_cost_is_still_set(without_preparing: Any) -> None:
    assert _random_page_cost(without_preparing) == "1.1"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"RANDOM_PAGE_COST": ""}, "4"),  # empty: the server's own (its default here)
        ({"RANDOM_PAGE_COST": "2.5"}, "2.5"),
        ({"OPTIONS": {"options": "-c random_page_cost=3"}}, "3"),  # an operator's own wins
    ],
)
def test_the_page_cost_is_the_settings_or_the_operators(
    changes: dict[str, Any], expected: str
) -> None:
    if "OPTIONS" in changes:
        changes = {"OPTIONS": {**connection.settings_dict["OPTIONS"], **changes["OPTIONS"]}}
    wrapper = _with_settings(**changes)
    try:
        assert _random_page_cost(wrapper) == expected
        assert _plan_cache_mode(wrapper) == "force_generic_plan"
    finally:
        wrapper.close()
