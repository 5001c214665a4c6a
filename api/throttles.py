"""Rate limits of the public API, and the answers that cost a client nothing.

Who is limited: a partner's API key by its own plan (requests per minute and burst), everyone
else by client address (`API_ANON_RATE`, `API_ANON_BURST`), the address being what
`api.client_ip.client_ip` says (X-Forwarded-For only from `TRUSTED_PROXIES`). The state is one
GCRA number per client in the shared store (see api/ratelimit/), so a check costs the same at
10 or 100 000 requests per minute.

Many phones share one carrier-NAT address, and an idle app fleet polls all day. So a limit
counts the answers that cost the server real work: a 304 (the client's copy is current) and an
empty sync delta are refunded after they are sent, and never use up the address's allowance.
Full documents, pages and non-empty deltas count as before, so one abuser behind the same
address is still limited.
"""

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from api.client_ip import client_ip
from api.ratelimit import Decision, Policy, make_policy, parse_rate, store
from api.ratelimit.headers import record

# Set on a response (e.g. an empty sync delta) that should not count against the limit.
FREE_OF_CHARGE = "free_of_charge"

ANONYMOUS_POLICY = "anonymous"
PARTNER_POLICY = "partner"
USER_POLICY = "user"


class RateLimitThrottle(BaseThrottle):
    """A GCRA limit in the shared store; subclasses say which policy and key a request gets."""

    def __init__(self) -> None:
        self.decision: Decision | None = None
        self._charged: tuple[str, Policy] | None = None

    def limit_for(self, request: Any) -> tuple[Policy, str] | None:
        """The policy and the client's key, or None to leave the request unlimited."""
        raise NotImplementedError("RateLimitThrottle subclasses must implement limit_for()")

    def allow_request(self, request: Any, view: Any) -> bool:
        found = self.limit_for(request)
        if found is None:
            return True
        policy, key = found
        decision = store().hit(key, policy)
        self.decision = decision
        self._charged = (key, policy) if decision.allowed else None
        record(request.META, decision)
        return decision.allowed

    def wait(self) -> float | None:
        decision = self.decision
        if decision is None or decision.allowed:
            return None
        return float(decision.retry_after)

    def refund(self) -> None:
        """Take back this request's charge (call after allow_request said yes)."""
        charged, self._charged = self._charged, None
        if charged is not None:
            store().refund(*charged)
            if self.decision is not None:
                self.decision.refunded()


def address_key(request: Any) -> str:
    """The anonymous client's key: its address, an IPv6 client's /64 (one subscriber's block)."""
    address = client_ip(request)
    if ":" in address:
        network = ipaddress.IPv6Network(f"{address}/64", strict=False)
        return f"ip:{network.network_address}/64"
    return f"ip:{address}"


@lru_cache(maxsize=1024)
def partner_policy(requests_per_minute: int, burst: int | None) -> Policy:
    return make_policy(PARTNER_POLICY, quota=requests_per_minute, window=60, burst=burst)


def anonymous_policy() -> Policy:
    """The anonymous rate from DRF's `anon` rate (set from API_ANON_RATE) and API_ANON_BURST."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get("anon")
    return parse_rate(ANONYMOUS_POLICY, str(rate), getattr(settings, "API_ANON_BURST", None))


class PublicRateThrottle(RateLimitThrottle):
    """Public reads: per API key at its partner's plan, else per client address."""

    def limit_for(self, request: Any) -> tuple[Policy, str] | None:
        # Duck-typed: an API key (partners.models.ApiKey) has a partner with a plan.
        auth = getattr(request, "auth", None)
        partner = getattr(auth, "partner", None)
        rate = getattr(partner, "requests_per_minute", None)
        if rate:
            policy = partner_policy(int(rate), getattr(partner, "burst", None))
            return policy, f"key:{auth.pk}"  # type: ignore[union-attr]
        if not api_settings.DEFAULT_THROTTLE_RATES.get("anon"):
            return None
        return anonymous_policy(), address_key(request)


class UserRateThrottle(RateLimitThrottle):
    """Signed-in users (the editor API) by user id; anonymous callers by address."""

    def limit_for(self, request: Any) -> tuple[Policy, str] | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get("user")
        if not rate:
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return parse_rate(USER_POLICY, str(rate)), f"user:{user.pk}"
        return parse_rate(USER_POLICY, str(rate)), address_key(request)


def refund_free_answers(throttles: list[BaseThrottle], response: Any) -> None:
    """Refund the charge of a 304 or of a response marked free of charge."""
    if response.status_code == 304 or getattr(response, FREE_OF_CHARGE, False):
        for throttle in throttles:
            refund = getattr(throttle, "refund", None)
            if refund is not None:
                refund()
