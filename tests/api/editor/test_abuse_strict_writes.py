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
