"""Load under faults: what clients see while Redis pauses or dies and PostgreSQL restarts.

    make faults                                        # ~1.5 minutes, then edge and webhooks
    make faults FAULTS_ARGS="--phase-seconds 20 --connections 32 --treatments 1000"
    make faults FAULTS_ARGS="--webhooks-only --webhook-changes 3 --fault-seconds 5"  # ~4 min

Everything runs on private servers started here, on free ports, and removed afterwards: a
PostgreSQL 15 cluster (initdb as the postgres user, data in a temporary directory) and a
redis-server. The shared servers on 5432 and 6379 are never touched. The project is served by
gunicorn (2 workers, config/gunicorn.py, production settings; throttling on at a rate the
load never reaches, so every request still goes through the Redis-backed throttle).

A load generator (processes x threads, http.client, one connection each) runs without pause
through these phases, each `--phase-seconds` long:

    normal              nothing wrong
    redis paused        redis-server stopped with SIGSTOP (accepts connections, never answers)
    redis resumed       SIGCONT
    redis killed        SIGKILL (connections refused); a fresh redis-server at the end
    redis back          the fresh redis-server
    postgres restarted  pg_ctl stop -m fast, `--outage-seconds` down, pg_ctl start
    postgres back       after the restart

then the edge-cache phases (bench/faults_edge.py: Varnish paused or killed while treatments are
withdrawn; `--no-edge` skips them, `--edge-only` runs them alone)

then the webhook and worker phases (bench/faults_webhooks.py: a partner's receiver down, slow,
answering 500 or 410, the worker killed mid-delivery, PostgreSQL restarted with events pending;
events written vs delivered, lost, duplicates, publish latency; `--no-webhooks` skips them,
`--webhooks-only` runs them alone)

With `--misses`, 2 in 10 requests read a document no worker keeps (a detail with `?lang=en`),
so each queries PostgreSQL: what a restart costs requests that need the database.

It prints, per phase, the requests answered, the throughput as a ratio of the normal phase,
and the answers by class: 2xx/3xx, 503 (counted apart), other 5xx, 4xx, and requests that got
no answer at all (connection refused or reset, or no answer in --timeout seconds). The load is
a fixed mix: 7 in 10 requests are a treatment detail (rotating over the treatments), 2 a list
page, 1 a search. Raw figures go to bench/out/faults.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script (bench/faults.py): the project is importable
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PY = sys.executable
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SHARED_PORTS = {5432, 6379}
MIX = ["detail"] * 7 + ["list"] * 2 + ["search"]
# --misses: 2 in 10 requests read a document the workers never keep (a detail with `?lang=`, so
# every one queries PostgreSQL), to show what a restart costs requests that need the database.
MIX_WITH_MISSES = ["detail"] * 5 + ["miss"] * 2 + ["list"] * 2 + ["search"]
PHASES = [
    "normal",
    "redis paused",
    "redis resumed",
    "redis killed",
    "redis back",
    "postgres restarted",
    "postgres back",
]
CALM_PHASES = {"normal", "redis resumed", "redis back", "postgres back"}


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in SHARED_PORTS:
            return port


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


# ------------------------------------------------------------------------ private servers


class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster in `directory`, owned by the postgres user."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.log = directory / "postgres.log"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            cwd=self.directory,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def init(self) -> None:
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


class PrivateRedis:
    """A redis-server child process on a free port, with no persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def signal(self, signum: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait()


# ------------------------------------------------------------------------------ the site


def site_env(database_url: str, redis_url: str, settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "API_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(32),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        API_ANON_RATE="100000000/minute",  # throttled (Redis in the path), never limited
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, log_path: Path) -> Iterator[int]:
    port = free_port()
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        [PY, "-m", "gunicorn", "-c", "config/gunicorn.py", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--error-logfile", str(log_path), "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=log_file,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def fetch_json(port: int, path: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
    return json.loads(body)


# -------------------------------------------------------------------------------- the load


def _load_thread(
    port: int, paths: dict[str, list[str]], index: int, stop: Any, timeout: float, out: list
) -> None:
    connection: http.client.HTTPConnection | None = None
    n = index
    mix = MIX_WITH_MISSES if "miss" in paths else MIX
    while not stop.is_set():
        kind = mix[n % len(mix)]
        choices = paths[kind]
        path = choices[(n // len(mix)) % len(choices)]
        n += 1
        status = 0  # no answer
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            if connection is not None:
                connection.close()
            connection = None
            time.sleep(0.01)  # a refused connection fails at once: do not spin
        out.append((time.time(), kind, status))


def _load_process(
    port: int,
    paths: dict[str, list[str]],
    threads: int,
    offset: int,
    stop: Any,
    results: Any,
    timeout: float,
) -> None:
    import threading

    records: list[tuple[float, str, int]] = []
    workers = [
        threading.Thread(
            target=_load_thread,
            args=(port, paths, (offset + i) * 7919, stop, timeout, records),
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(records)


def summarise(records: list[tuple[float, str, int]], phases: list[tuple[str, float, float]]):
    rows = []
    for name, start, end in phases:
        inside = [r for r in records if start <= r[0] < end]
        statuses = Counter(r[2] for r in inside)
        seconds = end - start
        rows.append(
            {
                "phase": name,
                "seconds": round(seconds, 1),
                "requests": len(inside),
                "per_second": round(len(inside) / seconds, 1),
                "ok": sum(c for s, c in statuses.items() if 200 <= s < 400),
                "503": statuses.get(503, 0),
                "other_5xx": sum(c for s, c in statuses.items() if s >= 500 and s != 503),
                "4xx": sum(c for s, c in statuses.items() if 400 <= s < 500),
                "no_answer": statuses.get(0, 0),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "by_kind": {
                    kind: dict(Counter(r[2] for r in inside if r[1] == kind))
                    for kind in sorted({r[1] for r in records})
                },
            }
        )
    # The machine may be shared: the baseline is the median of every phase with nothing wrong
    # (before the faults and between them), not the first phase alone.
    calm = sorted(row["per_second"] for row in rows if row["phase"] in CALM_PHASES)
    normal = calm[len(calm) // 2] or 1.0
    for row in rows:
        row["vs_normal"] = round(row["per_second"] / normal, 2)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'phase':<20}{'s':>5}{'requests':>10}{'req/s':>9}{'vs normal':>11}"
        f"{'2xx/3xx':>9}{'503':>7}{'other 5xx':>11}{'4xx':>6}{'no answer':>11}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['phase']:<20}{r['seconds']:>5.0f}{r['requests']:>10}{r['per_second']:>9.0f}"
            f"{r['vs_normal']:>10.2f}x{r['ok']:>9}{r['503']:>7}{r['other_5xx']:>11}"
            f"{r['4xx']:>6}{r['no_answer']:>11}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase-seconds", type=float, default=10.0)
    parser.add_argument("--outage-seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=16, help="threads, over 2 processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--treatments", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument(
        "--misses",
        action="store_true",
        help="2 in 10 requests read a document no worker keeps (each queries PostgreSQL)",
    )
    parser.add_argument(
        "--edge-changes", type=int, default=5, help="withdrawals per edge phase (faults_edge.py)"
    )
    parser.add_argument("--no-edge", action="store_true", help="skip the edge-cache phases")
    parser.add_argument("--edge-only", action="store_true", help="only the edge-cache phases")
    parser.add_argument(
        "--webhook-changes",
        type=int,
        default=3,
        help="treatments withdrawn and restored per webhook phase (faults_webhooks.py)",
    )
    parser.add_argument(
        "--fault-seconds", type=float, default=5.0, help="how long each receiver fault lasts"
    )
    parser.add_argument("--no-webhooks", action="store_true", help="skip the webhook phases")
    parser.add_argument(
        "--webhooks-only", action="store_true", help="only the webhook and worker phases"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the private PostgreSQL is started as the postgres user")
    OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="faults-"))
    scratch.chmod(0o755)  # the postgres user must reach its directory inside
    postgres = PrivatePostgres(scratch / "pg")
    postgres.directory.mkdir()
    redis = PrivateRedis()
    try:
        log(f"private PostgreSQL on :{postgres.port} (data in {postgres.data})")
        postgres.init()
        postgres.start()
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(postgres.port),
             "-U", "postgres", "treatments_faults"],
            check=True,
        )  # fmt: skip
        log(f"private Redis on :{redis.port}")
        redis.start()
        database_url = postgres.url("treatments_faults")
        redis_url = f"redis://127.0.0.1:{redis.port}/0"
        seed_env = site_env(database_url, redis_url, "config.settings.bench")
        log(f"migrating and generating {args.treatments} published treatments")
        manage(seed_env, "migrate", "--noinput")
        manage(seed_env, "bench_generate", "--count", str(args.treatments))
        env = site_env(database_url, redis_url, "config.settings.production")
        if not (args.edge_only or args.webhooks_only):
            with gunicorn(env, args.workers, OUT / "faults-gunicorn.log") as port:
                run_phases(args, port, postgres, redis)
        if not (args.no_edge or args.webhooks_only):
            from bench.faults_edge import run_edge_phases

            args.scratch = str(scratch)
            run_edge_phases(args, env, _live_slugs(database_url), gunicorn)
        if not (args.no_webhooks or args.edge_only):
            from bench.faults_webhooks import run_webhook_phases

            run_webhook_phases(args, env, _live_slugs(database_url), gunicorn, postgres)
    finally:
        redis.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _live_slugs(database_url: str) -> list[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT slug FROM treatments_publication WHERE withdrawn_at IS NULL ORDER BY slug"
        ).fetchall()
    return [row[0] for row in rows]


def run_phases(args: argparse.Namespace, port: int, postgres: Any, redis: Any) -> None:
    page = fetch_json(port, "/api/v1/treatments/?page_size=100")
    slugs = [item["slug"] for item in page["results"]]
    paths = {
        "detail": [f"/api/v1/treatments/{slug}/" for slug in slugs],
        "list": ["/api/v1/treatments/", "/api/v1/treatments/?ordering=-published_at"],
        "search": ["/api/v1/treatments/?q=hip", "/api/v1/treatments/?q=marrow%20injection"],
    }
    if args.misses:  # a query string: never kept in a worker's memory
        paths["miss"] = [f"/api/v1/treatments/{slug}/?lang=en" for slug in slugs]
    stop = multiprocessing.Event()
    results: Any = multiprocessing.Queue()
    per_process = max(1, args.connections // 2)
    processes = [
        multiprocessing.Process(
            target=_load_process,
            args=(port, paths, per_process, i * per_process, stop, results, args.timeout),
        )
        for i in range(2)
    ]
    log(
        f"load: {2 * per_process} connections, {len(slugs)} documents rotating; "
        f"{len(PHASES)} phases of {args.phase_seconds:.0f} s"
    )
    for process in processes:
        process.start()
    time.sleep(5)  # warm up: workers, connections, caches (not counted)
    phases: list[tuple[str, float, float]] = []
    events: dict[str, float] = {}

    def phase(name: str, begin: Any = None, end: Any = None) -> None:
        start = time.time()
        if begin:
            begin()
        remaining = args.phase_seconds - (time.time() - start)
        if remaining > 0:
            time.sleep(remaining)
        if end:
            end()
        phases.append((name, start, time.time()))
        log(f"phase done: {name}")

    def restart_redis() -> None:
        redis.kill()
        redis.start()

    def restart_postgres() -> None:
        events["postgres_stop"] = time.time()
        postgres.stop()
        events["postgres_stopped"] = time.time()
        time.sleep(args.outage_seconds)
        postgres.start()
        events["postgres_started"] = time.time()

    phase("normal")
    phase(
        "redis paused", lambda: redis.signal(signal.SIGSTOP), lambda: redis.signal(signal.SIGCONT)
    )
    phase("redis resumed")
    phase("redis killed", lambda: redis.signal(signal.SIGKILL), restart_redis)
    phase("redis back")
    phase("postgres restarted", restart_postgres)
    phase("postgres back")
    stop.set()
    records: list[tuple[float, str, int]] = []
    for _ in processes:
        records.extend(results.get())
    for process in processes:
        process.join()

    rows = summarise(records, phases)
    started = events["postgres_started"]
    after = sorted(r[0] for r in records if r[0] >= started and r[1] == "list" and r[2] == 200)
    recovery = round(after[0] - started, 2) if after else None
    print()
    print(table(rows))
    print("vs normal: throughput over the median of the phases with nothing wrong.")
    down = [r for r in records if events["postgres_stop"] <= r[0] < events["postgres_started"]]
    down_by_kind = {
        kind: dict(Counter(r[2] for r in down if r[1] == kind))
        for kind in sorted({r[1] for r in records})
    }
    print(f"While PostgreSQL was down (stop to started), answers by kind: {down_by_kind}")
    # From `pg_ctl start` on: what a restart costs once the server is back (stale connections).
    up = [r for r in records if r[0] >= events["postgres_started"]]
    up_by_kind = {
        kind: dict(Counter(r[2] for r in up if r[1] == kind))
        for kind in sorted({r[1] for r in records})
    }
    print(f"After PostgreSQL was started again, answers by kind: {up_by_kind}")
    print(
        f"PostgreSQL: stop took {events['postgres_stopped'] - events['postgres_stop']:.1f} s, "
        f"down {events['postgres_started'] - events['postgres_stopped']:.1f} s; first list "
        f"answered 200 {recovery} s after it was up again."
    )
    report = {
        "command": " ".join(sys.argv),
        "args": vars(args),
        "phases": rows,
        "postgres": {**{k: round(v - phases[0][1], 2) for k, v in events.items()}},
        "list_recovered_after_seconds": recovery,
        "while_postgres_down_by_kind": down_by_kind,
        "after_postgres_started_by_kind": up_by_kind,
    }
    (OUT / "faults.json").write_text(json.dumps(report, indent=2))
    log(f"raw figures in {OUT / 'faults.json'}")


if __name__ == "__main__":
    main()
