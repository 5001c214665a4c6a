"""The edge-cache phases of `make faults`: Varnish paused or killed while treatments are withdrawn.

Run by bench/faults.py after its own phases, on the same private PostgreSQL (skipped, with the
reason, when varnishd or the xkey vmod is missing; `--edge-only` runs these alone):
gunicorn with EDGE_PURGE_URL (production settings), the worker (`run_worker --interval 0.1`,
retries after 1 s doubling to 4 s instead of 10 s to an hour, so the run stays short) and
Varnish with config/edge/default.vcl. A light load of detail reads goes through Varnish all
along. In each phase `--edge-changes` treatments, each read through Varnish first so that the
edge holds it, are withdrawn one by one by a long-lived process calling the
`treatment_unpublish` service (its wall time is the publish latency):

    edge normal     Varnish up: time from commit to 410 through the edge, per treatment
    edge paused     varnishd stopped (SIGSTOP): it keeps its cache but answers nothing, so
                    purges time out and are retried; publishing must not notice
    edge resumed    SIGCONT: the retried purges reach it; time until every treatment withdrawn
                    while it was paused answers 410 through it (until then it serves them stale)
    edge killed     varnishd killed (connections refused), withdrawals, then a fresh varnishd
                    (empty cache): every purge run must still end as succeeded
    edge back       as edge normal, after the faults

A first group of withdrawals warms the publisher and the worker up and is not counted.

Lost: a treatment still served (200) through the edge, or a purge run not succeeded, 60 s
after Varnish was back. Raw figures go to bench/out/faults-edge.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.driver.environment import OUT, PY, ROOT, free_port
from config.edge import varnish

# gunicorn(env, workers, log_path) -> a context manager yielding its port (bench/faults.py's).
Gunicorn = Callable[[dict[str, str], int, Path], contextlib.AbstractContextManager[int]]


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


EDGE_PHASES = ["edge normal", "edge paused", "edge resumed", "edge killed", "edge back"]
LOST_AFTER_SECONDS = 60.0
# A long-lived publisher: reads "withdraw <slug>" lines, answers one JSON line per change.
PUBLISHER = """
import json, sys, time
from treatments import services
from treatments.models import Treatment
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    action, slug = line.split()
    treatment = Treatment.objects.get(slug=slug)
    started = time.time()
    services.treatment_unpublish(treatment_id=treatment.pk, expected_version=None, actor=None)
    committed = time.time()
    print(json.dumps({"slug": slug, "started": started, "committed": committed}), flush=True)
"""


def _get(port: int, path: str, timeout: float = 5.0) -> tuple[int, str]:
    """(status, X-Cache) of one GET; (0, "") when nothing answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, str(response.headers.get("X-Cache", ""))
    except (OSError, http.client.HTTPException):
        return 0, ""
    finally:
        connection.close()


