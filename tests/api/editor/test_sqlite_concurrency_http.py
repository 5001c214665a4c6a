"""Racing editor saves on the embedded default (a SQLite file) over real HTTP: 200 and 412.

Two clients PATCH the same working copy with the same If-Match at the same moment, many
rounds, against gunicorn with two worker processes and the background worker polling the same
database file. With WAL, IMMEDIATE transactions and a busy timeout, the second writer waits
for the first and then loses the compare-and-set: one 200 and one 412, never a 503
("database is locked"); and the worker logs no lock error either.
"""

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.processes import OWN_SQLITE_DATABASE, ROOT, gunicorn, manage, request, site_env

ROUNDS = 20
BASE = "/api/v1/editor/treatments"


def _prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, publish the seed, make an editor; return (treatment id, editor token)."""
    script = """
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from treatments.models import Treatment
call_command("migrate", "--noinput", verbosity=0)
call_command("ensure_roles", verbosity=0)
call_command("load_content", "--publish", verbosity=0)
editor = User.objects.create_user("racer", password="a-long-racing-password", is_staff=True)
editor.groups.add(Group.objects.get(name="editors"))
print(Treatment.objects.get().pk)
call_command("issue_token", "racer")
"""
    lines = manage("shell", "--no-imports", "-c", script, env=env).strip().splitlines()
    return lines[-2], lines[-1]


def _race(port: int, path: str, token: str, etag: str, round_: int) -> list[int]:
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def write(summary: str) -> None:
        body = json.dumps({"summary": summary}).encode()
        headers = {
            "Authorization": f"Token {token}",
            "If-Match": etag,
            "Content-Type": "application/json",
        }
        barrier.wait(timeout=30)
        statuses.append(request(port, "PATCH", path, headers=headers, body=body).status)

    threads = [
        threading.Thread(target=write, args=(f"Editor {who}, round {round_}.",)) for who in "AB"
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return sorted(statuses)


@OWN_SQLITE_DATABASE
def test_racing_saves_on_sqlite_give_one_200_and_one_412_never_a_503() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "db.sqlite3"
        env = site_env(DATABASE_URL=f"sqlite:///{database}")
        treatment_id, token = _prepare(env)
        worker_log = Path(folder) / "worker.log"
        with worker_log.open("w") as log:
            # The worker polls the same file ten times a second beside the web server.
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--no-reload"],
                cwd=ROOT,
                env={**env, "TASKS_WORKER_HEARTBEAT_SECONDS": "0.5"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            with gunicorn(env, workers=2) as port:
                path = f"{BASE}/{treatment_id}/"
                editor = {"Authorization": f"Token {token}"}
                outcomes = []
                for round_ in range(ROUNDS):
                    current = request(port, "GET", path, headers=editor)
                    assert current.status == 200, current.body[:300]
                    outcomes.append(_race(port, path, token, current.headers["ETag"], round_))
                assert outcomes == [[200, 412]] * ROUNDS, outcomes
                final = request(port, "GET", path, headers=editor).body.decode()
                assert f"round {ROUNDS - 1}." in final, "the last round's winner is kept"
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        time.sleep(0.1)
        text = worker_log.read_text()
        assert "Starting worker" in text, text[-2000:]
        assert "locked" not in text.lower(), text[-2000:]
