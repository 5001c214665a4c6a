"""The client's address: X-Forwarded-For is believed only when our own proxy sent it.

Anyone can send `X-Forwarded-For`, so taking it at face value lets a client pick its own
identity (and with it a fresh rate-limit allowance on every request). The header is read only
when the direct peer (REMOTE_ADDR) is one of the proxies named in `TRUSTED_PROXIES`; then the
client is the right-most address in the header that is not itself a trusted proxy, because each
trusted proxy appends the address it saw, and everything left of that may be forged. With
`TRUSTED_PROXIES` unset no proxy is trusted and the peer address is the client.

django-axes and the rate limits both call `client_ip`, so a login lock-out and a throttle can
never disagree about who the client is.

The other proxy headers are no different: `X-Forwarded-Proto` decides whether Django thinks the
request is secure (`SECURE_PROXY_SSL_HEADER`: the HTTPS redirect, secure cookies, the scheme of
absolute links), `X-Forwarded-Host`/`-Port` the host of absolute links. `ProxyHeadersMiddleware`
(first in MIDDLEWARE) removes them from a request that did not come from a trusted proxy.
"""

import ipaddress
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# What REMOTE_ADDR falls back to when a server does not set it (or sets nonsense).
UNKNOWN = "0.0.0.0"


class HasMeta(Protocol):
    """Anything with a WSGI environ: Django's HttpRequest, DRF's Request, a light stand-in."""

    @property
    def META(self) -> Mapping[str, Any]: ...


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse proxy addresses and CIDR ranges; a malformed entry is an error (a settings typo)."""
    networks = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as error:
            raise ValueError(
                f"TRUSTED_PROXIES entry {value!r} is not an IP address or CIDR range "
                "(examples: 10.0.0.5, 10.0.0.0/8, fd00::/8)."
            ) from error
    return tuple(networks)


@lru_cache(maxsize=1)
def _configured() -> tuple[Network, ...]:
    return trusted_networks(getattr(settings, "TRUSTED_PROXIES", ()))


@receiver(setting_changed)
def _forget_configuration(setting: str, **kwargs: Any) -> None:
    if setting == "TRUSTED_PROXIES":
        _configured.cache_clear()
        _peer.cache_clear()


@lru_cache(maxsize=8192)  # the same few addresses arrive again and again
def parse_address(value: str) -> Address | None:
    """An IP address from a header value, or None when it is not one.

    Accepts what proxies actually write: bare IPv4/IPv6, `[v6]`, `[v6]:port` and `v4:port`.
    """
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if text.startswith("["):
        text, closed, _port = text[1:].partition("]")
        if not closed:
            return None
    elif text.count(":") == 1:  # IPv4 with a port; an IPv6 address has at least two colons
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # Report an IPv4-mapped IPv6 peer (::ffff:1.2.3.4) as the IPv4 address it is.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


@lru_cache(maxsize=8192)
def _peer(remote: str) -> tuple[str, Address | None, bool]:
    """REMOTE_ADDR as (canonical text, address, is one of our proxies); cached per value."""
    address = parse_address(remote)
    if address is None:
        return UNKNOWN, None, False
    return str(address), address, _is_trusted(address, _configured())


def client_ip(request: HasMeta) -> str:
    """The address of the client that sent this request, as a string."""
    meta = request.META
    text, peer, proxied = _peer(str(meta.get("REMOTE_ADDR") or ""))
    if peer is None or not proxied:
        return text
    networks = _configured()
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        return str(peer)
    # Right to left: skip our own proxies; the first other address is who connected to them.
    # A malformed entry ends the walk: nothing to its left can be trusted either.
    for part in reversed(str(forwarded).split(",")):
        address = parse_address(part)
        if address is None:
            break
        if not _is_trusted(address, networks):
            return str(address)
        peer = address
    # Every hop was one of ours (or the chain broke): the nearest trustworthy address.
    return str(peer)


# Headers only a proxy of ours may set (WSGI names); the SECURE_PROXY_SSL_HEADER's is added.
PROXY_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SCHEME",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_FORWARDED",
)


def proxy_header_names() -> tuple[str, ...]:
    """The environ keys of the headers believed only from a trusted proxy."""
    ssl_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if ssl_header and ssl_header[0] not in PROXY_HEADERS:
        return (*PROXY_HEADERS, ssl_header[0])
    return PROXY_HEADERS


def drop_untrusted_proxy_headers(meta: MutableMapping[str, Any]) -> None:
    """Remove the proxy headers from a request whose peer is not one of TRUSTED_PROXIES."""
    names = proxy_header_names()
    if not any(name in meta for name in names):
        return
    _text, peer, proxied = _peer(str(meta.get("REMOTE_ADDR") or ""))
    if peer is not None and proxied:
        return
    for name in names:
        meta.pop(name, None)


class ProxyHeadersMiddleware:
    """Believe X-Forwarded-Proto/-Host/-Port only from TRUSTED_PROXIES (place it first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        drop_untrusted_proxy_headers(request.META)
        return self.get_response(request)
