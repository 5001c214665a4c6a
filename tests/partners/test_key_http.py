"""API keys over HTTP: where they travel, the 401/400/403 shapes, origins, and revocation."""

import datetime as dt
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from api.live.memories import hot_documents
from api.partner_keys import (
    WWW_AUTHENTICATE,
    ApiKeyAuthentication,
    forget_all_keys,
    publishable_key_origins,
)
from partners.models import ApiKey, Partner
from partners.services import api_key_issue, api_key_revoke, api_key_rotate, partner_update

from .conftest import CLINIC

pytestmark = pytest.mark.django_db

SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"
PROBLEM = "application/problem+json"


@pytest.fixture(params=["drf", "hot"])
def path(request: Any, client: Client, seed_published: Any, settings: Any) -> str:
    """The detail URL, answered through DRF (cold) or from this worker's memory (hot)."""
    if request.param == "hot":
        settings.PUBLIC_MEMORY_TTL = 60.0
        assert client.get(DETAIL).status_code == 200  # an anonymous read warms the memory
        assert hot_documents().get(SLUG) is not None
    return DETAIL


@pytest.fixture
def secret(partner: Partner) -> tuple[ApiKey, str]:
    return api_key_issue(partner, name="server")


@pytest.fixture
def publishable(partner: Partner) -> tuple[ApiKey, str]:
    return api_key_issue(partner, name="website", publishable=True)


def _expire_now(key: ApiKey) -> None:
    """Move a key's life into the past, as if its expiry had passed."""
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(
        created_at=now - dt.timedelta(hours=2), expires_at=now - dt.timedelta(seconds=1)
    )


def _assert_problem(response: Any, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["reason"] == reason, body
    if status == 401:
        assert response["WWW-Authenticate"] == WWW_AUTHENTICATE
    return body


@pytest.mark.parametrize("header", ["HTTP_X_API_KEY", "HTTP_AUTHORIZATION"])
def test_a_valid_key_in_either_header_reads_the_document(
    client: Client, path: str, secret: tuple[ApiKey, str], header: str
) -> None:
    raw = secret[1]
    value = raw if header == "HTTP_X_API_KEY" else f"Api-Key {raw}"
    extra: dict[str, Any] = {header: value}
    response = client.get(path, **extra)
    assert response.status_code == 200
    assert response.json()["slug"] == SLUG


def test_the_scheme_name_is_case_insensitive(
    client: Client, path: str, secret: tuple[ApiKey, str]
) -> None:
    assert client.get(path, HTTP_AUTHORIZATION=f"api-key {secret[1]}").status_code == 200


def test_the_key_becomes_request_auth_and_the_user_stays_anonymous(
    secret: tuple[ApiKey, str],
) -> None:
    from rest_framework.request import Request

    request = Request(APIRequestFactory().get("/", HTTP_X_API_KEY=secret[1]))
    request.authenticators = [ApiKeyAuthentication()]
    assert isinstance(request.auth, ApiKey) and request.auth.pk == secret[0].pk
    assert request.auth.prefix == secret[0].prefix
    assert request.auth.partner.requests_per_minute == 600 and request.auth.partner.burst == 20
    assert not request.user.is_authenticated and not request.user.is_staff


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("tks_aaaaaaaaaa." + "A" * 43, "unknown"),
        ("not-a-key", "malformed"),
        ("tks_short.secret", "malformed"),
    ],
)
def test_an_unknown_or_malformed_key_is_a_401_problem(
    client: Client, path: str, value: str, reason: str
) -> None:
    _assert_problem(client.get(path, HTTP_X_API_KEY=value), 401, reason)


def test_a_right_prefix_with_a_wrong_secret_is_a_401(
    client: Client, path: str, secret: tuple[ApiKey, str]
) -> None:
    raw = secret[1]
    forged = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    _assert_problem(client.get(path, HTTP_X_API_KEY=forged), 401, "unknown")


def test_an_empty_key_header_is_a_401(client: Client, path: str) -> None:
    _assert_problem(client.get(path, HTTP_X_API_KEY=" "), 401, "malformed")
    _assert_problem(client.get(path, HTTP_AUTHORIZATION="Api-Key"), 401, "malformed")


