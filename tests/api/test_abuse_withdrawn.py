"""Polling a withdrawn treatment is cheap: its 410 is remembered and logged once, not each time.

Once a worker has found a key withdrawn, the 410 is answered from its memory without a
database query (until the change log moves on: a publish in this process forgets it at once),
and Django's per-request warning is replaced by one line per key and interval.
"""

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from api.live import documents
from api.live.memories import withdrawn_documents
from treatments.models import Treatment
from treatments.services import treatment_publish, treatment_unpublish

pytestmark = pytest.mark.django_db

SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"
WITHDRAWN_READS = [
    DETAIL,
    f"{DETAIL}revisions/",
    f"{DETAIL}jsonld/",
    f"{DETAIL}fhir/",
    f"/embed/v1/treatments/{SLUG}/",
]


@pytest.fixture
def withdrawn(
    seed_published: Treatment, settings: Any, django_capture_on_commit_callbacks: Any
) -> Iterator[Treatment]:
    settings.PUBLIC_MEMORY_TTL = 60.0
    withdrawn_documents().clear()
    documents._gone_logged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        treatment_unpublish(treatment_id=seed_published.pk, expected_version=None, actor=None)
    yield seed_published
    documents._gone_logged.clear()


@pytest.mark.parametrize("path", WITHDRAWN_READS)
def test_a_known_withdrawal_is_answered_without_a_query(
    client: Client, withdrawn: Treatment, path: str, django_assert_num_queries: Any
) -> None:
    assert client.get(path).status_code == 410
    with django_assert_num_queries(0):
        for _ in range(5):
            assert client.get(path).status_code == 410


def test_the_remembered_410_says_what_the_first_one_said(
    client: Client, withdrawn: Treatment
) -> None:
    first = client.get(DETAIL)
    again = client.get(DETAIL)
    assert again.status_code == 410 and again.json() == first.json()
    assert again.json()["withdrawn_at"]


def test_publishing_again_forgets_the_withdrawal_at_once(
    client: Client, withdrawn: Treatment, django_capture_on_commit_callbacks: Any
) -> None:
    assert client.get(DETAIL).status_code == 410
    assert client.get(f"/embed/v1/treatments/{SLUG}/").status_code == 410
    with django_capture_on_commit_callbacks(execute=True):
        treatment_publish(treatment_id=withdrawn.pk, expected_version=None, actor=None)
    assert client.get(DETAIL).status_code == 200
    assert client.get(f"/embed/v1/treatments/{SLUG}/").status_code == 200


def test_polling_a_withdrawn_treatment_logs_once_not_a_warning_per_request(
    client: Client, withdrawn: Treatment, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        for _ in range(40):
            assert client.get(DETAIL).status_code == 410
        for _ in range(5):
            assert client.get(f"/embed/v1/treatments/{SLUG}/").status_code == 410
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [], [r.getMessage() for r in warnings]
    gone = [r for r in caplog.records if r.name == "api.live.documents"]
    assert len(gone) == 2, "one line for the API document, one for the card"


def test_other_client_errors_are_still_logged(
    client: Client, withdrawn: Treatment, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/api/v1/treatments/no-such-treatment/").status_code == 404
    assert any(r.name == "django.request" for r in caplog.records)
