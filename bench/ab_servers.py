"""The same code served two ways at once, measured with wrk in alternating rounds (A/B).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h_misses_b_10000 \\
        .venv/bin/python bench/ab_servers.py [--rounds 6] [--seconds 3] \\
        [--a "SELECT 1 per request: DATABASE_HEALTH_CHECK_INTERVAL=0"] [--b "default:"]

Two gunicorn servers (`make bench`'s settings: config.settings.bench, 2 sync workers) run side
by side over one generated database, each with its own environment (`--a`, `--b`: a label, a
colon, then NAME=VALUE pairs separated by spaces). Round after round, wrk (2 threads, 32
connections) measures each server in turn on the bare-bytes limit, detail misses and list
misses (distinct paths, as `detail_miss` and `list_miss` of `make bench`; `--endpoints` adds
first-time searches, `search_first`), so both see the
same moments of a machine others share; an idle server costs the other nothing. Prints, per
server and endpoint, the median and best req/s over the rounds and the median ratio to the
limit measured in the same round on the same server. The database must be one `bench/run.py`
generated (e.g. `--db-prefix h_misses_b --reuse` leaves `h_misses_b_10000`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ENDPOINTS = ("limit", "detail_miss", "list_miss")
OPTIONAL = ("search_first",)


def variant(text: str) -> tuple[str, dict[str, str]]:
    label, _, pairs = text.partition(":")
    env = dict(pair.split("=", 1) for pair in pairs.split())
    return label.strip() or "default", env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", default="SELECT 1 per request: DATABASE_HEALTH_CHECK_INTERVAL=0")
    parser.add_argument("--b", default="default:")
    parser.add_argument(
        "--a-root",
        type=Path,
        default=None,
        help="serve A from this checkout (e.g. `git archive`"
        " of an older commit with .venv linked), to compare code as well",
    )
    parser.add_argument("--b-root", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=3.0, help="per endpoint and round")
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help="comma-separated, the limit first: " + ", ".join((*ENDPOINTS, *OPTIONAL)),
    )
    args = parser.parse_args()
    endpoints = tuple(e.strip() for e in args.endpoints.split(",") if e.strip())
    if endpoints[:1] != ("limit",) or not set(endpoints) <= {*ENDPOINTS, *OPTIONAL}:
        parser.error(f"--endpoints: the limit first, then any of {ENDPOINTS[1:] + OPTIONAL}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from bench.driver import environment
    from bench.driver.environment import Server
    from bench.driver.measurement import distinct_pages, every_slug_path, first_time_searches
    from bench.driver.wrk import ensure_wrk, run_wrk, wrk_script

    database_url = os.environ["DATABASE_URL"]
    wrk = ensure_wrk()
    options = argparse.Namespace(
        workers=2, worker_class="sync", threads_per_worker=4, threads=2, connections=32
    )
    servers: list[tuple[str, str, Any, Path | None]] = []
    for letter, text, root in (("a", args.a, args.a_root), ("b", args.b, args.b_root)):
        label, env = variant(text)
        server = Server(options, database_url, f"ab-{letter}")
        server.env.update(env)
        if root is not None:
            root = root.resolve()
            server.command[server.command.index("--chdir") + 1] = str(root)
            server.env["PYTHONPATH"] = str(root)
        servers.append((label, letter, server, root))
    try:
        for _, _, server, root in servers:
            # Started in its root: `python -m gunicorn` puts the working directory first on
            # sys.path, so --chdir alone would still import this checkout's code.
            environment.ROOT, saved = root or environment.ROOT, environment.ROOT
            try:
                server.start()
            finally:
                environment.ROOT = saved
        first = servers[0][2]
        paths = {
            "limit": lambda: ["/bench/limit/"],
            "detail_miss": lambda: every_slug_path(database_url),
            "list_miss": lambda: distinct_pages(first),
            "search_first": lambda: first_time_searches(first),
        }
        targets = {
            name: {"paths": paths[name](), "distinct": name != "limit"} for name in endpoints
        }
        results: dict[str, dict[str, list[float]]] = {
            label: {name: [] for name in endpoints} for label, _, _, _ in servers
        }
        scripts = {
            (letter, name): wrk_script(f"ab-{letter}-{name}", targets[name])
            for _, letter, _, _ in servers
            for name in endpoints
        }
        for _, letter, server, _ in servers:  # warm-up: imports, connections, compiled queries
            for name in endpoints:
                run_wrk(options, wrk, server.base, scripts[letter, name], 1, False)
        for index in range(args.rounds):
            # Alternate which server goes first, so neither always follows the other.
            order = servers if index % 2 == 0 else servers[::-1]
            for label, letter, server, _ in order:
                for name in endpoints:
                    result = run_wrk(
                        options, wrk, server.base, scripts[letter, name], args.seconds, False
                    )
                    results[label][name].append(result["rps"])
            print(f"round {index + 1}: " + "; ".join(
                f"{label} " + ", ".join(f"{n} {results[label][n][-1]:.0f}" for n in endpoints)
                for label, _, _, _ in servers
            ), flush=True)  # fmt: skip
    finally:
        for _, _, server, _ in servers:
            server.stop()
    print()
    print("| server | endpoint | median req/s | best req/s | median vs limit (same round) |")
    print("| --- | --- | ---: | ---: | ---: |")
    for label, runs in results.items():
        for name in endpoints:
            ratios = [rps / limit for rps, limit in zip(runs[name], runs["limit"], strict=True)]
            print(
                f"| {label} | `{name}` | {median(runs[name]):,.0f} | {max(runs[name]):,.0f} | "
                f"{median(ratios):.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
