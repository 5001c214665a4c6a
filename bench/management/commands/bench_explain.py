"""Show PostgreSQL's plan for the searches the API runs: EXPLAIN (ANALYZE, BUFFERS) of each.

Reads a JSON list of search paths (e.g. ``/api/v1/treatments/?q=hip%20bone``) from stdin,
requests each once through Django's test client, captures the SQL of every statement of the
search (the band lookup, which reads ``treatments_search_band``, and each page query, which
reads a search vector) and writes ``{path: {"statements": [{"sql", "plan"}, ...]}}`` to
stdout, each plan being the text of ``EXPLAIN (ANALYZE, BUFFERS)`` of that exact statement,
run right after, in the order the API ran them. The bench report shows them beside the
first-time search row (`bench/driver/report.py`).
"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def search_statements(path: str) -> list[str]:
    """The SQL of the statements the API runs for this search path, in order."""
    with CaptureQueriesContext(connection) as captured:
        status = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1").get(path).status_code
    if status != 200:
        raise CommandError(f"{path} answered {status}.")
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if "search_vector" in q["sql"] or "treatments_search_band" in q["sql"]
    ]
    if not any("search_vector" in sql for sql in statements):
        raise CommandError(f"{path} ran no full-text query (answered from memory, or not PG).")
    return statements


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


class Command(BaseCommand):
    help = "EXPLAIN (ANALYZE, BUFFERS) the statements of each search path (JSON list on stdin)."

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("EXPLAIN of the full-text search needs PostgreSQL.")
        paths: list[str] = json.load(sys.stdin)
        plans = {}
        for path in paths:
            plans[path] = {
                "statements": [
                    {"sql": sql, "plan": explain(sql)} for sql in search_statements(path)
                ]
            }
        sys.stdout.write(json.dumps(plans))
