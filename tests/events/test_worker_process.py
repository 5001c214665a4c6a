"""The real worker process: a task it was running when killed is run again by another worker."""

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.processes import OWN_SQLITE_DATABASE, ROOT, manage, site_env

# Served from a SQLite database of its own, whatever the suite's: one leg runs it.
pytestmark = OWN_SQLITE_DATABASE

TASKS_TABLE = "django_tasks_database_dbtaskresult"


def _wait(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database, timeout=20) as db:
        return db.execute(sql).fetchall()


def test_a_task_of_a_killed_worker_is_run_again_and_a_stopped_worker_leaves(
    tmp_path: Path,
) -> None:
    database = tmp_path / "db.sqlite3"
    trace = tmp_path / "trace"
    env = site_env(
        DATABASE_URL=f"sqlite:///{database}",
        TASKS_WORKER_HEARTBEAT_SECONDS="0.3",
        TASKS_WORKER_LOST_AFTER_SECONDS="2",
    )
    manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.core.management import call_command\n"
        "call_command('migrate', '--noinput', verbosity=0)\n"
        "from tests.events.support import slow_note\n"
        f"slow_note.enqueue(path={str(trace)!r}, text='task', seconds=2)\n",
        env=env,
    )
    first = _worker(env, tmp_path / "first.log")
    try:
        _wait(lambda: trace.exists() and "start task" in trace.read_text(), "the task to start")
        first.send_signal(signal.SIGKILL)  # no clean-up at all: as a lost machine
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert _query(database, f"SELECT status FROM {TASKS_TABLE}") == [("RUNNING",)]

    second = _worker(env, tmp_path / "second.log")
    try:
        _wait(lambda: "end task" in trace.read_text(), "the task to run again and finish")
        _wait(
            lambda: _query(database, f"SELECT status FROM {TASKS_TABLE}") == [("SUCCESSFUL",)],
            "the task to be marked successful",
        )
        assert trace.read_text().splitlines() == ["start task", "start task", "end task"]
        (worker_ids,) = _query(database, f"SELECT worker_ids FROM {TASKS_TABLE}")[0]
        assert len(set(str(worker_ids).split(","))) == 2, "claimed by both workers in turn"
        assert "queued again" in (tmp_path / "second.log").read_text()
        # The dead worker's heartbeat is cleared; the live one is registered.
        assert len(_query(database, "SELECT worker_id FROM events_workerprocess")) == 1
    finally:
        second.send_signal(signal.SIGTERM)  # a graceful stop: systemd's, honcho's
        assert second.wait(timeout=30) == 0
    assert _query(database, "SELECT worker_id FROM events_workerprocess") == []


def test_a_task_cut_off_by_a_forced_stop_goes_back_to_the_queue(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    trace = tmp_path / "trace"
    env = site_env(DATABASE_URL=f"sqlite:///{database}")
    manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.core.management import call_command\n"
        "call_command('migrate', '--noinput', verbosity=0)\n"
        "from tests.events.support import slow_note\n"
        f"slow_note.enqueue(path={str(trace)!r}, text='long', seconds=120)\n",
        env=env,
    )
    worker = _worker(env, tmp_path / "worker.log")
    try:
        _wait(lambda: trace.exists() and "start long" in trace.read_text(), "the task to start")
        worker.send_signal(signal.SIGTERM)  # graceful: would wait for the task...
        time.sleep(1)
        assert worker.poll() is None, "a first signal lets the task in hand finish"
        worker.send_signal(signal.SIGTERM)  # ...a second one stops now
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _query(database, f"SELECT status, started_at FROM {TASKS_TABLE}") == [("READY", None)]
    assert _query(database, "SELECT worker_id FROM events_workerprocess") == []