class Varnish:
    def __init__(self, origin: int, workdir: Path) -> None:
        self.origin = origin
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        vcl = varnish.prepare(origin=f"127.0.0.1:{self.origin}", workdir=self.workdir)
        command = varnish.command(listen=f"127.0.0.1:{self.port}", vcl=vcl, workdir=self.workdir)
        with (OUT / "faults-varnish.log").open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def signal(self, signum: int) -> None:
        """Signal the cache process (varnishd's child, which answers) and the manager."""
        assert self.process is not None
        for pid in [*self.children(), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def children(self) -> list[int]:
        assert self.process is not None
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        pids.append(int(entry.name))
        return pids

    def kill(self) -> None:
        """SIGKILL manager and child at once: connections are refused, the cache is gone."""
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def _worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with (OUT / "faults-worker.log").open("ab") as out:
        process = subprocess.Popen(
            [PY, "manage.py", "run_worker", "--interval", "0.1", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Publisher:
    """One `manage.py shell` that withdraws treatments on request and times each call."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [PY, "manage.py", "shell", "--no-imports", "-c", PUBLISHER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdin is not None
        ready = self.process.stdout.readline()
        if not ready.strip().endswith("true}"):
            raise SystemExit(f"the publisher did not start: {ready!r}")

    def withdraw(self, slug: str) -> dict[str, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"withdraw {slug}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def _load(port_of: Any, paths: list[str], stop: threading.Event, out: list[tuple]) -> None:
    n = 0
    while not stop.is_set():
        status, _ = _get(port_of(), paths[n % len(paths)], timeout=2.0)
        out.append((time.time(), status))
        n += 1
        if status == 0:
            time.sleep(0.05)


def _purge_runs(database_url: str, since: float) -> Counter[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT r.status FROM events_handlerrun r JOIN events_outboxevent e "
            "ON e.id = r.event_id WHERE r.handler = 'edge.purge' "
            "AND e.created_at >= to_timestamp(%s)",
            (since,),
        ).fetchall()
    return Counter(row[0] for row in rows)


def _wait_410(port: int, slugs: list[str], deadline: float) -> dict[str, float | None]:
    """When each slug first answered 410 through the edge (None: not before the deadline)."""
    gone: dict[str, float | None] = dict.fromkeys(slugs)
    while time.time() < deadline and any(v is None for v in gone.values()):
        for slug in [s for s, v in gone.items() if v is None]:
            if _get(port, f"/api/v1/treatments/{slug}/")[0] == 410:
                gone[slug] = time.time()
        time.sleep(0.01)
    return gone


def run_edge_phases(
    args: argparse.Namespace, env: dict[str, str], slugs: list[str], gunicorn: Gunicorn
) -> None:
    """The edge phases on the site of `env` (its database holds the published `slugs`)."""
    reason = varnish.missing()
    if reason:
        log(f"edge phases skipped: {reason}")
        return
    per_phase = args.edge_changes
    if len(slugs) < 5 * per_phase + 10:
        raise SystemExit(f"--edge-changes {per_phase} needs {5 * per_phase + 10} treatments")
    env = {
        **env,
        "EVENTS_RETRY_BASE_SECONDS": "1",
        "EVENTS_RETRY_MAX_SECONDS": "4",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    workdir = Path(args.scratch) / "varnish"
    edge_port = free_port()
    env["EDGE_PURGE_URL"] = f"http://127.0.0.1:{edge_port}/"
    report: dict[str, Any] = {"phases": {}}
    started_at = time.time()
    with gunicorn(env, args.workers, OUT / "faults-edge-gunicorn.log") as origin, _worker(env):
        cache = Varnish(origin, workdir)
        cache.port = edge_port
        cache.start()
        publisher = Publisher(env)
        stop = threading.Event()
        records: list[tuple] = []
        readers = [
            threading.Thread(
                target=_load,
                args=(
                    lambda: cache.port,
                    [f"/api/v1/treatments/{s}/" for s in slugs[-10:]],
                    stop,
                    records,
                ),
            )
            for _ in range(4)
        ]
        for reader in readers:
            reader.start()
        groups = [slugs[i * per_phase : (i + 1) * per_phase] for i in range(5)]
        try:
            report["phases"] = _phases(cache, publisher, groups, env, started_at)
        finally:
            stop.set()
            for reader in readers:
                reader.join()
            publisher.close()
            cache.stop()
    for phase in report["phases"].values():
        inside = [r for r in records if phase["start"] <= r[0] < phase["end"]]
        phase["reads"] = dict(Counter(str(r[1]) for r in inside))
    report["purge_runs"] = dict(_purge_runs(env["DATABASE_URL"], started_at))
    report["retry"] = "EVENTS_RETRY_BASE_SECONDS=1, EVENTS_RETRY_MAX_SECONDS=4"
    _print(report)
    (OUT / "faults-edge.json").write_text(json.dumps(report, indent=2))
    log(f"raw figures in {OUT / 'faults-edge.json'}")


def _warm(port: int, slugs: list[str]) -> None:
    for slug in slugs:
        for _ in range(3):
            if _get(port, f"/api/v1/treatments/{slug}/") == (200, "HIT"):
                break


def _withdraw_all(publisher: Publisher, slugs: list[str]) -> list[dict[str, float]]:
    return [publisher.withdraw(slug) for slug in slugs]


def _latencies(changes: list[dict[str, float]]) -> dict[str, float]:
    seconds = [c["committed"] - c["started"] for c in changes]
    return {
        "publish_median_ms": round(statistics.median(seconds) * 1000, 1),
        "publish_max_ms": round(max(seconds) * 1000, 1),
    }


def _phases(
    cache: Varnish,
    publisher: Publisher,
    groups: list[list[str]],
    env: dict[str, str],
    started_at: float,
) -> dict[str, Any]:
    phases: dict[str, Any] = {}
    warmup, normal, paused, killed, again = groups
    # Not counted: the publisher's and the worker's first change (imports, connections).
    _up_phase(cache, publisher, warmup)
    phases["edge normal"] = _up_phase(cache, publisher, normal)
    log("phase done: edge normal")

    # Varnish paused: it keeps its (now stale) copies; purges time out and are retried.
    start = time.time()
    _warm(cache.port, paused)
    cache.signal(signal.SIGSTOP)
    changes = _withdraw_all(publisher, paused)
    time.sleep(5)  # purges fail and are queued for retry meanwhile
    cache.signal(signal.SIGCONT)
    resumed = time.time()
    phases["edge paused"] = {"start": start, "end": resumed, **_latencies(changes)}
    log("phase done: edge paused")
    gone = _wait_410(cache.port, paused, resumed + LOST_AFTER_SECONDS)
    phases["edge resumed"] = {
        "start": resumed,
        "end": time.time(),
        "resumed_to_410_s": {
            s: None if t is None else round(t - resumed, 2) for s, t in gone.items()
        },
        "lost": sum(1 for t in gone.values() if t is None),
    }
    log("phase done: edge resumed")

    # Varnish killed: refused connections; a fresh (empty) varnishd afterwards.
    start = time.time()
    _warm(cache.port, killed)
    cache.kill()
    changes = _withdraw_all(publisher, killed)
    time.sleep(5)
    cache.start()
    back = time.time()
    deadline = back + LOST_AFTER_SECONDS
    while time.time() < deadline:
        runs = _purge_runs(env["DATABASE_URL"], started_at)
        if set(runs) == {"succeeded"}:
            break
        time.sleep(0.5)
    runs = _purge_runs(env["DATABASE_URL"], started_at)
    gone = _wait_410(cache.port, killed, time.time() + 10)
    phases["edge killed"] = {
        "start": start,
        "end": time.time(),
        **_latencies(changes),
        "all_purges_succeeded_after_s": round(time.time() - back, 2)
        if set(runs) == {"succeeded"}
        else None,
        "lost": sum(1 for t in gone.values() if t is None)
        + sum(n for status, n in runs.items() if status != "succeeded"),
    }
    log("phase done: edge killed")
    phases["edge back"] = _up_phase(cache, publisher, again)
    log("phase done: edge back")
    return phases


def _up_phase(cache: Varnish, publisher: Publisher, slugs: list[str]) -> dict[str, Any]:
    """Varnish up: withdraw each treatment (held by the edge), time commit -> 410 through it."""
    start = time.time()
    _warm(cache.port, slugs)
    purge_ms = []
    changes = []
    for slug in slugs:
        change = publisher.withdraw(slug)
        changes.append(change)
        gone = _wait_410(cache.port, [slug], time.time() + LOST_AFTER_SECONDS)[slug]
        purge_ms.append(None if gone is None else round((gone - change["committed"]) * 1000, 1))
    return {
        "start": start,
        "end": time.time(),
        **_latencies(changes),
        "commit_to_410_ms": purge_ms,
        "lost": sum(1 for v in purge_ms if v is None),
    }


def _print(report: dict[str, Any]) -> None:
    print()
    print(f"{'edge phase':<16}{'publish p50 ms':>16}{'publish max ms':>16}{'lost':>6}  detail")
    for name, phase in report["phases"].items():
        detail = ""
        if "commit_to_410_ms" in phase:
            detail = f"commit -> 410 through the edge: {phase['commit_to_410_ms']} ms"
        elif "resumed_to_410_s" in phase:
            times = sorted(v for v in phase["resumed_to_410_s"].values() if v is not None)
            detail = f"resumed -> 410 through the edge: {times} s"
        elif phase.get("all_purges_succeeded_after_s") is not None:
            detail = (
                f"every purge run succeeded {phase['all_purges_succeeded_after_s']} s after restart"
            )
        print(
            f"{name:<16}{phase.get('publish_median_ms', '-')!s:>16}"
            f"{phase.get('publish_max_ms', '-')!s:>16}{phase.get('lost', '-')!s:>6}  {detail}"
        )
        print(f"{'':<16}reads through the edge by status: {phase.get('reads')}")
    print(f"purge runs by status: {report['purge_runs']} ({report['retry']})")
