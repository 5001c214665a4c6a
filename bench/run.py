"""Benchmark the public read API against a naive DRF baseline and a bare "limit" view.

    make bench                                   # sizes 10, 1 000, 10 000 (~15 minutes)
    make bench BENCH_ARGS="--full"               # adds 100 000 (+ ~6 min generation)
    make bench BENCH_ARGS="--sizes 1000 --duration 3 --rounds 1 --reuse"
    make bench BENCH_ARGS="--edge"               # adds the detail and list through Varnish

For each size: a fresh PostgreSQL database (cloned from a migrated template) is filled by
``manage.py bench_generate``, the project is served by gunicorn with
``config.settings.bench``, and wrk drives each endpoint over loopback: a warm-up per endpoint,
then rounds that visit every endpoint in turn (see ``bench_size``). SQL queries per request
are counted in-process (``manage.py bench_probe``), response sizes are fetched from the server
with and without gzip, and peak RSS is read from each gunicorn worker's /proc/<pid>/status.
Writes bench/RESULTS.md and bench/results.json; scratch files (wrk scripts, logs) go to
bench/out/.

The mobile endpoints (sync, bundle, recovery plans) are measured alongside and reported as a
ratio to the detail (the empty-delta 304 to the detail 304) and to the limit. The sync tokens
are taken from the API during discovery. "A delta of N changes" needs data that changed after
its token was taken, so it is measured last, in a second phase of the size: after the
read-only rounds, ``manage.py bench_changes`` publishes N real changes (replace + publish),
and the delta is measured in rounds with the detail and the limit measured again beside it.
The database then no longer holds the generated data, so its ``--reuse`` marker is cleared.
The recovery plans are reported as "not available" when they do not answer 200 in discovery.

The work is split by job under bench/driver/ (environment, endpoints, wrk, measurement,
statistics, report); this module reads the arguments and runs them in order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script (bench/run.py): the project root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.driver.endpoints import EDGE, ENDPOINTS
from bench.driver.environment import (
    BENCH,
    OUT,
    code_fingerprint,
    log,
    machine_info,
    manage,
    recreate_database,
)
from bench.driver.measurement import bench_size, time_in_process
from bench.driver.report import write_markdown
from bench.driver.statistics import evaluate
from bench.driver.wrk import ensure_wrk

DEFAULT_SIZES = [10, 1000, 10000]
FULL_SIZE = 100000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=None, help="Comma-separated treatment counts (default 10,1000,10000)."
    )
    parser.add_argument("--full", action="store_true", help=f"Also run {FULL_SIZE:,}.")
    parser.add_argument(
        "--duration", type=int, default=9, help="Measured seconds per endpoint and size (9)."
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="Rounds the duration is split into (3)."
    )
    parser.add_argument("--warmup", type=int, default=2, help="Warm-up seconds per cell (2).")
    parser.add_argument(
        "--timing-requests",
        type=int,
        default=200,
        help="Requests per in-process timing of an endpoint (200).",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2).")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument(
        "--threads-per-worker",
        type=int,
        default=4,
        help="gunicorn threads per worker with gthread (4).",
    )
    parser.add_argument(
        "--gzip", action="store_true", help="Send Accept-Encoding: gzip in every load request."
    )
    parser.add_argument(
        "--edge",
        action="store_true",
        help="Also measure the detail and the list through Varnish (bench/driver/edge.py).",
    )
    parser.add_argument(
        "--endpoints",
        default=",".join(n for n in ENDPOINTS if n not in EDGE),
        help="Comma-separated subset of: " + ", ".join(ENDPOINTS),
    )
    parser.add_argument("--seed", type=int, default=1, help="Data generator seed (1).")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database (env BENCH_PG).",
    )
    parser.add_argument(
        "--db-prefix",
        default="treatments_bench",
        help="Databases are <prefix>_template and <prefix>_<size>.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Reuse a size's database if it holds the same generated data (a run that "
        "measured sync_delta changed it, so the next one generates it again).",
    )
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(DEFAULT_SIZES)
    if args.full and FULL_SIZE not in sizes:
        sizes.append(FULL_SIZE)
    args.size_list = sorted(set(sizes))
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if args.edge:
        args.endpoints += [n for n in EDGE if n not in args.endpoints]
        args.endpoints += [n for n in ("detail", "list", "limit") if n not in args.endpoints]
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    args.argv = argv
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    if any(n in EDGE for n in args.endpoints):
        from bench.driver.edge import edge_missing, edge_port

        reason = edge_missing()
        if reason:
            sys.exit(f"--edge: {reason}.")
        # The origin marks its answers for an edge only when one is named (api/edge.py).
        args.edge_url = f"http://127.0.0.1:{edge_port()}/"
        os.environ["EDGE_PURGE_URL"] = args.edge_url
    try:
        machine = machine_info(args.pg, wrk)
    except Exception as exc:
        sys.exit(f"Cannot reach PostgreSQL at {args.pg} ({exc}); start it or pass --pg.")
    log(
        f"{machine['cpu']}, {machine['cores']} cores; PostgreSQL {machine['postgresql']}; "
        f"sizes {args.size_list}"
    )

    code_before = code_fingerprint()
    template = f"{args.db_prefix}_template"
    recreate_database(args.pg, template)
    manage(f"{args.pg}/{template}", "migrate", "--noinput")
    log(f"migrated template database {template}")

    sizes = [bench_size(args, wrk, count, template) for count in args.size_list]
    log("timing every endpoint in-process at every size")
    time_in_process(args, sizes)
    report = {
        "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed_s": round(time.monotonic() - started, 1),
        "machine": machine,
        "config": {
            "argv": args.argv,
            "sizes": args.size_list,
            "endpoints": args.endpoints,
            "duration": args.duration,
            "warmup": args.warmup,
            "threads": args.threads,
            "connections": args.connections,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads_per_worker": args.threads_per_worker,
            "gzip": args.gzip,
            "edge": any(n in EDGE for n in args.endpoints),
            "rounds": args.rounds,
            "seed": args.seed,
        },
        "sizes": sizes,
    }
    code_after = code_fingerprint()
    report["code"] = {**code_before, "changed_during_run": code_after != code_before}
    if report["code"]["changed_during_run"]:
        log("WARNING: the code under api/, treatments/, config/ or bench/ changed during the run")
    report["targets"] = evaluate(sizes)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(args.output, report)
    for row in report["targets"]:
        log(f"{row['verdict']:<4}  {row['target']}  {row['values']}")
    log(f"done in {report['elapsed_s'] / 60:.1f} min; wrote {args.output} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
