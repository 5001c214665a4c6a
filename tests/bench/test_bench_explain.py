"""`manage.py bench_explain`: PostgreSQL's plan of a search, as the API runs it."""

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench.management.commands.bench_explain import Command as BenchExplain

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/treatments/?q=hip%20bone"


def test_it_explains_the_page_query_of_a_search(
    seed_published: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([SEARCH])))
    call_command(BenchExplain())
    found = json.loads(capsys.readouterr().out)[SEARCH]
    assert "search_vector @@ websearch_to_tsquery" in found["sql"]
    assert "ORDER BY" in found["sql"] and "LIMIT" in found["sql"]
    assert "Execution Time" in found["plan"] and "actual time" in found["plan"]


def test_it_says_it_needs_postgresql(seed_published: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite leg checks the refusal")
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([SEARCH])))
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command(BenchExplain())
