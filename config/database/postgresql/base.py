"""PostgreSQL (psycopg 3) whose health check sends `SELECT 1` only when it can tell something.

Django's `CONN_HEALTH_CHECKS` sends `SELECT 1` before the first query of every request that
reuses a persistent connection: a PostgreSQL restart then costs readers nothing (the check
fails, the connection is replaced, the query runs on the new one). But that is one more
loopback round trip per request, a quarter to a third of a cache miss (bench/PROFILE.md).

This backend keeps the guarantee without the round trip while the connection is busy. A
connection PostgreSQL ends (a restart, `pg_terminate_backend`, an idle timeout, a crash of its
backend process) says so on its socket: the server's termination notice or the end of the
stream is waiting to be read. So, where Django would check, this backend first looks at the
socket without waiting (`poll`, a system call, no round trip):

- the connection was used less than `HEALTH_CHECK_INTERVAL` seconds ago, it is idle in no
  transaction and nothing waits on its socket: it is used as it is (no `SELECT 1`);
- anything else (something to read, an end of stream, a lost or busy connection, or idle
  longer than the interval): Django's own check runs (`SELECT 1`; on failure the connection is
  closed and the next query opens a new one), exactly as before.

What only the round trip can find, a connection that died without a word reaching this machine
(a network path lost, an address taken over by another host), is still found by it once the
connection has been idle for the interval; within the interval the one request that uses it
fails as any request does when the database goes away mid-request (503, api/outage.py).
`HEALTH_CHECK_INTERVAL` 0 checks before every request, as Django does; `CONN_HEALTH_CHECKS`
off checks never. docs/operators/failure-behaviour.md says what clients see.

It also sends the public read path's hot queries as **prepared statements**
(`prepared_statements()`, `prepared_cursor()`): Django binds parameters on the client, so each
query's text differs and PostgreSQL parses and plans every one; inside `prepared_statements()`
a cursor binds them on the server and psycopg prepares the statement on its first use, so
PostgreSQL plans it once per connection. Django disables psycopg's preparing by default (for
connection poolers); this backend enables it (`prepare_threshold` 5, psycopg's default; only
these cursors ever prepare: Django's own bind on the client, which never prepares) unless
`OPTIONS["prepare_threshold"]` says otherwise. `None` (PgBouncer before 1.21 in transaction
mode; `DATABASE_PREPARED_STATEMENTS=0`) turns preparing off: the same cursors then bind on the
server without preparing. docs/operators/postgresql-redis.md.

And it reads `timestamptz` values with psycopg's compiled loader. Django's loader
(`psycopg_any.BaseTzLoader`) subclasses psycopg's pure-Python one, since the compiled class
cannot be subclassed, and parses each value in Python: about 3 µs a value, a tenth of a list
page that misses (two timestamps a row, bench/PROFILE.md). `TimestamptzLoader` here calls the
compiled loader and then does what Django's does, the same values
(tests/config/test_timestamptz_loader.py).
"""

import contextlib
import datetime as dt
import functools
import math
import select
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import get_adapters_template
from psycopg.adapt import AdaptersMap, Loader
from psycopg.pq import Format

# Seconds a connection may stay unused and still be taken without a round trip (settings:
# DATABASES[alias]["HEALTH_CHECK_INTERVAL"], from DATABASE_HEALTH_CHECK_INTERVAL).
DEFAULT_INTERVAL = 1.0
_IDLE = 0  # libpq's PQTRANS_IDLE: connected, not in a transaction
# psycopg's own default: a statement sent this often is prepared (prepared cursors: at once).
DEFAULT_PREPARE_THRESHOLD = 5
# With preparing on, the session's prepared statements (only the hot reads' are) run their
# generic plan: PostgreSQL's default (`auto`) planned the catalogue page again for every
# execution, since its LIMIT and OFFSET are parameters and a plan for an unknown LIMIT looks
# dearer than one for 21 rows; the generic plan of every shape scans the ordering's index
# (bench/PROFILE.md), and planning was a sixth of a list page that misses. PL/pgSQL plans
# follow the same setting: the one trigger that queries (`treatments 0012`) keeps `auto`.
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"
# What the planner counts for reading a page out of order, relative to one read in order (the
# server's default is 4, for disks that seek). A catalogue's pages come from memory (bench/
# PROFILE.md: shared_buffers did not matter at 100,000), so a random read costs about what a
# sequential one does; at 4, the planner scanned a 1,000-row catalogue whole for a first-time
# search (de-TOASTing every search vector, which its costs leave out: 6-8 ms) instead of taking
# the GIN index (about 2 ms). DATABASES[alias]["RANDOM_PAGE_COST"], from
# DATABASE_RANDOM_PAGE_COST; empty leaves the server's setting; an operator's own
# `random_page_cost` in OPTIONS["options"] wins.
DEFAULT_RANDOM_PAGE_COST = "1.1"


