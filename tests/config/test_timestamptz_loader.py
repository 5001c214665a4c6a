"""The project backend reads timestamptz with psycopg's compiled loader
(config/database/postgresql/base.py: `TimestamptzLoader`) and must give exactly what Django's
own loader gives: the same instant, the same time zone object, the same text."""

import datetime as dt
from typing import Any

import psycopg
import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.pq import Format

from config.database.postgresql.base import PSYCOPG_TIMESTAMPTZ_LOADER, TimestamptzLoader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

FIXED = settings(
    derandomize=True,
    database=None,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
instants = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=offsets
)


def _text_loader(cursor: Any) -> Any:
    return cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


def _django_cursor(raw: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
    """A cursor of the same session reading timestamptz with Django's own loader."""
    cursor = raw.cursor()
    register_tzloader(connection.timezone, cursor)
    assert not issubclass(_text_loader(cursor), TimestamptzLoader)
    return cursor


def _described(value: dt.datetime) -> tuple[Any, ...]:
    return (value, value.isoformat(), type(value.tzinfo), value.utcoffset())


def test_connections_and_prepared_cursors_use_the_compiled_loader() -> None:
    # pyproject.toml installs psycopg[binary]: its loader is the compiled one.
    assert PSYCOPG_TIMESTAMPTZ_LOADER.__module__.startswith("psycopg_binary")
    with connection.cursor() as cursor:
        assert issubclass(_text_loader(cursor.cursor), TimestamptzLoader)
    with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]
        assert issubclass(_text_loader(cursor.cursor), TimestamptzLoader)
    assert _text_loader(cursor.cursor).timezone == connection.timezone


def test_in_the_connections_own_time_zone_no_python_runs_per_value() -> None:
    """The session's time zone is Django's (UTC): the compiled loader's values need no new
    label, so its `load` is the compiled one; in another zone it relabels, as Django does."""
    with connection.cursor() as cursor:
        loader = _text_loader(cursor.cursor)(TIMESTAMPTZ, cursor.cursor)
        assert isinstance(loader.load.__self__, PSYCOPG_TIMESTAMPTZ_LOADER)  # compiled
        cursor.execute("SELECT set_config('TimeZone', 'Europe/Berlin', true)")
    with connection.cursor() as cursor:
        loader = _text_loader(cursor.cursor)(TIMESTAMPTZ, cursor.cursor)
        assert loader.load.__func__ is TimestamptzLoader.load  # relabels each value


@FIXED
@given(values=st.lists(instants, min_size=1, max_size=8))
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_values_are_those_django_loads(zone: str, values: list[dt.datetime]) -> None:
    """In the session's time zone Django sets (UTC) and in others, which both loaders read
    as wall time in that zone labelled with the connection's time zone."""
    query = "SELECT v::timestamptz FROM unnest(%s::text[]) AS v"
    texts = [value.isoformat() for value in values]
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [zone])  # this transaction
    with connection.cursor() as cursor:
        cursor.execute(query, [texts])
        ours = [row[0] for row in cursor.fetchall()]
    with _django_cursor(connection.connection) as cursor:
        cursor.execute(query, [texts])
        django = [row[0] for row in cursor.fetchall()]
    assert [_described(v) for v in ours] == [_described(v) for v in django]
    if zone == "UTC":
        assert ours == values  # the same instants that were sent


@pytest.mark.parametrize("text", ["infinity", "-infinity"])
def test_values_python_cannot_hold_fail_as_with_django(text: str) -> None:
    query = "SELECT %s::timestamptz"
    with connection.cursor() as cursor, pytest.raises(DataError) as ours:
        cursor.execute(query, [text])
        cursor.fetchall()
    with (
        _django_cursor(connection.connection) as cursor,
        pytest.raises(psycopg.DataError) as django,
    ):
        cursor.execute(query, [text])
        cursor.fetchall()
    assert str(ours.value) == str(django.value)
    assert "infinity" in str(ours.value)
