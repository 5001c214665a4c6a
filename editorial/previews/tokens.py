"""Preview-link tokens: `<link id>.<secret>` signed with the project's key and a salt of our own.

The signature stops forged and altered tokens before any database read; the secret (kept only
as a SHA-256) means a token cannot be made again from the database, nor from the key alone.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare

SALT = "editorial.previews.link"
SECRET_BYTES = 24
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class TokenParts:
    """What a token carries: which link, and its secret."""

    link_id: uuid.UUID
    secret: str


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return constant_time_compare(secret_hash(secret), stored_hash)


def token_make(link_id: uuid.UUID, secret: str) -> str:
    """The token a link's URL carries (URL-safe: letters, digits, `-`, `_`, `.` and `:`)."""
    return signing.Signer(salt=SALT).sign(f"{link_id.hex}.{secret}")


def token_read(token: str) -> TokenParts | None:
    """The parts of a genuine token, or None for anything forged, altered or malformed."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    link_hex, _, secret = value.partition(".")
    try:
        link_id = uuid.UUID(hex=link_hex)
    except ValueError:
        return None
    return TokenParts(link_id, secret) if secret else None
