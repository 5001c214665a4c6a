"""Editor writes of schema 1.2 fields: accepted whole, refused with a pointer to the field."""

from typing import Any

import pytest

from treatments.documents.build import build_content
from treatments.models import Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db
CRITERION = {
    "kind": "prior_procedure",
    "explanation": "After two successful test blocks (test text).",
    "subject": "test block",
    "count": 2,
    "count_relation": "at_least",
    "outcome": "successful",
}


def _patch(client: TokenClient, treatment: Treatment, body: dict[str, Any]) -> Any:
    return client.request(
        "PATCH", f"{BASE}/treatments/{treatment.pk}/", body, **{"If-Match": etag_of(treatment)}
    )


def test_an_editor_writes_eligibility_and_a_step_duration_in_seconds(
    clients: dict[str, TokenClient], seed_published: Any, seed_data: dict[str, Any]
) -> None:
    steps = seed_data["procedure"]["steps"]
    steps[1]["duration_ucum"] = {"min": 30, "max": 45.5, "unit": "s"}
    body = {"eligibility": [CRITERION], "procedure": {**seed_data["procedure"], "steps": steps}}
    response = _patch(clients["publisher"], seed_published, body)
    assert response.status_code == 200, response.content
    content = build_content(Treatment.objects.get(pk=seed_published.pk))
    assert content["eligibility"][0]["count"] == 2
    assert content["procedure"]["steps"][1]["duration_ucum"]["unit_display"] == "s"
    assert content["procedure"]["steps"][1]["duration"] is None, "1.0 has no seconds"


@pytest.mark.parametrize(
    ("criterion", "pointer"),
    [
        ({**CRITERION, "count_relation": None}, "/eligibility/0"),
        ({**CRITERION, "kind": "age"}, "/eligibility/0"),
        ({**CRITERION, "quantity": {"min": 1, "unit": "sec"}}, "/eligibility/0/quantity/unit"),
    ],
)
def test_bad_criteria_are_refused_with_a_pointer(
    clients: dict[str, TokenClient], seed_published: Any, criterion: Any, pointer: str
) -> None:
    response = _patch(clients["publisher"], seed_published, {"eligibility": [criterion]})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
