"""A write commits only with its answer: a failure after the service ran writes nothing."""

from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken

from api.v1.editor import views
from treatments.models import AuditEntry, Treatment

from .conftest import BASE, etag_of

pytestmark = pytest.mark.django_db


def test_a_failure_while_answering_a_write_rolls_the_write_back(
    roles: dict[str, Any], seed_published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fault injection: the service saves, then building the answer fails (a bug, say).
    def broken(treatment: Any) -> Any:
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(views, "working_copy_data", broken)
    token = AuthToken.objects.create(user=roles["editor"])[1]
    client = Client(raise_request_exception=False, headers={"Authorization": f"Token {token}"})
    audits = AuditEntry.objects.count()
    response = client.patch(
        f"{BASE}/treatments/{seed_published.pk}/",
        data='{"summary": "Saved, then the answer failed."}',
        content_type="application/json",
        headers={"If-Match": etag_of(seed_published)},
    )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    treatment = Treatment.objects.get()
    assert (treatment.version, treatment.summary) == (
        seed_published.version,
        seed_published.summary,
    )
    assert AuditEntry.objects.count() == audits
