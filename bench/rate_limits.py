"""Benchmark the rate limits: cost per check at any rate, and throughput under a hung Redis.

    make bench-limits                                   # ~3 minutes
    make bench-limits BENCH_LIMITS_ARGS="--duration 10 --rounds 3"

Two parts, both against a private redis-server started here on a free port (never the shared
one), so that it can be paused with SIGSTOP:

1. In process: microseconds per check for DRF's timestamp-list throttle (what the project used
   before) and for the GCRA limiter (memory and Redis), with a client that has already sent
   `--history` requests inside the window. DRF's cost grows with that number (it reads and
   writes the whole list); GCRA's does not (one number per client).
2. Over HTTP: gunicorn (`config.settings.bench` with the rate limits on, anonymous rate
   `--rate`, high enough that nothing is refused) and wrk on the hot detail endpoint, in
   rounds: limits off; GCRA with Redis; GCRA with Redis paused (SIGSTOP); and DRF's throttle
   with Redis, healthy and paused (the behaviour this replaced). Reported as requests per
   second and as a ratio to "limits off"; the issue's bar is paused >= 0.5x healthy.

Writes bench/RATE_LIMITS.md and bench/rate_limits.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    OUT,
    SEED_SLUG,
    Server,
    ensure_wrk,
    fetch,
    free_port,
    log,
    manage,
    recreate_database,
    run_wrk,
    wrk_script,
)

BENCH = ROOT / "bench"
MODES = {
    # name -> (BENCH_RATE_LIMITS value, pause Redis during the measurement)
    "off": ("", False),
    "gcra_redis": ("gcra", False),
    "gcra_redis_paused": ("gcra", True),
    "drf_redis": ("drf", False),
    "drf_redis_paused": ("drf", True),
}


class PrivateRedis:
    """A redis-server of our own on a free port, which we may pause and resume."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server).")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        OUT.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(OUT)]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 15
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("the private redis-server did not start") from None
                time.sleep(0.05)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(10)


# ---------------------------------------------------------------------------- in process


