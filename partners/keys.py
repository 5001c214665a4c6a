"""The shape of an API key: an identifiable prefix, a 256-bit secret, and its SHA-256 digest.

A raw key looks like `tks_k3v9q0x2ma.<43 url-safe characters>` (`tkp_` for a publishable key).
The prefix is stored in clear, so a key can be found in one indexed lookup, recognised in logs
and by secret scanners, and named in the admin; the whole key is stored only as a SHA-256
digest. A password hasher (PBKDF2, Argon2) is built to slow down guessing of low-entropy
secrets; a 256-bit random secret cannot be guessed however fast the hash is, so one SHA-256
(about a microsecond) is as safe here and keeps every keyed request fast. This is the choice
djangorestframework-api-key made in its 3.0 release for the same reason.
"""

import hashlib
import hmac
import re
import secrets

PUBLISHABLE_TAG = "tkp_"
SECRET_TAG = "tks_"
PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_RANDOM_LENGTH = 10
SECRET_BYTES = 32
RAW_KEY = re.compile(r"^(tk[ps]_[a-z0-9]{10})\.([A-Za-z0-9_-]{43})$")


def key_prefix_new(*, publishable: bool) -> str:
    tag = PUBLISHABLE_TAG if publishable else SECRET_TAG
    return tag + "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_RANDOM_LENGTH))


def key_secret_new() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def key_digest(raw: str) -> str:
    """The stored form of a raw key (hex SHA-256 of the whole key, prefix included)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def key_prefix_of(raw: str) -> str | None:
    """The prefix of a well-formed raw key, or None when `raw` cannot be one of our keys."""
    match = RAW_KEY.match(raw)
    return match.group(1) if match else None


def key_matches(raw: str, digest: str) -> bool:
    """Whether `raw` is the key behind `digest`, compared in constant time."""
    return hmac.compare_digest(key_digest(raw), digest)
