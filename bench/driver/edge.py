"""The edge phase (`make bench BENCH_ARGS=--edge`): the detail and the list through Varnish.

Varnish (config/edge/default.vcl, started by config/edge/varnish.py) is put in front of the
size's gunicorn once its own endpoints were measured. Every path is read through it until it
answers `X-Cache: HIT`; then wrk drives the detail (cycling over the same 100 documents) and
the list page through the edge, in rounds with the origin's bare-bytes `limit` view measured
again beside them, so the ratio to the limit is taken within a round as for every other row.
The origin marks its answers for the edge only with EDGE_PURGE_URL set: `run.py --edge` sets
it for the whole run, so the origin rows of such a run include SurrogateKeyMiddleware.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import time
from typing import Any

from bench.driver.environment import OUT, Server, fetch, free_port, log
from bench.driver.wrk import run_wrk, wrk_script
from config.edge import varnish

# Edge rows and the origin endpoint each one reads through Varnish.
EDGE_ENDPOINTS = {"edge_detail": "detail", "edge_list": "list"}
REFERENCE = "limit"


def edge_port() -> int:
    """The port Varnish will listen on (chosen before the servers start: EDGE_PURGE_URL)."""
    return free_port()


def edge_missing() -> str | None:
    return varnish.missing()


class Edge:
    """varnishd in front of `origin`, on `port`, in bench/out/edge-<label>/."""

    def __init__(self, origin: Server, port: int, label: str) -> None:
        self.origin = origin
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.workdir = OUT / f"edge-{label}"
        self.log_path = OUT / f"varnish-{label}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        vcl = varnish.prepare(origin=f"127.0.0.1:{self.origin.port}", workdir=self.workdir)
        command = varnish.command(listen=f"127.0.0.1:{self.port}", vcl=vcl, workdir=self.workdir)
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"varnishd exited early; see {self.log_path}")
            try:
                if fetch(self.base + "/api/v1/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"varnishd did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _warm(edge: Edge, target: dict[str, Any], gzip: bool) -> None:
    """Read every path through the edge until it is a hit (in the variant wrk will ask for)."""
    headers = {**(target.get("headers") or {}), **({"Accept-Encoding": "gzip"} if gzip else {})}
    for path in target["paths"]:
        for _ in range(3):
            status, answer, _ = fetch(edge.base + path, headers)
            if status == 200 and answer.get("X-Cache") == "HIT":
                break
        else:
            raise SystemExit(f"{path} is not a cache hit through the edge ({status}).")


def measure_edge(
    args: argparse.Namespace,
    wrk: str,
    server: Server,
    count: int,
    slice_s: int,
    targets: dict[str, Any],
    cells: dict[str, Any],
    rounds: dict[str, list[dict[str, Any]]],
    names: list[str],
) -> None:
    """Measure `names` (edge rows) through Varnish, with the limit again in each round."""
    port = int(str(args.edge_url).rstrip("/").rsplit(":", 1)[1])
    edge = Edge(server, port, str(count))
    edge.start()
    try:
        scripts = {}
        for name in names:
            target = targets[EDGE_ENDPOINTS[name]]
            _warm(edge, target, args.gzip)
            status, headers, body = fetch(edge.base + target["paths"][0])
            cells[name] = {
                "status": status,
                "bytes": len(body),
                "bytes_gzip": None,
                "path": target["paths"][0],
                "paths": len(target["paths"]),
                "x_cache": headers.get("X-Cache"),
                "references": {REFERENCE: []},
            }
            scripts[name] = wrk_script(f"{count}-{name}", target, args.threads)
            if args.warmup > 0:
                run_wrk(args, wrk, edge.base, scripts[name], args.warmup, args.gzip)
        reference = wrk_script(f"{count}-edge-{REFERENCE}", targets[REFERENCE], args.threads)
        for _ in range(args.rounds):
            limit = run_wrk(args, wrk, server.base, reference, slice_s, args.gzip)
            for name in names:
                rounds.setdefault(name, []).append(
                    run_wrk(args, wrk, edge.base, scripts[name], slice_s, args.gzip)
                )
                cells[name]["references"][REFERENCE].append(limit["rps"])
        log(
            f"size {count}: through the edge "
            + ", ".join(
                f"{n} {sum(r['rps'] for r in rounds[n]) / len(rounds[n]):.0f} req/s" for n in names
            )
            + f" (limit {sum(cells[names[0]]['references'][REFERENCE]) / args.rounds:.0f})"
        )
    finally:
        edge.stop()
