"""A card URL naming a publishable key may be framed by that partner's origins only."""

from typing import Any

import pytest
from django.test import Client

from partners.models import Partner
from partners.services import api_key_issue, api_key_revoke, partner_create, partner_update

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
CARD = f"/embed/v1/treatments/{SLUG}/"
ORIGINS = ["http://localhost:8000", "https://clinic.example"]  # sorted, as in the header


@pytest.fixture
def partner(db: Any) -> Partner:
    return partner_create(
        name="Example Clinic", contact_email="web@clinic.example", allowed_origins=ORIGINS
    )


def _ancestors(response: Any) -> str:
    policy = response["Content-Security-Policy"]
    return policy.split("frame-ancestors ", 1)[1].split(";", 1)[0]


def test_a_publishable_key_prefix_limits_framing_to_the_partner_origins(
    client: Client, seed_published: Any, partner: Partner
) -> None:
    key, raw = api_key_issue(partner, name="website", publishable=True)
    by_prefix = client.get(CARD, {"key": key.prefix})
    assert by_prefix.status_code == 200
    assert _ancestors(by_prefix) == " ".join(ORIGINS)
    assert "X-Frame-Options" not in by_prefix
    assert raw not in by_prefix.content.decode()  # the secret never appears
    assert f"key={key.prefix}" in by_prefix.content.decode()  # the oEmbed/canonical links keep it
    by_id = client.get(CARD, {"key": str(key.pk)})
    assert _ancestors(by_id) == " ".join(ORIGINS)


def test_the_partner_origins_are_read_when_the_card_is_served(
    client: Client, seed_published: Any, partner: Partner, django_capture_on_commit_callbacks: Any
) -> None:
    key, _ = api_key_issue(partner, name="website", publishable=True)
    assert _ancestors(client.get(CARD, {"key": key.prefix})) == " ".join(ORIGINS)
    with django_capture_on_commit_callbacks(execute=True):  # a change is seen on commit
        partner_update(partner=partner, allowed_origins=[])
    assert _ancestors(client.get(CARD, {"key": key.prefix})) == "'none'"


@pytest.mark.parametrize("kind", ["secret", "revoked", "unknown", "suspended"])
def test_keys_that_cannot_decide_framing_are_a_400(
    client: Client, seed_published: Any, partner: Partner, kind: str
) -> None:
    key, _ = api_key_issue(partner, name="k", publishable=kind != "secret")
    reference = key.prefix
    if kind == "revoked":
        api_key_revoke(key)
    elif kind == "unknown":
        reference = "tkp_0000000000"
    elif kind == "suspended":
        partner_update(partner=partner, is_active=False)
    response = client.get(CARD, {"key": reference})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["key"]


def test_oembed_keeps_the_key_in_the_iframe_and_checks_it(
    client: Client, seed_published: Any, partner: Partner, django_capture_on_commit_callbacks: Any
) -> None:
    key, _ = api_key_issue(partner, name="website", publishable=True)
    url = f"http://testserver{CARD}?key={key.prefix}"
    body = client.get("/api/oembed/", {"url": url}).json()
    assert f'src="http://testserver{CARD}?key={key.prefix}"' in body["html"]
    with django_capture_on_commit_callbacks(execute=True):  # a revocation is seen on commit
        api_key_revoke(key)
    assert client.get("/api/oembed/", {"url": url}).status_code == 400
