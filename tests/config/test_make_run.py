"""`make run`: one command starts the API and the worker; Ctrl-C (SIGINT) stops both."""

import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

from tests.processes import OWN_SQLITE_DATABASE, ROOT, free_port, request, site_env


def _processes_with(marker: str) -> list[int]:
    """The live processes whose environment carries `marker` (everything `make run` started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _answers(port: int) -> bool:
    try:
        return request(port, "GET", "/api/v1/").status == 200
    except OSError:
        return False


def _workers(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=20) as db:
            return int(db.execute("SELECT count(*) FROM events_workerprocess").fetchone()[0])
    except sqlite3.Error:  # not migrated yet
        return 0


@OWN_SQLITE_DATABASE
def test_make_run_serves_the_api_with_a_worker_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    marker = f"MAKE_RUN_TEST_{uuid.uuid4().hex}"
    port = free_port()
    env = site_env(DATABASE_URL=f"sqlite:///{database}", **{marker: "1"})
    log = (tmp_path / "make.log").open("wb")
    # Its own session, as a terminal's foreground job: Ctrl-C signals the whole group.
    make = subprocess.Popen(
        ["make", "run", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not (_answers(port) and _workers(database) == 1):
            assert make.poll() is None, (tmp_path / "make.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "make.log").read_text()[-3000:]
            time.sleep(0.5)
        started = _processes_with(marker)
        body = request(port, "GET", "/api/v1/treatments/").body
        assert b"bone-marrow-stem-cell-injection" in body, "the seed is loaded and published"

        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        make.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _processes_with(marker):
            assert time.monotonic() < deadline, f"still running: {_processes_with(marker)}"
            time.sleep(0.2)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        for pid in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        log.close()
    output = (tmp_path / "make.log").read_text()
    assert len(started) >= 4, f"make, honcho, web and worker: {started}"
    assert "web.1 stopped" in output and "worker.1 stopped" in output, output[-2000:]
    assert not _answers(port)
    assert _workers(database) == 0, "the worker left cleanly (its heartbeat row is gone)"
