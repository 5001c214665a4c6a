"""Connection health checks on PostgreSQL: no round trip per request, a killed backend recovered.

The project's backend (config/database/postgresql/base.py) sends Django's `SELECT 1` only to a
connection unused for `DATABASE_HEALTH_CHECK_INTERVAL` seconds, or whose socket says the server
ended it. Real processes: gunicorn (one worker) reaches a scratch PostgreSQL database through
a TCP relay that records what the worker sends, so the checks are counted where PostgreSQL
receives them; the worker's PostgreSQL backend is killed with `pg_terminate_backend` from a
second connection, as a restart of PostgreSQL ends it.
"""

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.processes import Relay, gunicorn, manage, request, scratch_database, site_env

pytestmark = pytest.mark.postgres

SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"
# Django's health check, as it reaches the server (a null-terminated query string).
HEALTH_CHECK = b"SELECT 1\x00"
STEADY_READS = 20


@dataclass(frozen=True)
class Site:
    """A served site over a relay to its database."""

    port: int
    relay: Relay
    database_url: str  # direct, not through the relay

    def checks(self) -> int:
        return self.relay.sent().count(HEALTH_CHECK)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A scratch database with the seed treatment published (direct URL)."""
    with scratch_database(os.environ["DATABASE_URL"], "_checks") as url:
        env = site_env(DATABASE_URL=url)
        manage("migrate", "--noinput", "--verbosity", "0", env=env)
        manage("load_content", "--publish", "--verbosity", "0", env=env)
        yield url


@contextlib.contextmanager
def _site(database: str, **settings: str) -> Iterator[Site]:
    """gunicorn (one worker) over a relay to `database`, with these environment settings."""
    parts = urlsplit(database)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relay.start()
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{relay.port}"
    # sslmode=disable: the relay reads the protocol in clear (it is loopback).
    through_relay = urlunsplit(parts._replace(netloc=netloc, query="sslmode=disable"))
    env = site_env(
        DATABASE_URL=through_relay,
        PUBLIC_MEMORY_TTL="0",  # no worker memory: every read queries the database
        **settings,
    )
    try:
        with gunicorn(env) as port:
            yield Site(port=port, relay=relay, database_url=database)
    finally:
        relay.cut()


def _terminate_the_workers_backends(database_url: str) -> int:
    """End every other session on the database (the worker's), as a restart ends them, and
    wait until PostgreSQL no longer lists them; how many there were."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        ]
        assert pids, "the worker should hold a connection to the database"
        for pid in pids:
            connection.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "the terminated backends did not end"
            time.sleep(0.02)
    return len(pids)


def _kill_the_workers_backends(site: Site) -> None:
    """Terminate the worker's backends and wait until the relay has passed their end on to
    the worker, as the kernel would at once without a relay."""
    ended = site.relay.ended()
    site.relay.wait_ended(ended + _terminate_the_workers_backends(site.database_url))


def _steady_reads(site: Site) -> tuple[int, bytes]:
    """STEADY_READS reads one after another; the health checks they cost, and the body."""
    first = request(site.port, "GET", DETAIL)  # the worker holds a connection from here on
    assert first.status == 200
    before = site.checks()
    for _ in range(STEADY_READS):
        answer = request(site.port, "GET", DETAIL)
        assert answer.status == 200
        assert answer.body == first.body
    return site.checks() - before, first.body


def test_steady_reads_send_no_health_check_and_a_killed_backend_costs_no_reader(
    database: str,
) -> None:
    # A long interval, so that a slow machine cannot make two reads look idle.
    with _site(database, DATABASE_HEALTH_CHECK_INTERVAL="60") as site:
        checks, body = _steady_reads(site)
        assert checks == 0, f"{checks} health checks for {STEADY_READS} reads of a busy worker"
        _kill_the_workers_backends(site)
        # The socket says the server ended the connection: checked, replaced, answered.
        answer = request(site.port, "GET", DETAIL)
        assert answer.status == 200, answer.body[:300]
        assert answer.body == body
        assert request(site.port, "GET", DETAIL).status == 200


def test_an_idle_connection_is_checked_with_a_round_trip(database: str) -> None:
    with _site(database, DATABASE_HEALTH_CHECK_INTERVAL="0.3") as site:
        assert request(site.port, "GET", DETAIL).status == 200
        before = site.checks()
        for _ in range(3):
            time.sleep(0.6)  # idle longer than the interval
            assert request(site.port, "GET", DETAIL).status == 200
        assert site.checks() - before == 3


def test_the_interval_at_zero_checks_before_every_request_as_django_does(database: str) -> None:
    # The counting itself is sound: Django's own behaviour shows one check per read.
    with _site(database, DATABASE_HEALTH_CHECK_INTERVAL="0") as site:
        checks, _ = _steady_reads(site)
        assert checks >= STEADY_READS


def test_without_health_checks_a_killed_backend_fails_the_next_reader_with_a_503(
    database: str,
) -> None:
    # What the check is for: without it the next read meets the dead connection.
    with _site(database, DATABASE_CONN_HEALTH_CHECKS="0") as site:
        checks, _ = _steady_reads(site)
        assert checks == 0
        _kill_the_workers_backends(site)
        answer = request(site.port, "GET", DETAIL)
        assert answer.status == 503, answer.body[:300]
        assert answer.headers["Retry-After"]
        # Django closes the broken connection after that request; the next one reconnects.
        assert request(site.port, "GET", DETAIL).status == 200
