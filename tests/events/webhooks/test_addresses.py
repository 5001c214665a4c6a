"""SSRF: which webhook URLs are refused, and that delivery connects to the checked address."""

import json
from typing import Any

import pytest

from events.webhooks import addresses
from events.webhooks.addresses import UnsafeUrl, url_target
from events.webhooks.models import Attempt, Delivery
from events.webhooks.services import endpoint_create, endpoint_ping
from tests.events.support import run_tasks

from .receiver import Receiver

REFUSED_ALWAYS = [
    ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("https://[fd00:ec2::254]/", "cloud metadata"),
    ("https://10.0.0.1/hook", "private"),
    ("https://192.168.1.10/hook", "private"),
    ("https://172.16.0.1/hook", "private"),
    ("https://[::ffff:10.0.0.1]/hook", "IPv4-mapped"),
    ("https://[::ffff:127.0.0.1]/hook", "IPv4-mapped"),
    ("https://[64:ff9b::a00:1]/hook", "embeds an IPv4"),
    ("https://100.64.0.1/hook", "carrier-grade NAT"),
    ("https://169.254.1.1/hook", "link-local"),
    ("https://[fe80::1]/hook", "link-local"),
    ("https://224.0.0.1/hook", "multicast"),
    ("https://[ff02::1]/hook", "multicast"),
    ("https://0.0.0.0/hook", "unspecified"),
    ("https://240.0.0.1/hook", "reserved"),
    ("https://[fc00::1]/hook", "private"),
    ("https://user:password@93.184.215.14/hook", "no user name or password"),
    ("ftp://93.184.215.14/hook", "must use https"),
    ("https:///hook", "no host"),
]


@pytest.mark.parametrize("allow_local", [False, True])
@pytest.mark.parametrize(("url", "why"), REFUSED_ALWAYS)
def test_private_metadata_and_odd_addresses_are_refused_even_in_development(
    url: str, why: str, allow_local: bool
) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        url_target(url, allow_local=allow_local)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hook", "must use https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
    ],
)
def test_http_and_loopback_need_the_development_setting(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        url_target(url, allow_local=False)
    assert url_target(url, allow_local=True).address in {"93.184.215.14", "127.0.0.1", "::1"}


def test_a_public_https_url_is_accepted_with_its_host_kept_for_sni_and_host() -> None:
    target = url_target("https://93.184.215.14:8443/hooks?x=1", allow_local=False)
    assert (target.address, target.port, target.path) == ("93.184.215.14", 8443, "/hooks?x=1")
    assert target.host_header == "93.184.215.14:8443"


def test_a_name_is_refused_if_any_address_it_resolves_to_is_private(monkeypatch: Any) -> None:
    monkeypatch.setattr(addresses, "resolver", lambda host, port: ["93.184.215.14", "10.0.0.1"])
    with pytest.raises(UnsafeUrl, match=r"hooks\.partner\.test resolves to .*10\.0\.0\.1"):
        url_target("https://hooks.partner.test/hook", allow_local=False)
    monkeypatch.setattr(addresses, "resolver", lambda host, port: ["93.184.215.14"])
    target = url_target("https://hooks.partner.test/hook", allow_local=False)
    assert (target.host, target.address, target.host_header) == (
        "hooks.partner.test",
        "93.184.215.14",
        "hooks.partner.test",
    )
    assert target.connect_url == "https://93.184.215.14:443/hook"


def test_a_name_that_does_not_resolve_is_refused(monkeypatch: Any) -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    monkeypatch.setattr(addresses, "resolver", fail)
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        url_target("https://nowhere.partner.test/hook", allow_local=False)


@pytest.mark.django_db(transaction=True)
def test_delivery_connects_to_the_checked_address_and_sends_the_registered_host(
    partner: Any, receiver: Receiver, local_webhooks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(addresses, "resolver", lambda host, port: ["127.0.0.1"])
    endpoint = endpoint_create(partner=partner, url=receiver.url(host="hooks.partner.test"))
    endpoint_ping(endpoint)
    run_tasks()
    assert receiver.requests[0].headers["host"] == f"hooks.partner.test:{receiver.port}"


@pytest.mark.django_db(transaction=True)
def test_dns_rebinding_after_registration_is_refused_at_delivery(
    partner: Any, receiver: Receiver, local_webhooks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(addresses, "resolver", lambda host, port: ["127.0.0.1"])
    endpoint = endpoint_create(partner=partner, url=receiver.url(host="hooks.partner.test"))
    # The name now points inside the network: checked again at delivery, and refused.
    monkeypatch.setattr(addresses, "resolver", lambda host, port: ["10.0.0.1"])
    endpoint_ping(endpoint)
    run_tasks()
    assert receiver.requests == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert "refused" in attempt.error and "10.0.0.1 is a private address" in attempt.error


@pytest.mark.django_db(transaction=True)
def test_redirects_are_not_followed_and_answers_are_capped(
    partner: Any, receiver: Receiver, local_webhooks: Any
) -> None:
    endpoint = endpoint_create(partner=partner, url=receiver.url())
    receiver.statuses = [302]
    receiver.answer = json.dumps({"x": "y" * 200_000}).encode()
    endpoint_ping(endpoint)
    run_tasks()
    assert len(receiver.requests) == 1
    attempt = Attempt.objects.get()
    assert (attempt.status_code, attempt.succeeded) == (302, False)
    assert 0 < len(attempt.response_excerpt) <= 1000
    assert Delivery.objects.get().state == "failed"
