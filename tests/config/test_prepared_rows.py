"""Prepared reads on a cursor the PostgreSQL backend keeps (config/database/postgresql/base.py:
`prepared_rows`, used by `treatments.selectors.compiled`).

Inside `prepared_statements()` the hot reads are sent on one psycopg cursor kept for the
connection instead of a new cursor and Django wrapper per query. The rows are those of Django's
own cursor; a query that fails raises Django's error, leaves the connection usable and drops the
cursor; a connection the server ended is replaced; and where a query must be seen (captured
queries, an `execute_wrapper`) or outside the block, Django's cursor is used as before.
"""

from typing import Any

import pytest
from django.db import DatabaseError, ProgrammingError, connection
from django.test.utils import CaptureQueriesContext

from api.prepared import prepared_reads
from tests.config.backends import end_backend
from treatments import selectors
from treatments.models import Publication

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

QUERY = "SELECT %s::text || '-' || relname, oid::int FROM pg_class WHERE relname = %s"
PARAMS = ["x", "pg_class"]


def _through_django() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(QUERY, PARAMS)
        return list(cursor.fetchall())


def _kept() -> Any:
    return connection._kept_cursor  # type: ignore[attr-defined]


def test_prepared_rows_answer_as_djangos_cursor_on_one_kept_cursor() -> None:
    expected = _through_django()
    with connection.prepared_statements():  # type: ignore[attr-defined]
        first = connection.prepared_rows(QUERY, PARAMS)  # type: ignore[attr-defined]
        kept = _kept()
        second = connection.prepared_rows(QUERY, PARAMS)  # type: ignore[attr-defined]

    assert first == second == expected
    assert kept is not None and _kept() is kept  # the same cursor, not one per query
    assert kept.connection is connection.connection


def test_outside_prepared_statements_the_caller_uses_its_own_cursor() -> None:
    assert connection.prepared_rows(QUERY, PARAMS) is None  # type: ignore[attr-defined]


def test_captured_queries_go_through_djangos_cursor_and_are_counted() -> None:
    with (
        CaptureQueriesContext(connection) as captured,
        prepared_reads(Publication),
    ):
        assert connection.prepared_rows(QUERY, PARAMS) is None  # type: ignore[attr-defined]
        selectors.publication_document(slug="no-such-treatment", fields=("slug",))

    assert [q for q in captured.captured_queries if "treatments_publication" in q["sql"]]


def test_an_execute_wrapper_sees_every_prepared_read() -> None:
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper), prepared_reads(Publication):
        assert connection.prepared_rows(QUERY, PARAMS) is None  # type: ignore[attr-defined]
        selectors.publication_document(slug="no-such-treatment", fields=("slug",))

    assert [sql for sql in seen if "treatments_publication" in sql]


def test_the_hot_document_read_uses_the_kept_cursor_and_answers_as_the_orm() -> None:
    fields = ("slug", "published_at", "treatment_id")
    expected = selectors.publication_document(slug="no-such-treatment", fields=fields)
    with prepared_reads(Publication):
        answer = selectors.publication_document(slug="no-such-treatment", fields=fields)

    assert answer == expected is None
    assert _kept() is not None


def test_a_failing_read_raises_djangos_error_and_the_next_one_answers() -> None:
    expected = _through_django()
    with connection.prepared_statements():  # type: ignore[attr-defined]
        connection.prepared_rows(QUERY, PARAMS)  # type: ignore[attr-defined]
        broken = _kept()
        with pytest.raises(ProgrammingError):
            connection.prepared_rows("SELECT no_such_column FROM pg_class", [])  # type: ignore[attr-defined]
        assert _kept() is None  # dropped: the next read starts on a new cursor

        assert connection.prepared_rows(QUERY, PARAMS) == expected  # type: ignore[attr-defined]
        assert _kept() is not broken


def test_a_connection_the_server_ended_is_replaced_with_a_new_kept_cursor() -> None:
    with connection.prepared_statements():  # type: ignore[attr-defined]
        expected = connection.prepared_rows(QUERY, PARAMS)  # type: ignore[attr-defined]
        old = _kept()
        pid = end_backend(connection)

        with pytest.raises(DatabaseError):  # Django's error, as a cursor of Django's raises
            connection.prepared_rows(QUERY, PARAMS)  # type: ignore[attr-defined]
        connection.close_if_unusable_or_obsolete()  # as Django does when the request ends

        assert connection.prepared_rows(QUERY, PARAMS) == expected  # type: ignore[attr-defined]
    assert connection.connection.info.backend_pid != pid
    assert _kept() is not old and _kept().connection is connection.connection
