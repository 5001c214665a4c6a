"""The four 500s of the external review are now clear 4xx answers (PostgreSQL and SQLite).

- an admin sign-in with a username over 255 characters (django-axes could not store it);
- an admin changelist with an invalid regular-expression lookup;
- sync tokens (snapshot and delta) whose scope carries a NUL byte (signed with the secret).
"""

from typing import Any
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client

from api.v1.sync.tokens import SALT, SyncToken, decode
from treatments.selectors import SyncScope

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
CHANGELIST = "/admin/treatments/treatment/"


def _client() -> Client:
    return Client(raise_request_exception=False, REMOTE_ADDR="203.0.113.40")


def test_a_sign_in_with_a_very_long_username_is_refused_and_counted(db: Any, settings: Any) -> None:
    client = _client()
    username = "u" * 300
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        client.post(LOGIN, {"username": username, "password": f"guess-{n}"}).status_code
        for n in range(limit + 1)
    ]
    assert statuses[: limit - 1] == [200] * (limit - 1), "the form again, with its error"
    assert set(statuses[limit - 1 :]) == {429}, "counted like any other failure: locked out"
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "u" * 255 and attempt.failures_since_start >= limit


def test_a_long_username_that_only_shares_a_prefix_is_the_same_account_for_counting(
    db: Any,
) -> None:
    client = _client()
    for tail in ("a", "b"):
        response = client.post(LOGIN, {"username": "v" * 255 + tail, "password": "wrong"})
        assert response.status_code == 200
    assert AccessAttempt.objects.get().failures_since_start == 2


@pytest.fixture
def admin_client(superuser: User, seed_published: Any) -> Client:
    client = _client()
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("lookup", ["title__regex=(", "title__iregex=[", "title__regex=a{2,1}"])
def test_an_invalid_regex_lookup_in_the_admin_is_a_400(admin_client: Client, lookup: str) -> None:
    response = admin_client.get(f"{CHANGELIST}?{quote(lookup, safe='=')}")
    assert response.status_code == 400, response.content[:300]
    assert "Invalid filter" in response.content.decode()
    assert lookup.partition("=")[0] in response.content.decode()


def test_a_valid_regex_lookup_still_filters(admin_client: Client) -> None:
    assert admin_client.get(f"{CHANGELIST}?title__regex=^Bone").status_code == 200


def _signed(payload: dict[str, Any]) -> str:
    return signing.Signer(salt=SALT).sign_object(payload, compress=True)


@pytest.mark.parametrize("mode", ["s", "d"])
@pytest.mark.parametrize("field", ["c", "l"])
@pytest.mark.parametrize("value", ["a\x00b", "a\x1fb", 7, ["x"]])
def test_a_signed_token_with_a_control_character_or_odd_type_is_a_400(
    client: Client, seed_published: Any, mode: str, field: str, value: Any
) -> None:
    token = _signed({"m": mode, "s": 0, field: value})
    response = client.get(f"/api/v1/sync/?token={quote(token)}")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "token"


@pytest.mark.parametrize("payload", [{"m": "d", "s": "1"}, {"m": "d", "s": True}, ["m"]])
def test_a_signed_token_of_the_wrong_shape_is_a_400(payload: Any) -> None:
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError):
        decode(_signed(payload))


def test_tokens_the_api_mints_still_decode() -> None:
    token = SyncToken(mode="delta", since=3, scope=SyncScope(category="pain", language="en"))
    assert decode(token.encode()) == token
