"""Measure requests in-process against the benchmark database: SQL queries and wall time.

Reads a JSON list of ``{"name", "path", "headers"[, "n"][, "paths"]}`` from stdin and writes a
JSON object ``{name: {"status", "queries", "queries_cold", "cold_ms", "sql", "micros"}}`` to
stdout.

- Queries: each path is requested twice through Django's test client (the full middleware
  stack and URL map of the active settings), each inside ``CaptureQueriesContext`` on an
  already open connection: "queries_cold" counts the first request (empty in-process
  caches), "queries" the second (steady state, e.g. a per-worker document cache warm);
  "cold_ms" is the wall time of the first (e.g. building the bundle).
- ``paths`` (first-time searches): the second request asks ``paths[1]`` instead of ``path``
  again, and the timing cycles over ``paths``, so that no request is answered from memory.
- With ``--time N``: the wall time per request over N (or the probe's "n") requests through
  the WSGI handler (best of 5 batches), single-threaded and without network
  (see ``bench.wsgi_timing``).
"""

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.wsgi_timing import requester, time_per_request


class Command(BaseCommand):
    help = "Count SQL queries (and optionally time) requests of the given paths (JSON on stdin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--time", type=int, default=0, help="Also time N requests each.")
        parser.add_argument("--no-queries", action="store_true", help="Only time.")

    def handle(self, *args: Any, **options: Any) -> None:
        probes = json.load(sys.stdin)
        results: dict[str, Any] = {p["name"]: {} for p in probes}
        if not options["no_queries"]:
            client = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")
            for probe in probes:
                headers = probe.get("headers") or {}
                connection.ensure_connection()
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as cold:
                    # getvalue(): a streamed body (the bundle) reads its chunks as it is sent.
                    client.get(probe["path"], headers=headers).getvalue()
                cold_ms = (time.perf_counter() - started) * 1000
                connection.ensure_connection()
                again = (probe.get("paths") or [None, probe["path"]])[1]
                with CaptureQueriesContext(connection) as warm:
                    response = client.get(again, headers=headers)
                    response.getvalue()
                results[probe["name"]].update(
                    status=response.status_code,
                    queries_cold=len(cold.captured_queries),
                    queries=len(warm.captured_queries),
                    cold_ms=round(cold_ms, 1),
                    sql=[q["sql"][:300] for q in cold.captured_queries[:5]],
                )
        if options["time"]:
            app = get_wsgi_application()
            for probe in probes:
                one = requester(app, probe.get("paths") or probe["path"], probe.get("headers"))
                n = probe.get("n") or options["time"]
                results[probe["name"]]["micros"] = round(time_per_request(one, n))
        self.stdout.write(json.dumps(results))
