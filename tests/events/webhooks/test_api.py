"""The partner webhooks API over HTTP: key auth, isolation, registration rules, the log."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from api.partner_keys import forget_all_keys
from events.webhooks.models import Delivery, WebhookEndpoint
from partners.services import api_key_issue
from tests.events.support import run_tasks

from .receiver import Receiver

BASE = "/api/v1/webhooks/endpoints/"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def fresh_key_memory() -> Iterator[None]:
    forget_all_keys()
    yield
    forget_all_keys()


@pytest.fixture
def key(partner: Any) -> str:
    return api_key_issue(partner, name="server")[1]


@pytest.fixture
def other_key(other_partner: Any) -> str:
    return api_key_issue(other_partner, name="server")[1]


def _post(client: Client, path: str, body: Any = None, *, key: str) -> Any:
    return client.post(
        path, body if body is not None else {}, content_type="application/json", HTTP_X_API_KEY=key
    )


def test_a_partner_registers_an_endpoint_and_sees_its_secret_once(
    client: Client, key: str, receiver: Receiver, local_webhooks: Any
) -> None:
    created = _post(
        client, BASE, {"url": receiver.url(), "event_types": ["treatment.withdrawn"]}, key=key
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["treatment.withdrawn"] and body["enabled"] is True
    assert created["Location"] == f"{BASE}{body['id']}/"
    assert created["Cache-Control"] == "private, no-store"

    listed = client.get(BASE, HTTP_X_API_KEY=key)
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()] == [body["id"]]
    assert "secret" not in listed.json()[0]
    detail = client.get(f"{BASE}{body['id']}/", HTTP_X_API_KEY=key)
    assert detail.status_code == 200 and "secret" not in detail.json()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https://10.0.0.1/hook", "private address"),
        ("https://[::ffff:10.0.0.1]/hook", "IPv4-mapped"),
        ("http://127.0.0.1:9/hook", "must use https"),
        ("https://127.0.0.1:9/hook", "loopback"),
    ],
)
def test_unsafe_urls_are_refused_with_a_400_that_says_why(
    client: Client, key: str, url: str, why: str
) -> None:
    answer = _post(client, BASE, {"url": url}, key=key)
    assert answer.status_code == 400
    assert answer["Content-Type"] == PROBLEM
    assert answer.json()["errors"][0]["pointer"] == "/url"
    assert why in answer.json()["errors"][0]["message"]
    assert WebhookEndpoint.objects.count() == 0


def test_development_mode_allows_loopback_http_but_not_private_addresses(
    client: Client, key: str, local_webhooks: Any
) -> None:
    assert _post(client, BASE, {"url": "http://127.0.0.1:9/hook"}, key=key).status_code == 201
    for url in ("http://10.0.0.1/hook", "https://169.254.169.254/", "http://[::ffff:10.0.0.1]/"):
        assert _post(client, BASE, {"url": url}, key=key).status_code == 400, url


def test_unknown_event_types_and_fields_are_refused(
    client: Client, key: str, local_webhooks: Any
) -> None:
    answer = _post(
        client, BASE, {"url": "http://127.0.0.1:9/", "event_types": ["treatment.eaten"]}, key=key
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/event_types/0"


def test_the_api_needs_a_secret_key(client: Client, partner: Any) -> None:
    missing = client.get(BASE)
    assert missing.status_code == 401
    assert missing["Content-Type"] == PROBLEM
    assert "Api-Key" in missing["WWW-Authenticate"]
    assert client.get(BASE, HTTP_X_API_KEY="tks_nonsense.nonsense").status_code == 401
    partner.allowed_origins = ["https://clinic.example"]
    partner.save()
    publishable = api_key_issue(partner, name="site", publishable=True)[1]
    refused = client.get(BASE, HTTP_X_API_KEY=publishable, HTTP_ORIGIN="https://clinic.example")
    assert refused.status_code == 403 and "secret key" in refused.json()["detail"]


def test_a_partner_never_sees_or_changes_another_partners_endpoints(
    client: Client, key: str, other_key: str, receiver: Receiver, local_webhooks: Any
) -> None:
    theirs = _post(client, BASE, {"url": receiver.url()}, key=other_key).json()["id"]
    assert client.get(BASE, HTTP_X_API_KEY=key).json() == []
    item = f"{BASE}{theirs}/"
    assert client.get(item, HTTP_X_API_KEY=key).status_code == 404
    patched = client.patch(
        item, {"enabled": False}, content_type="application/json", HTTP_X_API_KEY=key
    )
    assert patched.status_code == 404
    assert client.delete(item, HTTP_X_API_KEY=key).status_code == 404
    for action in ("ping/", "rotate-secret/"):
        assert _post(client, item + action, key=key).status_code == 404
    assert client.get(item + "deliveries/", HTTP_X_API_KEY=key).status_code == 404
    endpoint = WebhookEndpoint.objects.get(pk=theirs)
    assert endpoint.enabled and Delivery.objects.count() == 0


def test_patch_disables_and_enables_and_delete_removes(
    client: Client, key: str, receiver: Receiver, local_webhooks: Any
) -> None:
    item = f"{BASE}{_post(client, BASE, {'url': receiver.url()}, key=key).json()['id']}/"
    off = client.patch(
        item, {"enabled": False}, content_type="application/json", HTTP_X_API_KEY=key
    )
    assert off.status_code == 200
    assert (off.json()["enabled"], off.json()["disabled_reason"]) == (
        False,
        "Disabled by the partner.",
    )
    refused = client.patch(
        item, {"url": "https://10.0.0.1/"}, content_type="application/json", HTTP_X_API_KEY=key
    )
    assert refused.status_code == 400
    assert client.get(item, HTTP_X_API_KEY=key).json()["url"] == receiver.url(), "unchanged"
    on = client.patch(item, {"enabled": True}, content_type="application/json", HTTP_X_API_KEY=key)
    assert (on.json()["enabled"], on.json()["disabled_reason"]) == (True, "")
    assert client.delete(item, HTTP_X_API_KEY=key).status_code == 204
    assert client.get(item, HTTP_X_API_KEY=key).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_ping_rotate_and_the_delivery_log(
    client: Client, key: str, receiver: Receiver, local_webhooks: Any
) -> None:
    created = _post(client, BASE, {"url": receiver.url()}, key=key).json()
    item = f"{BASE}{created['id']}/"
    rotated = _post(client, item + "rotate-secret/", key=key)
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != created["secret"] and rotated.json()["previous_secret_expires_at"]

    ping = _post(client, item + "ping/", key=key)
    assert ping.status_code == 202
    assert ping.json()["event_type"] == "webhook.ping" and ping.json()["state"] == "pending"
    run_tasks()
    message = receiver.requests[0]
    Webhook(created["secret"]).verify(message.body, message.headers)
    Webhook(new_secret).verify(message.body, message.headers)

    log = client.get(item + "deliveries/", HTTP_X_API_KEY=key)
    assert log.status_code == 200
    (delivery,) = log.json()["results"]
    assert delivery["webhook_id"] == message.headers["webhook-id"]
    assert delivery["state"] == "delivered"
    assert delivery["attempt_log"][0]["status_code"] == 200
    assert delivery["attempt_log"][0]["response_excerpt"] == "ok"
    bad = client.get(item + "deliveries/?colour=red", HTTP_X_API_KEY=key)
    assert bad.status_code == 400
