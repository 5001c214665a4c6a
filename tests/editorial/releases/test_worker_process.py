"""The real worker process runs a scheduled publish on time, and once across restarts."""

import datetime as dt
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


SETUP = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
from django.contrib.auth.models import Group, User
from treatments.content_files import read_content_file, shipped_content_files
from treatments.roles import ensure_roles
from treatments.services import content_load
ensure_roles()
user = User.objects.create_user("publisher", "publisher@example.org", "a-long-test-password")
for name in ("editors", "publishers"):
    user.groups.add(Group.objects.get(name=name))
content_load(content=read_content_file(shipped_content_files()[0]))
"""

SCHEDULE = """
import datetime as dt
from django.contrib.auth.models import User
from django.utils import timezone
from editorial.releases.services import schedule_create
from treatments import services
from treatments.documents.build import build_content
from treatments.models import Treatment
treatment = Treatment.objects.get()
if {edit}:
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = "A second, scheduled change."
    treatment = services.treatment_replace(
        treatment_id=treatment.pk, content=services.content_validate(content),
        expected_version=treatment.version, actor=None,
    )
schedule_create(
    treatment_id=treatment.pk, kind="publish", expected_version=treatment.version,
    run_at=timezone.now() + dt.timedelta(seconds={seconds}),
    actor=User.objects.get(username="publisher"),
)
"""


def _wait(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database, timeout=20) as db:
        return db.execute(sql).fetchall()


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_a_running_worker_publishes_on_time_and_a_restarted_one_publishes_nothing_again(
    tmp_path: Path,
) -> None:
    database = tmp_path / "db.sqlite3"
    env = site_env(DATABASE_URL=f"sqlite:///{database}")
    manage("shell", "--no-imports", "-c", SETUP, env=env)
    worker = _worker(env, tmp_path / "worker.log")
    try:
        manage(
            "shell",
            "--no-imports",
            "-c",
            SCHEDULE.replace("{seconds}", "2").replace("{edit}", "False"),
            env=env,
        )
        _wait(
            lambda: _query(database, "SELECT state FROM releases_scheduledaction") == [("done",)],
            "the worker to run the scheduled publish",
        )
    finally:
        _stop(worker)
    ((run_at, ran_at),) = _query(database, "SELECT run_at, ran_at FROM releases_scheduledaction")
    late = dt.datetime.fromisoformat(str(ran_at)) - dt.datetime.fromisoformat(str(run_at))
    assert dt.timedelta(0) <= late < dt.timedelta(seconds=60), f"ran {late} after its time"
    assert _query(database, "SELECT number FROM treatments_revision") == [(1,)]

    # Scheduled while no worker runs, and due before one starts: it runs on start, once.
    manage(
        "shell",
        "--no-imports",
        "-c",
        SCHEDULE.replace("{seconds}", "1").replace("{edit}", "True"),
        env=env,
    )
    time.sleep(1.5)
    for attempt in range(2):  # a restart, then another
        worker = _worker(env, tmp_path / f"restart-{attempt}.log")
        try:
            _wait(
                lambda: (
                    _query(
                        database,
                        "SELECT COUNT(*) FROM releases_scheduledaction WHERE state='pending'",
                    )
                    == [(0,)]
                ),
                "the overdue action to run",
            )
            _wait(
                lambda: (
                    _query(
                        database,
                        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                        "WHERE status IN ('READY', 'RUNNING')",
                    )
                    == [(0,)]
                ),
                "the queue to drain",
            )
        finally:
            _stop(worker)
    states = _query(database, "SELECT state, result FROM releases_scheduledaction ORDER BY id")
    assert [s for s, _ in states] == ["done", "done"]
    assert "Published 2" in str(states[1][1])
    assert _query(
        database, "SELECT COUNT(*) FROM treatments_auditentry WHERE action='schedule_run'"
    ) == [(2,)]
    assert _query(database, "SELECT number FROM treatments_revision ORDER BY number") == [
        (1,),
        (2,),
    ], "published once, whatever the restarts"
