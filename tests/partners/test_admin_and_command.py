"""The admin and the `partner_keys` command manage partners and keys through the services."""

import io
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client

from partners.keys import key_digest
from partners.models import ApiKey, Partner
from partners.services import api_key_issue

from .conftest import CLINIC

pytestmark = pytest.mark.django_db

RAW = re.compile(r"tk[ps]_[a-z0-9]{10}\.[A-Za-z0-9_-]{43}")
DETAIL = "/api/v1/treatments/bone-marrow-stem-cell-injection/"


@pytest.fixture
def admin_client(client: Client, superuser: Any) -> Client:
    client.force_login(superuser)
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_admin_creates_a_partner_with_origins_one_per_line(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/partners/partner/add/",
        {
            "name": "Portal",
            "contact_email": "web@portal.example",
            "allowed_origins": "https://Portal.example\n\nhttp://localhost:3000\n",
            "requests_per_minute": 300,
            "burst": 10,
            "is_active": "on",
            "api_keys-TOTAL_FORMS": 0,
            "api_keys-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    partner = Partner.objects.get(name="Portal")
    assert partner.allowed_origins == ["https://portal.example", "http://localhost:3000"]
    assert (partner.requests_per_minute, partner.burst) == (300, 10)


def test_the_admin_shows_what_is_wrong_with_an_origin(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/partners/partner/add/",
        {
            "name": "Portal",
            "contact_email": "web@portal.example",
            "allowed_origins": "https://portal.example/page",
            "requests_per_minute": 300,
            "burst": 10,
            "api_keys-TOTAL_FORMS": 0,
            "api_keys-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "has a path" in response.context["adminform"].form.errors["allowed_origins"][0]
    assert not Partner.objects.exists()


def test_the_admin_shows_a_new_key_once_and_stores_only_its_digest(
    admin_client: Client, partner: Partner, seed_published: Any
) -> None:
    response = admin_client.post(
        "/admin/partners/apikey/add/",
        {"partner": partner.pk, "name": "website", "publishable": "on"},
        follow=True,
    )
    assert response.status_code == 200
    shown = [RAW.search(m) for m in _messages(response)]
    raws = [m.group(0) for m in shown if m]
    assert len(raws) == 1, "the raw key is shown exactly once"
    key = ApiKey.objects.get()
    assert key.publishable and key.hashed_key == key_digest(raws[0])
    page = admin_client.get(f"/admin/partners/apikey/{key.pk}/change/").content.decode()
    assert raws[0] not in page and key.hashed_key not in page and key.prefix in page
    # The key works, from the partner's origin.
    assert Client().get(DETAIL, HTTP_X_API_KEY=raws[0], HTTP_ORIGIN=CLINIC).status_code == 200


def test_the_admin_refuses_a_third_key_with_a_message_not_a_500(
    admin_client: Client, partner: Partner
) -> None:
    api_key_issue(partner, name="a")
    api_key_issue(partner, name="b")
    response = admin_client.post(
        "/admin/partners/apikey/add/", {"partner": partner.pk, "name": "c"}
    )
    assert response.status_code == 200
    assert "already holds 2 active secret keys" in str(response.context["adminform"].form.errors)
    assert ApiKey.objects.count() == 2


def test_the_admin_revokes_and_rotates_keys_with_actions(
    admin_client: Client, partner: Partner
) -> None:
    first, _ = api_key_issue(partner, name="a")
    second, _ = api_key_issue(partner, name="b", publishable=True)
    changelist = "/admin/partners/apikey/"
    response = admin_client.post(
        changelist, {"action": "revoke_keys", "_selected_action": [first.pk]}, follow=True
    )
    assert any("Revoked 1 key" in m for m in _messages(response))
    first.refresh_from_db()
    assert first.state() == "revoked"

    response = admin_client.post(
        changelist, {"action": "rotate_keys", "_selected_action": [second.pk]}, follow=True
    )
    raws = [m.group(0) for m in map(RAW.search, _messages(response)) if m]
    assert len(raws) == 1
    replacement = ApiKey.objects.get(replaces=second)
    assert replacement.hashed_key == key_digest(raws[0])
    second.refresh_from_db()
    assert second.expires_at is not None and second.is_active()

    response = admin_client.post(
        changelist, {"action": "rotate_keys", "_selected_action": [first.pk]}, follow=True
    )
    assert any("is revoked" in m for m in _messages(response))


def test_keys_and_partners_cannot_be_deleted_in_the_admin(
    admin_client: Client, partner: Partner
) -> None:
    key, _ = api_key_issue(partner, name="a")
    assert admin_client.get(f"/admin/partners/apikey/{key.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/partners/partner/{partner.pk}/delete/").status_code == 403


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("partner_keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_manages_a_partner_s_keys_end_to_end(
    client: Client, seed_published: Any
) -> None:
    out, _ = _run(
        "create",
        "Portal",
        "--email",
        "web@portal.example",
        "--origin",
        "https://portal.example",
        "--rpm",
        "900",
    )
    assert "900/minute" in out
    raw, err = _run("issue", "Portal", "--name", "server")
    raw = raw.strip()
    assert RAW.fullmatch(raw) and "not shown again" in err
    assert client.get(DETAIL, HTTP_X_API_KEY=raw).status_code == 200
    prefix = raw.split(".")[0]

    listing, _ = _run("list", "Portal")
    assert prefix in listing and "active" in listing and raw not in listing

    new_raw, err = _run("rotate", prefix, "--overlap-hours", "2")
    new_raw = new_raw.strip()
    assert RAW.fullmatch(new_raw) and "keeps working until" in err
    assert client.get(DETAIL, HTTP_X_API_KEY=new_raw).status_code == 200
    assert client.get(DETAIL, HTTP_X_API_KEY=raw).status_code == 200, "overlap: both work"

    out, _ = _run("revoke", prefix)
    assert "Revoked" in out
    assert ApiKey.objects.get(prefix=prefix).state() == "revoked"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("issue", "Nobody", "--name", "x"), "No partner named"),
        (("revoke", "tks_0000000000"), "No key with prefix"),
        (("create", "P", "--email", "p@example.org", "--origin", "https://*.x"), "wildcards"),
        (("create", "P", "--email", "p@example.org", "--rpm", "0"), "greater than or equal"),
        (("issue", "Example Clinic", "--name", "x", "--expires", "soon"), "not a date-time"),
    ],
)
def test_the_command_explains_bad_input(
    partner: Partner, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)
