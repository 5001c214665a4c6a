"""Where a webhook may go: https to a public address, checked once and then connected to.

Server-side request forgery is the risk of letting partners name URLs that the worker calls:
a URL could point at the metadata service of the cloud (credentials), at the database, or at
anything else on the private network. The rules, at registration and again at every delivery:

- https only; http, and loopback addresses (127.0.0.0/8, ::1), only with WEBHOOKS_ALLOW_LOCAL
  (a development setting);
- the host is resolved ONCE and every address it resolves to must be public: private,
  link-local, CGNAT (100.64.0.0/10), multicast, reserved, unspecified, cloud-metadata
  (169.254.169.254, fd00:ec2::254, ...) and IPv4-mapped, NAT64 or 6to4 IPv6 forms are refused,
  even with WEBHOOKS_ALLOW_LOCAL;
- the delivery then connects to the address that was checked (events.webhooks.transport), with
  the URL's host name in `Host` and in TLS SNI and certificate checks: a DNS answer that changes
  between the check and the connection (DNS rebinding) cannot redirect it;
- no user name or password in the URL (it would be logged), no redirects followed.
"""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Metadata services of cloud providers: never a webhook receiver, whatever else is allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure's host agent (a public address)
    )
)
# IPv6 prefixes that embed an IPv4 address the checks below would not see.
EMBEDDING_NETWORKS = (
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64
    ipaddress.ip_network("64:ff9b:1::/48"),  # local NAT64
    ipaddress.ip_network("2002::/16"),  # 6to4
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked webhook URL: where to connect (the checked address) and what to ask for."""

    url: str
    scheme: str
    host: str  # the host name as written: Host header, TLS SNI, certificate check
    port: int
    address: str  # the checked IP address, the one connected to
    path: str  # path and query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"


def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (A and AAAA), in the system resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


# The resolver in use: tests point it at names of their own (no DNS server is at hand there).
resolver: Resolver = system_resolve


def address_refusal(address: Address, *, allow_local: bool) -> str | None:
    """Why `address` may not receive webhooks (None if it may)."""
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata service address"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"{address} is an IPv4-mapped IPv6 address (write the IPv4 address instead)"
        if any(address in network for network in EMBEDDING_NETWORKS):
            return f"{address} is an IPv6 address that embeds an IPv4 address (NAT64/6to4)"
    if address.is_loopback:
        return None if allow_local else f"{address} is a loopback address"
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return f"{address} is a carrier-grade NAT (shared) address"
    if address.is_reserved:
        return f"{address} is a reserved address"
    if address.is_private:
        return f"{address} is a private address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def url_target(url: str, *, allow_local: bool | None = None) -> Target:
    """Check `url` and resolve its host once; the Target to connect to, or UnsafeUrl."""
    if allow_local is None:
        allow_local = bool(settings.WEBHOOKS_ALLOW_LOCAL)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"The URL {url!r} is not valid: {error}.") from None
    scheme = parts.scheme.lower()
    if scheme == "http" and not allow_local:
        raise UnsafeUrl(
            "Webhook URLs must use https (http is allowed only in development, with "
            "WEBHOOKS_ALLOW_LOCAL=1)."
        )
    if scheme not in ("https", "http"):
        raise UnsafeUrl(f"Webhook URLs must use https, not {parts.scheme or 'no scheme'}.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Put no user name or password in a webhook URL; verify signatures instead.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("The webhook URL has no host name.")
    port = port or (443 if scheme == "https" else 80)
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise UnsafeUrl(f"The host {host!r} does not resolve ({error}).") from None
        if not addresses:
            raise UnsafeUrl(f"The host {host!r} does not resolve to any address.")
    # Every address must pass: a name that also resolves to 10.0.0.1 is refused as a whole.
    for raw in addresses:
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            raise UnsafeUrl(f"The host {host!r} resolved to {raw!r}, not an address.") from None
        refusal = address_refusal(address, allow_local=allow_local)
        if refusal is not None:
            where = "" if literal is not None else f"{host} resolves to an address that "
            raise UnsafeUrl(
                f"Webhooks cannot be sent to {url}: {where}{refusal}. Use a public https URL."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0], path=path)
