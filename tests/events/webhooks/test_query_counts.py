"""The webhooks API reads in a fixed number of queries, whatever the number of rows."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.webhooks.models import Attempt, Delivery, WebhookEndpoint
from events.webhooks.signing import secret_generate
from partners.services import api_key_issue

BASE = "/api/v1/webhooks/endpoints/"


def _endpoints(partner: Any, n: int) -> list[WebhookEndpoint]:
    return [
        WebhookEndpoint.objects.create(
            partner=partner, url=f"https://hooks{i}.clinic.example/", secret=secret_generate()
        )
        for i in range(n)
    ]


def _deliveries(endpoint: WebhookEndpoint, n: int) -> None:
    for i in range(n):
        delivery = Delivery.objects.create(endpoint=endpoint, event_type="webhook.ping", body="{}")
        for status in (500, 200)[: 1 + i % 2]:
            Attempt.objects.create(delivery=delivery, status_code=status, succeeded=status == 200)


def _queries(client: Client, path: str, key: str) -> int:
    client.get(path, HTTP_X_API_KEY=key)  # the key is remembered and touched once
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, HTTP_X_API_KEY=key)
    assert answer.status_code == 200
    return len(queries)


@pytest.mark.parametrize("n", [1, 30])
def test_listing_endpoints_takes_one_query(client: Client, partner: Any, n: int) -> None:
    key = api_key_issue(partner, name="server")[1]
    _endpoints(partner, n)
    assert _queries(client, BASE, key) == 1


@pytest.mark.parametrize("n", [1, 20])
def test_a_page_of_deliveries_takes_three_queries(client: Client, partner: Any, n: int) -> None:
    key = api_key_issue(partner, name="server")[1]
    (endpoint,) = _endpoints(partner, 1)
    _deliveries(endpoint, n)
    # The endpoint, the page of deliveries (with their events), their attempts.
    assert _queries(client, f"{BASE}{endpoint.pk}/deliveries/", key) == 3