def test_our_key_under_another_scheme_is_a_401_not_anonymous(
    client: Client, path: str, secret: tuple[ApiKey, str]
) -> None:
    body = _assert_problem(
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret[1]}"), 401, "wrong-scheme"
    )
    assert "Api-Key" in body["detail"]


def test_two_different_keys_are_a_401(
    client: Client, path: str, secret: tuple[ApiKey, str], partner: Partner
) -> None:
    _, other = api_key_issue(partner, name="other")
    response = client.get(path, HTTP_X_API_KEY=secret[1], HTTP_AUTHORIZATION=f"Api-Key {other}")
    _assert_problem(response, 401, "ambiguous")


def test_an_expired_key_is_a_401(client: Client, path: str, partner: Partner) -> None:
    key, raw = api_key_issue(
        partner, name="short", expires_at=timezone.now() + dt.timedelta(seconds=30)
    )
    _expire_now(key)
    body = _assert_problem(client.get(path, HTTP_X_API_KEY=raw), 401, "expired")
    assert "replacement" in body["detail"]


def test_a_revoked_key_is_refused_at_once_by_this_worker(
    client: Client, path: str, secret: tuple[ApiKey, str], django_capture_on_commit_callbacks: Any
) -> None:
    key, raw = secret
    assert client.get(path, HTTP_X_API_KEY=raw).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(key)
    _assert_problem(client.get(path, HTTP_X_API_KEY=raw), 401, "revoked")


def test_a_revocation_by_another_worker_is_seen_within_the_cache_time(
    client: Client, path: str, secret: tuple[ApiKey, str], settings: Any
) -> None:
    settings.API_KEY_CACHE_SECONDS = 0.3
    key, raw = secret
    assert client.get(path, HTTP_X_API_KEY=raw).status_code == 200
    # Another worker revoked it: this worker's memory did not hear about it.
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    assert client.get(path, HTTP_X_API_KEY=raw).status_code == 200, "remembered, as documented"
    time.sleep(0.35)
    _assert_problem(client.get(path, HTTP_X_API_KEY=raw), 401, "revoked")


