"""Writes refuse what would otherwise slip through: an empty PATCH body (400), and an If-Match
tag that is well-formed but names a version this API never issued (412, not 400)."""

import json
from typing import Any

import pytest

from treatments.models import Treatment

from .conftest import BASE, etag_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_write_without_a_body_is_a_400_and_writes_nothing(
    clients: dict[str, Any], seed_draft: Treatment, method: str
) -> None:
    before = etag_of(seed_draft)
    response = clients["editor"].request(
        method, f"{BASE}/treatments/{seed_draft.pk}/", body="", **{"If-Match": before}
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert "body is empty" in response.json()["detail"]
    assert etag_of(seed_draft) == before


def test_a_merge_patch_with_a_body_still_writes(
    clients: dict[str, Any], seed_draft: Treatment
) -> None:
    response = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{seed_draft.pk}/",
        body=json.dumps({"summary": "Changed with a body."}),
        **{"If-Match": etag_of(seed_draft)},
    )
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize("patch", [{"": None}, {"sumary": None}, {"sumary": "Typo."}])
def test_a_merge_patch_naming_an_unknown_field_is_a_400_not_a_silent_no_op(
    clients: dict[str, Any], seed_draft: Treatment, patch: dict[str, Any]
) -> None:
    before = etag_of(seed_draft)
    response = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{seed_draft.pk}/",
        body=json.dumps(patch),
        **{"If-Match": before},
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert "Unknown field" in response.content.decode()
    assert etag_of(seed_draft) == before


@pytest.mark.parametrize("digits", [10, 40, 5000])
def test_a_well_formed_if_match_with_a_version_never_issued_is_a_412(
    clients: dict[str, Any], seed_draft: Treatment, digits: int
) -> None:
    current = etag_of(seed_draft)
    response = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{seed_draft.pk}/",
        body=json.dumps({"summary": "Never written."}),
        **{"If-Match": f'"wc-{seed_draft.pk.hex}-v{"9" * digits}"'},
    )
    assert response.status_code == 412, response.content[:300]
    assert response["ETag"] == current
    assert "9" * 10 not in response.json()["detail"], "the unknown version is not echoed"
    assert etag_of(seed_draft) == current


def test_guessed_editor_tokens_are_charged_to_the_address_before_any_lookup(
    clients: dict[str, Any], seed_draft: Treatment, settings: Any
) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    cache.clear()  # no failures charged yet (Redis too)
    settings.API_KEY_FAILURE_RATE = "3/minute"
    guesser = Client(REMOTE_ADDR="203.0.113.60")
    url = f"{BASE}/treatments/"
    for _ in range(3):  # valid tokens are never charged
        assert clients["editor"].request("GET", url).status_code == 200
    statuses = [
        guesser.get(url, headers={"Authorization": f"Token {'f' * 64}"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 401]
    with CaptureQueriesContext(connection) as queries:
        refused = guesser.get(url, headers={"Authorization": f"Token {'e' * 64}"})
    assert refused.status_code == 429 and refused.json()["reason"] == "too-many-failed-keys"
    table = AuthToken._meta.db_table
    assert not [q for q in queries.captured_queries if table in q["sql"]], "no token lookup"
    cache.clear()
