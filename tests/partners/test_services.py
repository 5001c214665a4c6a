"""Partner and key services: validation, hashing, expiry, revocation and rotation with overlap."""

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from partners.keys import key_prefix_of
from partners.models import ApiKey, Partner
from partners.origins import origin_normalize
from partners.services import (
    api_key_issue,
    api_key_revoke,
    api_key_rotate,
    partner_create,
    partner_update,
)

pytestmark = pytest.mark.django_db


def _every_stored_text() -> str:
    """Every value of every column of the keys table, as one string."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiKey._meta.db_table}")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_issue_returns_the_raw_key_once_and_stores_only_its_digest(partner: Partner) -> None:
    key, raw = api_key_issue(partner, name="server")
    assert raw.startswith(key.prefix + "."), "the raw key starts with its identifiable prefix"
    assert key_prefix_of(raw) == key.prefix
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    stored = _every_stored_text()
    secret = raw.split(".", 1)[1]
    assert raw not in stored and secret not in stored, "the raw key must never be stored"
    assert key.prefix in stored


def test_prefixes_tell_secret_from_publishable_keys(partner: Partner) -> None:
    secret, _ = api_key_issue(partner, name="server")
    publishable, _ = api_key_issue(partner, name="site", publishable=True)
    assert secret.prefix.startswith("tks_") and publishable.prefix.startswith("tkp_")


def test_two_keys_never_share_a_secret(partner: Partner) -> None:
    raws = {api_key_issue(partner, name="a")[1], api_key_issue(partner, name="b")[1]}
    assert len(raws) == 2


def test_a_partner_holds_at_most_two_active_keys_of_a_kind(partner: Partner) -> None:
    api_key_issue(partner, name="one")
    second, _ = api_key_issue(partner, name="two")
    with pytest.raises(ValidationError, match="already holds 2 active secret keys"):
        api_key_issue(partner, name="three")
    api_key_issue(partner, name="browser", publishable=True)  # the other kind has room
    api_key_revoke(second)
    api_key_issue(partner, name="three")  # a revoked key frees its place


def test_an_expiry_in_the_past_is_refused(partner: Partner) -> None:
    with pytest.raises(ValidationError, match="future"):
        api_key_issue(partner, name="x", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not ApiKey.objects.exists()


def test_revoke_is_immediate_and_idempotent(partner: Partner) -> None:
    key, _ = api_key_issue(partner, name="server")
    first = api_key_revoke(key).revoked_at
    assert first is not None and key.state() == "revoked"
    assert api_key_revoke(key).revoked_at == first


def test_rotation_keeps_the_old_key_until_the_overlap_ends(partner: Partner) -> None:
    old, _ = api_key_issue(partner, name="server")
    before = timezone.now()
    new, raw = api_key_rotate(old, overlap=dt.timedelta(hours=2))
    old.refresh_from_db()
    assert new.replaces == old and new.name == old.name and new.publishable == old.publishable
    assert old.rotated_at is not None and old.expires_at is not None
    assert (
        before + dt.timedelta(hours=2) <= old.expires_at <= timezone.now() + dt.timedelta(hours=2)
    )
    assert old.is_active() and new.is_active()
    assert not old.is_active(old.expires_at) and new.is_active(old.expires_at)
    assert key_prefix_of(raw) == new.prefix


def test_rotation_never_extends_an_earlier_expiry(partner: Partner) -> None:
    soon = timezone.now() + dt.timedelta(minutes=5)
    old, _ = api_key_issue(partner, name="server", expires_at=soon)
    api_key_rotate(old, overlap=dt.timedelta(days=3))
    old.refresh_from_db()
    assert old.expires_at == soon


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda key: api_key_revoke(key), "revoked"),
        (lambda key: api_key_rotate(key), "already rotated"),
    ],
    ids=["revoked", "rotated-twice"],
)
def test_rotation_refuses_a_key_that_cannot_be_rotated(
    partner: Partner, prepare: Any, message: str
) -> None:
    key, _ = api_key_issue(partner, name="server")
    prepare(key)
    key.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        api_key_rotate(key)


def test_rotation_refuses_a_third_active_key(partner: Partner) -> None:
    first, _ = api_key_issue(partner, name="one")
    api_key_issue(partner, name="two")
    with pytest.raises(ValidationError, match="revoke tks_"):
        api_key_rotate(first)
    assert ApiKey.objects.count() == 2


@pytest.mark.parametrize("overlap", [dt.timedelta(seconds=-1), dt.timedelta(days=31)])
def test_rotation_overlap_is_bounded(partner: Partner, overlap: dt.timedelta) -> None:
    key, _ = api_key_issue(partner, name="server")
    with pytest.raises(ValidationError, match="overlap"):
        api_key_rotate(key, overlap=overlap)


@pytest.mark.parametrize(
    ("origin", "normal"),
    [
        ("https://clinic.example", "https://clinic.example"),
        ("HTTPS://Clinic.Example/", "https://clinic.example"),
        ("https://clinic.example:443", "https://clinic.example"),
        ("https://clinic.example:8443", "https://clinic.example:8443"),
        ("http://localhost:3000", "http://localhost:3000"),
    ],
)
def test_origins_are_normalised_to_what_browsers_send(origin: str, normal: str) -> None:
    assert origin_normalize(origin) == normal


@pytest.mark.parametrize(
    "origin",
    [
        "clinic.example",
        "https://*.clinic.example",
        "http://clinic.example",
        "https://clinic.example/page",
        "https://clinic.example?x=1",
        "https://user@clinic.example",
        "ftp://clinic.example",
        "https://clinic.example:99999",
        "",
    ],
)
def test_partners_refuse_anything_but_exact_origins(db: Any, origin: str) -> None:
    with pytest.raises(ValidationError):
        partner_create(name="P", contact_email="p@example.org", allowed_origins=[origin])
    assert not Partner.objects.exists()


def test_an_origin_must_be_stored_in_its_normal_form(db: Any) -> None:
    with pytest.raises(
        ValidationError, match=re.escape("Write 'https://A.example' as 'https://a.example'")
    ):
        partner_create(
            name="P", contact_email="p@example.org", allowed_origins=["https://A.example"]
        )


@pytest.mark.parametrize(
    "plan", [{"requests_per_minute": 0}, {"requests_per_minute": 60_001}, {"burst": 0}]
)
def test_plans_stay_within_sane_bounds(db: Any, plan: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        partner_create(name="P", contact_email="p@example.org", **plan)


def test_new_partners_get_the_default_plan(db: Any) -> None:
    partner = partner_create(name="P", contact_email="p@example.org")
    assert (partner.requests_per_minute, partner.burst, partner.is_active) == (1200, 100, True)


def test_partner_update_validates_and_refuses_unknown_fields(partner: Partner) -> None:
    partner_update(partner=partner, burst=50)
    assert Partner.objects.get(pk=partner.pk).burst == 50
    with pytest.raises(ValidationError):
        partner_update(partner=partner, burst=0)
    with pytest.raises(ValidationError, match="Cannot change created_at"):
        partner_update(partner=partner, created_at=timezone.now())
    assert Partner.objects.get(pk=partner.pk).burst == 50
