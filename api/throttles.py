"""Rate limits of the public API, and the answers that cost a client nothing.

Many phones share one carrier-NAT address, and an idle app fleet polls all day. So a limit
counts the answers that cost the server real work: a 304 (the client's copy is current) and an
empty sync delta are refunded after they are sent, and never use up the address's allowance.
Full documents, pages and non-empty deltas count as before, so one abuser behind the same
address is still limited.
"""

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle

# Set on a response (e.g. an empty sync delta) that should not count against the limit.
FREE_OF_CHARGE = "free_of_charge"


class PublicRateThrottle(AnonRateThrottle):
    """Anonymous reads per client IP; the rate is read from settings at request time."""

    scope = "anon"

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def refund(self) -> None:
        """Take back this request's charge (call after allow_request said yes)."""
        history = getattr(self, "history", None)
        if history and history[0] == self.now:
            history.pop(0)
            self.cache.set(self.key, history, self.duration)  # type: ignore[attr-defined]


def refund_free_answers(throttles: list[BaseThrottle], response: Any) -> None:
    """Refund the charge of a 304 or of a response marked free of charge."""
    if response.status_code == 304 or getattr(response, FREE_OF_CHARGE, False):
        for throttle in throttles:
            refund = getattr(throttle, "refund", None)
            if refund is not None:
                refund()
