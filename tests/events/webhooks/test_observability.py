"""Observability: /metrics (Prometheus, never public) and the staff overview page in the admin."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from events.webhooks.models import Delivery, WebhookEndpoint
from events.webhooks.services import endpoint_ping
from tests.events.support import run_tasks
from treatments import services
from treatments.models import Treatment

from .receiver import Receiver

OVERVIEW = "/admin/webhooks/delivery/overview/"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_are_not_public_by_default(client: Client, db: Any) -> None:
    answer = client.get("/metrics")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"


def test_metrics_need_the_token_when_one_is_set(client: Client, db: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "a-long-scrape-token"
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the token is then required anyway
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-scrape-token")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer["Cache-Control"] == "private, no-store"


def test_metrics_from_an_allowed_network_without_a_token(
    client: Client, db: Any, settings: Any
) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 404
    # A forged X-Forwarded-For from an untrusted peer changes nothing.
    forged = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forged.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_metrics_count_the_queue_and_the_deliveries_per_endpoint(
    client: Client, seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    settings.METRICS_TOKEN = "t0ken"
    version = Treatment.objects.get(pk=seed_draft.pk).version
    services.treatment_publish(treatment_id=seed_draft.pk, expected_version=version, actor=None)
    before = _samples(client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken").content.decode())
    assert before[("treatments_tasks_queue_depth", (("queue", "default"),))] == 1
    assert before[("treatments_tasks_due", (("queue", "default"),))] == 1
    assert before[("treatments_tasks_oldest_due_age_seconds", (("queue", "default"),))] >= 0

    receiver.statuses = [500]
    run_tasks()
    after = _samples(client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken").content.decode())
    assert ("treatments_tasks_queue_depth", (("queue", "default"),)) not in after, "drained"
    assert after[("treatments_webhook_deliveries", (("state", "delivered"),))] == 1
    assert after[("treatments_webhook_attempts_total", (("outcome", "failed"),))] == 1
    assert after[("treatments_webhook_attempts_total", (("outcome", "succeeded"),))] == 1
    labels = (("endpoint", str(endpoint.pk)), ("partner", "Clinic Partner"))
    assert after[("treatments_webhook_endpoint_enabled", labels)] == 1
    assert after[("treatments_webhook_endpoint_deliveries", (*labels, ("state", "delivered")))] == 1


def test_the_overview_page_is_for_staff_only(client: Client, roles: dict[str, User]) -> None:
    client.force_login(roles["nobody"])
    assert client.get(OVERVIEW).status_code == 302, "to the admin's login"


@pytest.mark.django_db(transaction=True)
def test_the_overview_page_shows_queues_deliveries_and_endpoints(
    client: Client, superuser: User, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    endpoint_ping(endpoint)
    client.force_login(superuser)
    page = client.get(OVERVIEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>webhooks</td><td>1</td><td>1</td>" in html, "one ping waiting in its queue"
    assert endpoint.url in html and "Clinic Partner" in html


@pytest.mark.django_db(transaction=True)
def test_redeliver_from_the_admin_sends_the_same_message_again(
    client: Client, superuser: User, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    ping = endpoint_ping(endpoint)
    run_tasks()
    client.force_login(superuser)
    answer = client.post(
        "/admin/webhooks/delivery/",
        {"action": "redeliver", "_selected_action": [ping.pk]},
    )
    assert answer.status_code == 302
    run_tasks()
    assert [r.headers["webhook-id"] for r in receiver.requests] == [ping.message_id] * 2
    assert Delivery.objects.get().attempt_log.count() == 2


def test_the_admin_refuses_an_unsafe_url(client: Client, superuser: User, partner: Any) -> None:
    client.force_login(superuser)
    page = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"partner": partner.pk, "url": "https://169.254.169.254/", "event_types": "[]"},
    )
    assert page.status_code == 200
    assert "cloud metadata" in page.content.decode()
    assert WebhookEndpoint.objects.count() == 0
