"""Who may frame the card: anyone, or only a partner's origins when the URL names its key."""

from django.apps import apps


class FramingError(ValueError):
    """The card URL names a key that cannot decide who may frame it."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errors = {"key": message}


ANYONE = "*"


def frame_ancestors(key_reference: str) -> str:
    """The CSP frame-ancestors source list for a card URL's `key` ('' means anyone)."""
    if not key_reference:
        return ANYONE
    if not apps.is_installed("partners"):
        raise FramingError("Partner keys are not enabled on this server; leave `key` out.")
    from partners.selectors import publishable_key_origins  # type: ignore[import-not-found]

    origins = publishable_key_origins(reference=key_reference)
    if origins is None:
        raise FramingError(
            "No active publishable key has this prefix or id; use the prefix shown when the "
            "key was issued, or leave `key` out to allow embedding anywhere."
        )
    # A partner with no allowed origins gets a card nobody can frame, which is what it asked.
    return " ".join(origins) or "'none'"