def test_a_suspended_partner_s_keys_are_a_401(
    client: Client,
    path: str,
    secret: tuple[ApiKey, str],
    partner: Partner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert client.get(path, HTTP_X_API_KEY=secret[1]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner=partner, is_active=False)
    _assert_problem(client.get(path, HTTP_X_API_KEY=secret[1]), 401, "suspended")


def test_both_keys_work_during_a_rotation_and_the_old_stops_after(
    client: Client, path: str, secret: tuple[ApiKey, str]
) -> None:
    old, old_raw = secret
    _, new_raw = api_key_rotate(old, overlap=dt.timedelta(hours=1))
    assert client.get(path, HTTP_X_API_KEY=old_raw).status_code == 200
    assert client.get(path, HTTP_X_API_KEY=new_raw).status_code == 200
    # The overlap ends (moved into the past here), and the remembered copy ages out.
    _expire_now(old)
    forget_all_keys()
    _assert_problem(client.get(path, HTTP_X_API_KEY=old_raw), 401, "expired")
    assert client.get(path, HTTP_X_API_KEY=new_raw).status_code == 200


@pytest.mark.parametrize("name", ["api_key", "apikey", "API-KEY", "key", "x-api-key"])
def test_a_key_in_the_query_string_is_a_400(
    client: Client, path: str, secret: tuple[ApiKey, str], name: str
) -> None:
    body = _assert_problem(client.get(path, {name: secret[1]}), 400, "key-in-query")
    assert "header" in body["detail"]


def test_a_key_value_under_any_query_name_is_a_400(
    client: Client, secret: tuple[ApiKey, str], seed_published: Any
) -> None:
    response = client.get("/api/v1/treatments/", {"q": secret[1]})
    _assert_problem(response, 400, "key-in-query")


def test_a_key_in_the_query_is_refused_even_beside_a_valid_header(
    client: Client, secret: tuple[ApiKey, str], seed_published: Any
) -> None:
    response = client.get("/api/v1/treatments/", {"api_key": "x"}, HTTP_X_API_KEY=secret[1])
    _assert_problem(response, 400, "key-in-query")


def test_a_publishable_key_works_from_its_partner_s_origin(
    client: Client, path: str, publishable: tuple[ApiKey, str]
) -> None:
    response = client.get(path, HTTP_X_API_KEY=publishable[1], HTTP_ORIGIN=CLINIC)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://clinic.example", "null", None])
def test_a_publishable_key_from_any_other_origin_is_a_403(
    client: Client, path: str, publishable: tuple[ApiKey, str], origin: str | None
) -> None:
    extra: dict[str, Any] = {"HTTP_ORIGIN": origin} if origin else {}
    response = client.get(path, HTTP_X_API_KEY=publishable[1], **extra)
    body = _assert_problem(response, 403, "origin-not-allowed")
    assert "allowed origins" in body["detail"]
    if origin:  # the browser must be able to read why
        assert response["Access-Control-Allow-Origin"] == "*"


def test_a_secret_key_sent_from_a_browser_is_a_403(
    client: Client, path: str, secret: tuple[ApiKey, str]
) -> None:
    response = client.get(path, HTTP_X_API_KEY=secret[1], HTTP_ORIGIN=CLINIC)
    body = _assert_problem(response, 403, "secret-key-in-browser")
    assert "publishable" in body["detail"]


def test_an_origin_added_to_the_partner_is_honoured_at_once_here(
    client: Client,
    path: str,
    publishable: tuple[ApiKey, str],
    partner: Partner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = "https://portal.example"
    assert client.get(path, HTTP_X_API_KEY=publishable[1], HTTP_ORIGIN=other).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner=partner, allowed_origins=[CLINIC, other])
    assert client.get(path, HTTP_X_API_KEY=publishable[1], HTTP_ORIGIN=other).status_code == 200


def test_a_remembered_key_costs_no_query_on_the_hot_path(
    client: Client,
    secret: tuple[ApiKey, str],
    seed_published: Any,
    django_assert_num_queries: Any,
    settings: Any,
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0
    raw = secret[1]
    assert client.get(DETAIL, HTTP_X_API_KEY=raw).status_code == 200  # warms both memories
    with django_assert_num_queries(0):
        assert client.get(DETAIL, HTTP_X_API_KEY=raw).status_code == 200


def test_use_is_recorded_at_most_once_per_interval(
    client: Client, secret: tuple[ApiKey, str], seed_published: Any, settings: Any
) -> None:
    settings.API_KEY_TOUCH_SECONDS = 3600
    key, raw = secret
    assert client.get(DETAIL, HTTP_X_API_KEY=raw).status_code == 200
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    assert client.get(DETAIL, HTTP_X_API_KEY=raw).status_code == 200
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/",
        "/api/v1/treatments/",
        "/api/v1/categories/",
        f"/api/v1/treatments/{SLUG}/revisions/",
        f"/api/v1/treatments/{SLUG}/revisions/1/",
        "/api/v1/schema/treatment-document/",
        "/api/v1/sync/",
        "/api/v1/bundle/",
    ],
)
def test_every_public_read_checks_the_key(
    client: Client, url: str, secret: tuple[ApiKey, str], seed_published: Any
) -> None:
    assert client.get(url, HTTP_X_API_KEY=secret[1]).status_code == 200
    _assert_problem(client.get(url, HTTP_X_API_KEY=secret[1] + "x"), 401, "malformed")


def test_a_key_never_opens_the_editor_api(client: Client, secret: tuple[ApiKey, str]) -> None:
    response = client.get("/api/v1/editor/treatments/", HTTP_X_API_KEY=secret[1])
    assert response.status_code == 401
    response = client.get("/api/v1/editor/treatments/", HTTP_AUTHORIZATION=f"Api-Key {secret[1]}")
    assert response.status_code == 401


def test_publishable_key_origins_name_the_partner_s_origins_while_the_key_is_active(
    partner: Partner, publishable: tuple[ApiKey, str], secret: tuple[ApiKey, str]
) -> None:
    key = publishable[0]
    assert publishable_key_origins(key.prefix) == frozenset({CLINIC})
    assert publishable_key_origins(secret[0].prefix) is None, "secret keys name no origins"
    assert publishable_key_origins("tkp_0000000000") is None
    api_key_revoke(key)
    forget_all_keys()
    assert publishable_key_origins(key.prefix) is None
