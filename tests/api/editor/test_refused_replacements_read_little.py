"""A whole replacement (PUT) and a new translation check the treatment, If-Match and the body
before they read the treatment's parts: a refused one reads the treatment's row, not its steps,
risks, rules ... (one query per kind of part, for an answer that never shows them)."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from treatments.documents.rows import CHILD_RELATIONS
from treatments.models import Treatment

from .conftest import BASE, etag_of

pytestmark = pytest.mark.django_db


def _part_tables() -> set[str]:
    return {
        Treatment._meta.get_field(name).related_model._meta.db_table  # type: ignore[union-attr]
        for name in CHILD_RELATIONS
    }


def _tables_read(queries: CaptureQueriesContext) -> set[str]:
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return {table for table in _part_tables() if f'"{table}"' in sql}


@pytest.mark.parametrize(
    ("body", "if_match", "status"),
    [
        ({"title": 5}, "current", 400),  # a body the content model refuses
        ({"title": "Never written."}, "stale", 412),  # another version
        ({"title": "Never written."}, None, 428),  # no If-Match
    ],
)
def test_a_refused_whole_replacement_reads_none_of_the_parts(
    clients: dict[str, Any],
    seed_draft: Treatment,
    body: dict[str, Any],
    if_match: str | None,
    status: int,
) -> None:
    current = etag_of(seed_draft)
    headers = {}
    if if_match == "current":
        headers["If-Match"] = current
    elif if_match == "stale":
        headers["If-Match"] = f'"wc-{seed_draft.pk.hex}-v{seed_draft.version + 1}"'
    with CaptureQueriesContext(connection) as queries:
        response = clients["editor"].request(
            "PUT", f"{BASE}/treatments/{seed_draft.pk}/", body=json.dumps(body), **headers
        )
    assert response.status_code == status, response.content[:300]
    assert _tables_read(queries) == set()
    assert etag_of(seed_draft) == current


def test_an_accepted_whole_replacement_answers_with_every_part(
    clients: dict[str, Any], seed_draft: Treatment
) -> None:
    # The same request with a whole, valid body: the answer is the working copy, parts included
    # (they are read once, for the answer). The check above would pass if nothing were read.
    editor = clients["editor"]
    path = f"{BASE}/treatments/{seed_draft.pk}/"
    content = editor.request("GET", path).json()["content"]
    with CaptureQueriesContext(connection) as queries:
        response = editor.request(
            "PUT",
            path,
            body=json.dumps({**content, "summary": "Changed whole."}),
            **{"If-Match": etag_of(seed_draft)},
        )
    assert response.status_code == 200, response.content[:500]
    assert response.json()["content"]["summary"] == "Changed whole."
    assert response.json()["content"]["procedure"] == content["procedure"]
    assert _tables_read(queries) == _part_tables()


@pytest.mark.parametrize(
    "body",
    [
        {"language": "es"},  # no content
        {"language": "es", "content": {"title": 5}},  # content the model refuses
    ],
)
def test_a_refused_translation_reads_none_of_the_sources_parts(
    clients: dict[str, Any], seed_draft: Treatment, body: dict[str, Any]
) -> None:
    before = etag_of(seed_draft)
    with CaptureQueriesContext(connection) as queries:
        response = clients["editor"].request(
            "POST", f"{BASE}/treatments/{seed_draft.pk}/translations/", body=json.dumps(body)
        )
    assert response.status_code == 400, response.content[:300]
    assert _tables_read(queries) == set()
    assert etag_of(seed_draft) == before
    assert not seed_draft.translations.exists()
