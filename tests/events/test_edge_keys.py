"""Surrogate keys: which answers carry which keys (api/edge.py), which keys a change purges
(events/edge.py), and the purge handler's retries. Varnish itself: test_edge_varnish.py."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events import edge
from events.handlers import handlers_for
from events.models import HandlerRun, OutboxEvent
from partners.services import api_key_issue, partner_create
from tests.conftest import edit_and_publish
from tests.events.support import run_tasks
from tests.processes import free_port
from treatments import services
from treatments.models import Treatment

SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"


@pytest.fixture
def edge_on(settings: Any) -> Iterator[str]:
    """An edge named in the settings (nothing listens there: purges fail and are retried)."""
    url = f"http://127.0.0.1:{free_port()}/"
    settings.EDGE_PURGE_URL = url
    settings.EDGE_MAX_AGE = 600
    edge.edge_register()
    yield url
    settings.EDGE_PURGE_URL = ""
    edge.edge_register()


def _keys(response: Any) -> list[str]:
    return str(response.get("xkey", "")).split()


@pytest.mark.django_db
def test_public_answers_carry_their_keys_and_the_edge_ttl(
    client: Client, seed_published: Treatment, edge_on: str, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0  # the second read comes from HotReadMiddleware
    first, hot = client.get(DETAIL), client.get(DETAIL)
    for response in (first, hot):
        assert response.status_code == 200
        assert _keys(response) == ["all", f"treatment:{SLUG}"]
        assert response["Surrogate-Control"] == "max-age=600"
    upper = str(seed_published.pk).upper()
    assert _keys(client.get(f"/api/v1/treatments/{upper}/")) == [
        "all",
        f"treatment:{upper}",
        f"treatment:{seed_published.pk}",
    ]
    expected = {
        "/api/v1/treatments/": ["all", "treatments"],
        "/api/v1/treatments/?q=marrow": ["all", "treatments"],
        "/api/v1/treatments/?category=pain-treatments": ["all", "category:pain-treatments"],
        "/api/v1/categories/": ["all", "categories"],
        "/api/v1/sync/": ["all", "sync"],
        "/api/v1/bundle/": ["all", "bundle"],
        "/api/v1/": ["all", "static"],
        f"{DETAIL}revisions/": ["all", f"treatment:{SLUG}"],
        f"/embed/v1/treatments/{SLUG}/": ["all", f"treatment:{SLUG}"],
        f"/api/oembed/?url=https://example.org/embed/v1/treatments/{SLUG}/": [
            "all",
            f"treatment:{SLUG}",
        ],
        # A miss is shared too, and purged when a treatment is published under that slug.
        "/api/v1/treatments/not-yet/": ["all", "treatment:not-yet"],
    }
    for path, keys in expected.items():
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert _keys(response) == keys, path


@pytest.mark.django_db
def test_nothing_private_dated_or_failed_is_marked_for_sharing(
    client: Client, seed_published: Treatment, edge_on: str, django_user_model: Any
) -> None:
    partner = partner_create(name="Edge", contact_email="edge@example.org")
    _, raw = api_key_issue(partner, name="edge")
    keyed = client.get(DETAIL, headers={"X-Api-Key": raw})
    assert keyed.status_code == 200 and "xkey" not in keyed
    assert "Surrogate-Control" not in keyed
    # Answers that depend on the date, errors, writes and the editor API are never marked.
    for path in ("/api/v1/treatments/?review_status=overdue", "/api/v1/treatments/?nope=1"):
        assert "xkey" not in client.get(path), path
    assert "xkey" not in client.post(DETAIL)
    assert "xkey" not in client.get("/api/v1/editor/treatments/")
    user = django_user_model.objects.create_user("reader", password="x")
    client.force_login(user)  # a session: whatever it reads is the reader's own
    assert "xkey" not in client.get(DETAIL)


@pytest.mark.django_db
def test_without_an_edge_no_headers_and_no_purges(client: Client, seed_published: Any) -> None:
    response = client.get(DETAIL)
    assert "xkey" not in response and "Surrogate-Control" not in response
    assert all(h.name != edge.HANDLER_NAME for h in handlers_for("treatment.withdrawn"))


def test_a_change_purges_its_treatment_by_id_and_every_slug_and_the_lists() -> None:
    payload = {
        "treatment": {
            "id": "0b7f1bd2-36a4-4c2e-9d8b-4b1f8f0e5a11",
            "slug": "new-name",
            "slugs": ["new-name", "old-name"],
        },
        "category": "pain-treatments",
        "previous_category": "joint-treatments",
    }
    assert edge.payload_surrogate_keys(payload) == [
        "bundle",
        "categories",
        "category:joint-treatments",
        "category:pain-treatments",
        "sync",
        "treatment:0b7f1bd2-36a4-4c2e-9d8b-4b1f8f0e5a11",
        "treatment:new-name",
        "treatment:old-name",
        "treatments",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_purge_that_cannot_reach_the_edge_is_retried_and_publishing_is_untouched(
    seed_published: Treatment, edge_on: str
) -> None:
    services.treatment_unpublish(treatment_id=seed_published.pk, expected_version=None, actor=None)
    event = OutboxEvent.objects.get(type="treatment.withdrawn")
    assert f"treatment:{seed_published.pk}" in edge.payload_surrogate_keys(event.payload)
    run_tasks()
    run = HandlerRun.objects.get(event=event, handler=edge.HANDLER_NAME)
    assert (run.status, run.attempts) == ("pending", 1)
    assert "Connection refused" in run.last_error
    assert run.next_attempt_at is not None and run.next_attempt_at > timezone.now()

    # Past the horizon every answer cached before the change has expired: nothing to purge.
    OutboxEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=600 + edge.EDGE_GRACE_SECONDS + 1)
    )
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_tasks()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("succeeded", 2)


@pytest.mark.django_db
def test_every_public_change_records_a_purge_run(seed_published: Treatment, edge_on: str) -> None:
    edit_and_publish(seed_published.pk, lambda c: c.update(summary="A newer summary."))
    event = OutboxEvent.objects.order_by("-id").first()
    assert event is not None and event.type == "treatment.updated"
    assert HandlerRun.objects.filter(event=event, handler=edge.HANDLER_NAME).exists()