# Django's psycopg cursor that binds on the server (psycopg.Cursor, with Django's `callproc`).
SERVER_BINDING_CURSOR: Any = base.ServerBindingCursor


class PreparedCursor(SERVER_BINDING_CURSOR):  # type: ignore[misc]
    """A cursor binding on the server that prepares what it sends, unless the connection's
    `prepare_threshold` is None (preparing off: it only binds on the server)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("prepare") is None and self.connection.prepare_threshold is not None:
            kwargs["prepare"] = True
        return super().execute(query, params, **kwargs)


# psycopg's own text loader of timestamptz: compiled when psycopg's binary (or c) package is
# installed, as pyproject.toml asks, else its Python one.
PSYCOPG_TIMESTAMPTZ_LOADER: Any = psycopg.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)


class TimestamptzLoader(Loader):
    """Django's timestamptz loader (`psycopg_any.BaseTzLoader`: psycopg's value in the
    session's time zone, then given `timezone`, or made naive when it is None), with
    psycopg's compiled loader doing the parsing."""

    timezone: dt.tzinfo | None = None

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._load = PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load
        session = getattr(getattr(context, "connection", None), "info", None)
        if session is not None and session.timezone is self.timezone:
            # psycopg labels its values with the session's time zone, and that is already this
            # one (Django sets the session's to the connection's: UTC by default), so the
            # replacement below would change nothing: read with the compiled loader alone, no
            # Python call per value (tests/config/test_timestamptz_loader.py compares both).
            self.load = self._load  # type: ignore[method-assign]

    def load(self, data: Any) -> dt.datetime:
        value: dt.datetime = self._load(data)
        return value.replace(tzinfo=self.timezone)


@functools.cache
def timestamptz_loader(timezone: dt.tzinfo | None) -> type[TimestamptzLoader]:
    """The loader class for one time zone (Django's `register_tzloader` makes one per call)."""
    return type("SpecificTimestamptzLoader", (TimestamptzLoader,), {"timezone": timezone})


def register_timestamptz_loader(timezone: dt.tzinfo | None, context: Any) -> None:
    """As Django's `register_tzloader`, with the compiled loader."""
    context.adapters.register_loader("timestamptz", timestamptz_loader(timezone))


@functools.cache
def adapters_template(use_tz: bool, timezone: dt.tzinfo | None) -> AdaptersMap:
    """Django's adapters for new connections (`get_adapters_template`), timestamptz loaded by
    `TimestamptzLoader`."""
    template = AdaptersMap(get_adapters_template(use_tz, timezone))
    template.register_loader("timestamptz", timestamptz_loader(timezone))
    return template


