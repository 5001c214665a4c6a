"""Brute force on the admin sign-in (django-axes): locked after a few failures, until reset."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

PASSWORD = "the-right-admin-password"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def admin_user(db: Any) -> User:
    return User.objects.create_superuser("root-admin", "root@example.org", PASSWORD)


def _sign_in(
    client: Client, password: str, address: str = "203.0.113.7", forwarded_for: str = ""
) -> Any:
    return client.post(
        LOGIN,
        {"username": "root-admin", "password": password},
        headers={"X-Forwarded-For": forwarded_for} if forwarded_for else None,
        REMOTE_ADDR=address,
    )


def _signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_twenty_five_wrong_passwords_lock_the_sign_in_and_the_right_one_is_refused(
    admin_user: User, settings: Any
) -> None:
    client = Client()
    statuses = [_sign_in(client, f"guess-{n}").status_code for n in range(25)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, with an error
    assert set(statuses[limit - 1 :]) == {429}

    refused = _sign_in(client, PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Sign-in temporarily locked" in page
    assert f"Too many failed sign-in attempts ({limit})" in page
    assert "axes_reset" in page
    assert not _signed_in(client)


def test_a_spoofed_forwarded_for_header_does_not_escape_the_lockout(admin_user: User) -> None:
    client = Client()
    for n in range(10):
        _sign_in(client, "wrong", forwarded_for=f"198.51.100.{n}")
    assert _sign_in(client, PASSWORD, forwarded_for="198.51.100.99").status_code == 429


def test_the_lockout_holds_for_that_address_only_so_no_one_locks_out_a_colleague(
    admin_user: User,
) -> None:
    for _ in range(10):
        _sign_in(Client(), "wrong", address="203.0.113.66")
    elsewhere = Client()
    assert _sign_in(elsewhere, PASSWORD, address="192.0.2.10").status_code == 302
    assert _signed_in(elsewhere)


def test_axes_reset_unlocks_the_sign_in(admin_user: User) -> None:
    client = Client()
    for _ in range(10):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert _sign_in(client, PASSWORD).status_code == 302
    assert _signed_in(client)
