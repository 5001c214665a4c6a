"""Whether a partner's API key may be used now, and from where: one policy for every door.

A key may be used until the earlier of its expiry and its revocation, while its partner is
active. A publishable key (meant for browser code) is accepted only from its partner's allowed
origins; a secret key is refused whenever an `Origin` is sent, because only browsers send one on
a GET and a secret key in a browser has leaked. The API answers a refusal with a 401 or a 403
(api/partner_keys.py, which also reads the key from the request and remembers keys per worker);
the embeddable card lets only an active publishable key's origins frame it.
"""

from dataclasses import dataclass
from typing import Any

from .models import ApiKey


@dataclass(frozen=True, slots=True)
class KeyRefusal:
    """Why a key cannot be used: a stable reason word and a message that says what to do."""

    reason: str
    detail: str


def _epoch(value: Any) -> float:
    return value.timestamp() if value is not None else float("inf")


def api_key_usable_until(key: ApiKey) -> float:
    """Epoch seconds until which `key` may be used: the earlier of expiry and revocation."""
    return min(_epoch(key.expires_at), _epoch(key.revoked_at))


def api_key_lapse(key: ApiKey, *, usable_until: float, now: float) -> KeyRefusal | None:
    """Why `key` cannot be used at all at `now` (revoked, expired, partner suspended), or None.

    `usable_until` is `api_key_usable_until(key)`, computed when the key was read.
    """
    prefix = key.prefix
    if now >= usable_until:
        if key.state() == "revoked":
            return KeyRefusal("revoked", f"The API key {prefix} was revoked.")
        when = key.expires_at.isoformat() if key.expires_at else "earlier"
        return KeyRefusal(
            "expired", f"The API key {prefix} expired at {when}; use its replacement."
        )
    if not key.partner.is_active:
        return KeyRefusal(
            "suspended",
            f"The partner account of {prefix} is suspended; contact us to restore it.",
        )
    return None


def api_key_origin_refusal(
    key: ApiKey, *, origins: frozenset[str], origin: str | None
) -> KeyRefusal | None:
    """Why `key` may not be used from `origin` (the request's Origin, if any), or None.

    `origins` are the partner's allowed origins, as read with the key.
    """
    prefix = key.prefix
    if key.publishable:
        if origin not in origins:
            shown = f"'{origin}'" if origin else "no Origin"
            return KeyRefusal(
                "origin-not-allowed",
                f"The publishable key {prefix} is not allowed from {shown}; it works only from "
                "its partner's allowed origins (ask us to add yours).",
            )
    elif origin:
        return KeyRefusal(
            "secret-key-in-browser",
            f"The secret key {prefix} was sent from a web page ({origin}). Secret keys are for "
            "servers; use a publishable key in browser code, and rotate this one.",
        )
    return None