class DatabaseOperations(operations.DatabaseOperations):
    """Django's operations, naming a prepared cursor's query too (debug, captured queries)."""

    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:  # or None
        query: str | None = super().last_executed_query(cursor, sql, params)  # type: ignore[assignment]
        if query is None and isinstance(cursor, PreparedCursor):
            try:  # a prepared execution leaves psycopg no query text: compose it as Django does
                query = str(self.compose_sql(sql, params))
            except Exception:
                query = sql
        return query  # type: ignore[return-value]


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL backend with a health check that looks before it asks."""

    ops_class = DatabaseOperations

    # Django's own state (BaseDatabaseWrapper), which the type stubs do not declare.
    health_check_enabled: bool
    health_check_done: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # When a cursor of the current connection was last made (time.monotonic()).
        self.used_at = -math.inf
        self.health_check_interval = float(
            self.settings_dict.get("HEALTH_CHECK_INTERVAL", DEFAULT_INTERVAL)
        )
        # Inside `prepared_statements()`: cursors bind on the server and prepare.
        self.preparing = 0
        # The cursor `prepared_rows` sends on, of the connection it was made for.
        self._kept_cursor: Any = None

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if "context" in params:  # Django's adapters, with the compiled timestamptz loader
            params["context"] = adapters_template(settings.USE_TZ, self.timezone)
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = DEFAULT_PREPARE_THRESHOLD  # Django's default: None
        options = str(params.get("options", ""))
        if params.get("prepare_threshold") is not None and "plan_cache_mode" not in options:
            # Prepared statements run their generic plan (see GENERIC_PLANS); an operator's
            # own `plan_cache_mode` in OPTIONS["options"] wins.
            params["options"] = f"{options} {GENERIC_PLANS}".strip()
        page_cost = self.settings_dict.get("RANDOM_PAGE_COST", DEFAULT_RANDOM_PAGE_COST)
        if page_cost and "random_page_cost" not in options:
            options = str(params.get("options", ""))
            params["options"] = f"{options} -c random_page_cost={page_cost}".strip()
        return params

    @contextlib.contextmanager
    def prepared_statements(self) -> Iterator[None]:
        """Cursors made inside bind their parameters on the server and are prepared on first
        use (the hot read path's queries: same text, new values)."""
        self.preparing += 1
        try:
            yield
        finally:
            self.preparing -= 1

    def prepared_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
        """The rows of one prepared read, sent on a cursor kept for the connection; None where
        the caller must use a cursor of its own (`cursor()`).

        Django makes a cursor and its wrapper for every query, which cost a cache miss about a
        third of its database time (bench/PROFILE.md). Inside `prepared_statements()`, with no
        query being logged (`CaptureQueriesContext`, DEBUG) and no
        `execute_wrapper` installed, the one psycopg cursor kept for the current connection is
        used again, with what Django's cursor does around a query: the health check, thread
        and broken-transaction checks, and its database errors as Django's
        (tests/config/test_prepared_rows.py).
        """
        if not self.preparing or self.queries_logged or self.execute_wrappers:
            return None
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.validate_thread_sharing()
        self.validate_no_broken_transaction()
        kept = self._kept_cursor
        try:
            with self.wrap_database_errors:
                if kept is None or kept.connection is not self.connection:
                    kept = self._kept_cursor = self.create_cursor()  # marks `used_at`
                else:
                    self.used_at = time.monotonic()  # as `create_cursor` does
                kept.execute(sql, params)
                rows: list[tuple[Any, ...]] = kept.fetchall()
        except Exception:
            self._kept_cursor = None  # the next read starts on a new cursor
            raise
        return rows

    @contextlib.contextmanager
    def prepared_cursor(self) -> Iterator[Any]:
        """A cursor (Django's wrapper) whose statements PostgreSQL plans once per connection."""
        with self.prepared_statements(), self.cursor() as cursor:
            yield cursor

    def connect(self) -> None:
        super().connect()
        self.used_at = time.monotonic()  # a new connection is healthy (Django: no check)

    def create_cursor(self, name: str | None = None) -> Any:
        if self.preparing and name is None:
            cursor = PreparedCursor(self.connection)
            # As Django's create_cursor: its time zone only if the connection's differs.
            loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:
                register_timestamptz_loader(self.timezone, cursor)
        else:
            cursor = super().create_cursor(name)
        # A query that then fails marks `errors_occurred`, and Django checks (or closes) the
        # connection when the request ends: a recent use without errors is a working one.
        self.used_at = time.monotonic()
        return cursor

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is None
            or not self.health_check_enabled
            or self.health_check_done
            or self.pool
        ):
            super().close_if_health_check_failed()
            return
        if time.monotonic() - self.used_at < self.health_check_interval and self.socket_quiet():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()  # SELECT 1; closed if that fails
        if self.connection is not None:
            self.used_at = time.monotonic()

    def socket_quiet(self) -> bool:
        """True when the connection is idle outside a transaction and nothing waits to be read
        on its socket: the server has not ended it. Costs a system call, no round trip."""
        pgconn = getattr(self.connection, "pgconn", None)  # psycopg 3 only; else: check
        if pgconn is None or pgconn.transaction_status != _IDLE:
            return False  # also UNKNOWN: libpq already saw the connection fail
        try:
            descriptor = pgconn.socket
        except Exception:  # psycopg.OperationalError: "the connection is lost"
            return False
        poller = select.poll()
        poller.register(descriptor, select.POLLIN | select.POLLPRI)
        # Any event: data (a termination notice, a notification), end of stream, error, hang-up.
        return not poller.poll(0)
