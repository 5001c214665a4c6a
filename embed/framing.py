"""Who may frame the card: anyone, or only a partner's origins when the URL names its key.

A card URL may name a publishable key by its public prefix (`tkp_…`, shown in the admin and
by `manage.py partner_keys`) or its id, never by the secret: `?key=tkp_k3v9q0x2ma`. The card
then carries `frame-ancestors` with that partner's allowed origins only, so a copy of the
snippet on another site shows nothing. Without `key` the card may be framed anywhere.
"""

from api.partner_keys import publishable_key_origins
from partners.models import ApiKey

ANYONE = "*"
NOBODY = "'none'"


class FramingError(ValueError):
    """The card URL names a key that cannot decide who may frame it (a 400)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errors = {"key": message}


def _origins(reference: str) -> list[str] | None:
    """The allowed origins behind an active publishable key's prefix or id, or None.

    Whether a key is usable is decided in one place (partners.policy; api.partner_keys
    remembers keys per worker for API_KEY_CACHE_SECONDS); an id is first turned into its prefix.
    """
    prefix: str | None = reference
    if reference.isdigit():
        prefix = ApiKey.objects.filter(pk=int(reference)).values_list("prefix", flat=True).first()
    origins = publishable_key_origins(prefix) if prefix else None
    return None if origins is None else sorted(origins)


def frame_ancestors(key_reference: str) -> str:
    """The CSP frame-ancestors source list for a card URL's `key` ('' means anyone)."""
    if not key_reference:
        return ANYONE
    origins = _origins(key_reference)
    if origins is None:
        raise FramingError(
            "No active publishable key has this prefix or id; use the prefix (tkp_…) shown "
            "when the key was issued, or leave `key` out to allow embedding anywhere."
        )
    # A partner with no allowed origins gets a card nobody can frame, which is what it listed.
    return " ".join(origins) or NOBODY
