"""Who the client is: X-Forwarded-For counts only when one of our proxies sent it."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings

from api.client_ip import client_ip, parse_address, trusted_networks


@dataclass
class Req:
    META: dict[str, Any] = field(default_factory=dict)


def ip(remote: str | None, forwarded: str | None = None) -> str:
    meta: dict[str, Any] = {}
    if remote is not None:
        meta["REMOTE_ADDR"] = remote
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(Req(meta))


@dataclass(frozen=True)
class Case:
    name: str
    proxies: list[str]
    remote: str | None
    forwarded: str | None
    expected: str


CASES = [
    Case("no proxies trusted: the header is ignored", [], "203.0.113.9", "1.2.3.4", "203.0.113.9"),
    Case("peer is not a trusted proxy", ["10.0.0.1"], "203.0.113.9", "1.2.3.4", "203.0.113.9"),
    Case("trusted proxy: the address it appended", ["10.0.0.1"], "10.0.0.1", "1.2.3.4", "1.2.3.4"),
    Case(
        "a forged left part is never used",
        ["10.0.0.1"],
        "10.0.0.1",
        "6.6.6.6, 1.2.3.4",
        "1.2.3.4",
    ),
    Case(
        "a chain of trusted proxies (CIDR) is skipped right to left",
        ["10.0.0.0/8"],
        "10.0.0.1",
        "6.6.6.6, 198.51.100.7, 10.1.2.3",
        "198.51.100.7",
    ),
    Case("trusted proxy without the header", ["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
    Case(
        "malformed right-most entry: stop at the proxy",
        ["10.0.0.1"],
        "10.0.0.1",
        "1.2.3.4, junk",
        "10.0.0.1",
    ),
    Case("empty header value", ["10.0.0.1"], "10.0.0.1", " , ", "10.0.0.1"),
    Case("IPv4 with a port", ["10.0.0.1"], "10.0.0.1", "1.2.3.4:5555", "1.2.3.4"),
    Case(
        "bracketed IPv6 with a port", ["10.0.0.1"], "10.0.0.1", "[2001:db8::1]:443", "2001:db8::1"
    ),
    Case("IPv6 proxy range", ["fd00::/8"], "fd00::5", "2001:db8::7", "2001:db8::7"),
    Case("IPv4-mapped peer is its IPv4 address", [], "::ffff:192.0.2.1", None, "192.0.2.1"),
    Case("missing REMOTE_ADDR", [], None, "1.2.3.4", "0.0.0.0"),
    Case("garbage REMOTE_ADDR", ["10.0.0.1"], "not-an-ip", "1.2.3.4", "0.0.0.0"),
    Case("all hops are ours", ["10.0.0.0/8"], "10.0.0.1", "10.0.0.2, 10.0.0.3", "10.0.0.2"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_client_ip_trusts_forwarded_for_only_from_configured_proxies(case: Case) -> None:
    with override_settings(TRUSTED_PROXIES=case.proxies):
        assert ip(case.remote, case.forwarded) == case.expected


@pytest.mark.parametrize("value", ["", "x", "1.2.3", "300.1.1.1", "[::1", "a" * 100, "1.2.3.4/8"])
def test_malformed_addresses_are_not_addresses(value: str) -> None:
    assert parse_address(value) is None


def test_a_misconfigured_proxy_entry_says_how_to_write_one() -> None:
    with pytest.raises(ValueError, match="CIDR"):
        trusted_networks(["10.0.0.0/8", "proxy.example"])
