"""Rate limits of the public API."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class PublicRateThrottle(AnonRateThrottle):
    """Anonymous reads per client IP; the rate is read from settings at request time."""

    scope = "anon"

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None
