"""The real worker lives through a database outage and runs again the task the outage cut off.

Found by `make faults` (bench/faults_webhooks.py, "postgres restarted"): db_worker's loop
ended on the first OperationalError, so a PostgreSQL restart stopped every worker for good
(and with it `make run`, whose honcho stops the API when the worker exits). Here the outage is
real but private to the test: its own database on the PostgreSQL server, closed to new
connections (ALLOW_CONNECTIONS false) with the worker's sessions terminated, then opened again.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.processes import ROOT, manage, site_env

pytestmark = pytest.mark.postgres

TASKS_TABLE = "django_tasks_database_dbtaskresult"


def _wait(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _admin() -> psycopg.Connection:
    server = urlsplit(os.environ["DATABASE_URL"])
    return psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True)


@pytest.fixture
def private_database() -> Iterator[str]:
    """The URL of a fresh database on the test server, dropped afterwards."""
    name = f"worker_outage_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    finally:
        with _admin() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _close(database: str) -> None:
    """New connections are refused and every open one is cut, as in a restart."""
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database,),
        )


def _open(database: str) -> None:
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


def _enqueue(env: dict[str, str], code: str) -> None:
    manage(
        "shell",
        "--no-imports",
        "-c",
        f"from tests.events.support import note, slow_note\n{code}\n",
        env=env,
    )


def test_the_worker_lives_through_a_database_outage_and_reruns_the_cut_off_task(
    tmp_path: Path, private_database: str
) -> None:
    database = urlsplit(private_database).path.lstrip("/")
    trace = tmp_path / "trace"
    env = site_env(DATABASE_URL=private_database, TASKS_WORKER_HEARTBEAT_SECONDS="0.3")
    manage("migrate", "--noinput", env=env)
    _enqueue(env, f"slow_note.enqueue(path={str(trace)!r}, text='cut', seconds=2)")
    log = tmp_path / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: trace.exists() and "start cut" in trace.read_text(), "the task to start")
        _close(database)
        # The task ends while the database is away: its end cannot be recorded. The worker
        # polls every 0.1 s meanwhile and finds no database.
        _wait(lambda: "end cut" in trace.read_text(), "the task to end")
        time.sleep(2)
        assert worker.poll() is None, f"the worker died in the outage:\n{log.read_text()}"
        _open(database)

        _enqueue(env, f"note.enqueue(path={str(trace)!r}, text='after')")
        _wait(lambda: "after" in trace.read_text(), "a task enqueued after the outage to run")
        _wait(
            lambda: trace.read_text().splitlines().count("end cut") == 2,
            "the cut-off task to run again (at least once)",
        )

        def statuses() -> list[str]:
            with psycopg.connect(private_database) as conn:
                return sorted(s for (s,) in conn.execute(f"SELECT status FROM {TASKS_TABLE}"))

        _wait(lambda: statuses() == ["SUCCESSFUL", "SUCCESSFUL"], "both tasks to succeed")
        assert "The database is unreachable" in log.read_text()
        assert "1 unfinished task(s) queued again" in log.read_text()
    finally:
        _open(database)
        worker.send_signal(signal.SIGTERM)
        try:
            assert worker.wait(timeout=30) == 0, log.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
