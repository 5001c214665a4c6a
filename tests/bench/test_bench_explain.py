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


def test_it_explains_every_statement_of_a_search(
    seed_published: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([SEARCH])))
    call_command(BenchExplain())
    statements = json.loads(capsys.readouterr().out)[SEARCH]["statements"]
    # The band lookup first, then the page query of the first band with matches.
    assert "treatments_search_band" in statements[0]["sql"]
    page = statements[-1]["sql"]
    assert "search_vector_banded @@ public.treatments_banded_query(" in page
    assert "ORDER BY" in page and "LIMIT" in page
    for statement in statements:
        assert "Execution Time" in statement["plan"] and "actual time" in statement["plan"]


def test_it_says_it_needs_postgresql(seed_published: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite leg checks the refusal")
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([SEARCH])))
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command(BenchExplain())