def per_check_costs(redis_url: str, histories: list[int], repeats: int) -> list[dict[str, Any]]:
    """Microseconds per check, for each limiter, with `history` earlier requests in the window."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from rest_framework.throttling import AnonRateThrottle

    from api.ratelimit import parse_rate
    from api.ratelimit.stores import MemoryStore, RedisStore, redis_client

    def drf_cost(rate: str, history: int) -> float:
        AnonRateThrottle.THROTTLE_RATES = {"anon": rate}
        cache.clear()
        throttle = AnonRateThrottle()
        reader = SimpleNamespace(
            META={"REMOTE_ADDR": "192.0.2.1"}, headers={}, user=AnonymousUser()
        )
        key = throttle.get_cache_key(reader, None)  # type: ignore[arg-type]
        throttle.allow_request(reader, None)  # type: ignore[arg-type]  # connect first
        spent = []
        for _ in range(repeats):
            # Exactly `history` timestamps before each timed check (restored untimed).
            now = time.time()
            cache.set(key, [now - i * 0.0001 for i in range(history)], 3600)
            started = time.perf_counter()
            assert throttle.allow_request(reader, None)  # type: ignore[arg-type]
            spent.append(time.perf_counter() - started)
        return statistics.median(spent) * 1e6

    rows = []
    for history in histories:
        rate = f"{(history + repeats) * 10}/hour"  # high enough that nothing is refused
        row: dict[str, Any] = {"history": history, "rate": rate}
        # DRF's throttle over django-redis, as before this change.
        row["drf_redis_us"] = drf_cost(rate, history)
        policy = parse_rate("anonymous", rate)
        stores = {
            "gcra_memory_us": MemoryStore(),
            "gcra_redis_us": RedisStore(redis_client(redis_url, timeout=1.0)),
        }
        for name, store in stores.items():
            store.hit("ip:warm-up", policy)  # connect first
            for _ in range(history):  # the same client, `history` requests into the window
                store.hit("ip:192.0.2.1", policy)
            spent = []
            for _ in range(repeats):
                started = time.perf_counter()
                store.hit("ip:192.0.2.1", policy)
                spent.append(time.perf_counter() - started)
            row[name] = statistics.median(spent) * 1e6
        cache.clear()
        rows.append(row)
        log(
            "history {history:>6}: DRF+Redis {drf_redis_us:8.1f} us, GCRA memory "
            "{gcra_memory_us:6.1f} us, GCRA Redis {gcra_redis_us:6.1f} us".format(**row)
        )
    return rows


# ---------------------------------------------------------------------------- over HTTP


def prepare_database(args: argparse.Namespace) -> None:
    base, _, name = args.database_url.rpartition("/")
    recreate_database(base, name)
    manage(args.database_url, "migrate", "--noinput")
    manage(args.database_url, "load_content", "--publish")
    log(f"database {name}: migrated, seed published")


def http_rounds(args: argparse.Namespace, redis_server: PrivateRedis) -> dict[str, Any]:
    wrk = ensure_wrk()
    target = {"paths": [f"/api/v1/treatments/{SEED_SLUG}/"]}
    script = wrk_script("rate_limits_detail", target)
    results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    servers: dict[str, Server] = {}
    try:
        for kind in sorted({kind for kind, _ in MODES.values()}):
            server = Server(args, args.database_url, f"rate-limits-{kind or 'off'}")
            server.env.update(
                BENCH_RATE_LIMITS=kind,
                REDIS_URL=redis_server.url,
                API_ANON_RATE=args.rate,
            )
            server.start()
            servers[kind] = server
            status, headers, _ = fetch(server.base + target["paths"][0])
            assert status == 200, f"{kind}: detail answered {status}"
            log(f"server {kind or 'off'}: RateLimit {headers.get('RateLimit', '(none)')}")
        for round_number in range(1, args.rounds + 1):
            for mode, (kind, paused) in MODES.items():
                server = servers[kind]
                run_wrk(args, wrk, server.base, script, args.warmup, gzip=False)
                if paused:
                    redis_server.pause()
                try:
                    measured = run_wrk_no_drain(args, wrk, server.base, script)
                finally:
                    if paused:
                        redis_server.resume()
                results[mode].append(measured)
                log(
                    f"round {round_number} {mode:<18} {measured['rps']:8.0f} req/s "
                    f"p99 {measured.get('p99_ms', 0):7.1f} ms  non-2xx {measured['non_2xx_3xx']}"
                )
    finally:
        for server in servers.values():
            server.stop()
    return results


def run_wrk_no_drain(args: argparse.Namespace, wrk: str, base: str, script: Path) -> dict[str, Any]:
    # run_wrk drains through /bench/limit/, which never touches Redis, so it works paused too.
    return run_wrk(args, wrk, base, script, args.duration, gzip=False)


def summarise(results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for mode, rounds in results.items():
        summary[mode] = {
            "rps_median": statistics.median(r["rps"] for r in rounds),
            "p99_ms_median": statistics.median(r.get("p99_ms", 0.0) for r in rounds),
            "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in rounds),
            "socket_errors": sum(r["errors"] for r in rounds),
        }
    off = summary["off"]["rps_median"] or 1.0
    for mode in summary:
        summary[mode]["ratio_to_off"] = summary[mode]["rps_median"] / off
    for kind in ("gcra", "drf"):
        healthy = summary[f"{kind}_redis"]["rps_median"] or 1.0
        summary[f"{kind}_redis_paused"]["ratio_to_healthy"] = (
            summary[f"{kind}_redis_paused"]["rps_median"] / healthy
        )
    return summary


def write_report(args: argparse.Namespace, report: dict[str, Any]) -> None:
    lines = [
        "# Rate limits: cost per check and throughput under a hung Redis",
        "",
        f"Generated by `bench/rate_limits.py` on {report['when']} ({report['machine']}); "
        "a shared, noisy 2-core machine: compare rows of one run, not across runs.",
        "",
        "## Cost per check, in process (median microseconds; lower is better)",
        "",
        "`history` = requests the same client already made inside the window.",
        "",
        "| history | rate | DRF throttle + Redis | GCRA, memory | GCRA, Redis |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in report["per_check"]:
        lines.append(
            f"| {row['history']:,} | {row['rate']} | {row['drf_redis_us']:.1f} | "
            f"{row['gcra_memory_us']:.1f} | {row['gcra_redis_us']:.1f} |"
        )
    if report.get("http"):
        lines += [
            "",
            f"## Hot detail over HTTP (gunicorn {args.workers} {args.worker_class} workers, "
            f"wrk -t{args.threads} -c{args.connections}, {args.duration:g} s x "
            f"{args.rounds} rounds, anonymous rate {args.rate})",
            "",
            "| limiter | req/s (median) | x limits off | paused / healthy | p99 ms | "
            "non-2xx | socket errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for mode, row in report["http"].items():
            paused = row.get("ratio_to_healthy")
            lines.append(
                f"| {mode} | {row['rps_median']:.0f} | {row['ratio_to_off']:.2f} | "
                f"{'' if paused is None else f'{paused:.2f}'} | {row['p99_ms_median']:.1f} | "
                f"{row['non_2xx_3xx']} | {row['socket_errors']} |"
            )
    args.output.write_text("\n".join(lines) + "\n")
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {args.output} and {args.json}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_LIMITS_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/treatments_ratelimit_bench",
        ),
        help="PostgreSQL database to (re)create for the HTTP part.",
    )
    parser.add_argument("--history", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=300, help="Checks per in-process cell.")
    parser.add_argument("--rate", default="100000000/minute", help="Anonymous rate over HTTP.")
    parser.add_argument("--duration", type=float, default=8.0, help="Seconds per HTTP cell.")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads-per-worker", type=int, default=4)
    parser.add_argument("--skip-http", action="store_true", help="In-process part only.")
    parser.add_argument("--output", type=Path, default=BENCH / "RATE_LIMITS.md")
    parser.add_argument("--json", type=Path, default=BENCH / "rate_limits.json")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    redis_server = PrivateRedis()
    try:
        report: dict[str, Any] = {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
            + " / ".join(f"{load:.1f}" for load in os.getloadavg()),
            "args": {k: str(v) for k, v in vars(args).items()},
        }
        report["per_check"] = per_check_costs(redis_server.url, args.history, args.repeats)
        if not args.skip_http:
            prepare_database(args)
            report["http"] = summarise(http_rounds(args, redis_server))
        write_report(args, report)
    finally:
        redis_server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
