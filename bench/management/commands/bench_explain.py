"""Show PostgreSQL's plan for the searches the API runs: EXPLAIN (ANALYZE, BUFFERS) of each.

Reads a JSON list of search paths (e.g. ``/api/v1/treatments/?q=hip%20bone``) from stdin,
requests each once through Django's test client, captures the SQL of its page query (the one
that reads ``search_vector``) and writes ``{path: {"sql", "plan"}}`` to stdout, the plan being
the text of ``EXPLAIN (ANALYZE, BUFFERS)`` of that exact statement, run right after. The bench
report shows it beside the first-time search row (`bench/driver/report.py`).
"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def search_statement(path: str) -> str:
    """The SQL of the page query the API runs for this search path."""
    with CaptureQueriesContext(connection) as captured:
        status = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1").get(path).status_code
    if status != 200:
        raise CommandError(f"{path} answered {status}.")
    statements = [q["sql"] for q in captured.captured_queries if "search_vector" in q["sql"]]
    if not statements:
        raise CommandError(f"{path} ran no full-text query (answered from memory, or not PG).")
    return statements[0]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


class Command(BaseCommand):
    help = "EXPLAIN (ANALYZE, BUFFERS) the page query of each search path (JSON list on stdin)."

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("EXPLAIN of the full-text search needs PostgreSQL.")
        paths: list[str] = json.load(sys.stdin)
        plans = {}
        for path in paths:
            sql = search_statement(path)
            plans[path] = {"sql": sql, "plan": explain(sql)}
        sys.stdout.write(json.dumps(plans))
