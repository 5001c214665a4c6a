"""Sync tokens: opaque to clients, signed so that a changed token is refused, not trusted.

A token names where a client stands: in a full sync (`snapshot`: the log head when it began and
the last treatment id sent) or at a point of the change log (`delta`: the last sequence it has
seen, and while paging a delta, the head it pages up to and the last sequence sent). The scope
(category, language) is bound into it. Tokens carry no time: the same position gives the same
token, so an idle client's empty delta keeps one ETag (and 304s).

A token is checked field by field even though it is signed: one that names its scope with a
control character (NUL, which PostgreSQL refuses in any text) or a value of the wrong type is
a 400 like any other token this API would not have minted.
"""

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from django.core import signing
from rest_framework.exceptions import ValidationError

from treatments.selectors import SyncScope

SALT = "treatment-knowledge.sync.v1"
MAX_SCOPE_LENGTH = 200  # longer than any category slug or language tag


def _scope_text(data: dict[str, Any], name: str) -> str | None:
    """A scope value of a token: absent, or printable text of a sane length (else ValueError)."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.isprintable() or len(value) > MAX_SCOPE_LENGTH:
        raise ValueError(f"token field {name!r} is not a scope value")
    return value


def _whole(value: Any) -> int:
    """A whole number of a token (not a bool, a float or text), else ValueError."""
    if type(value) is not int or value < 0:
        raise ValueError("token number is not a whole number")
    return value


@dataclass(frozen=True)
class SyncToken:
    """A client's position in a sync."""

    mode: Literal["snapshot", "delta"]
    since: int  # snapshot: the log head when the full sync began; delta: the last seen sequence
    scope: SyncScope
    upto: int | None = None  # delta pages: the head this delta pages up to
    after_id: uuid.UUID | None = None  # snapshot pages: the last treatment id sent
    after_sequence: int = 0  # delta pages: the last change sequence sent

    def encode(self) -> str:
        payload = {
            "m": "s" if self.mode == "snapshot" else "d",
            "s": self.since,
            "c": self.scope.category,
            "l": self.scope.language,
            "u": self.upto,
            "i": self.after_id.hex if self.after_id else None,
            "a": self.after_sequence or None,
        }
        return signing.Signer(salt=SALT).sign_object(
            {k: v for k, v in payload.items() if v is not None}, compress=True
        )


def decode(raw: str) -> SyncToken:
    """The token's position; a token this API did not mint (or that was changed) is a 400."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(raw)
        if not isinstance(data, dict):
            raise TypeError("a token is an object")
        mode = {"s": "snapshot", "d": "delta"}[data["m"]]
        after_id = uuid.UUID(hex=data["i"]) if "i" in data else None
        return SyncToken(
            mode=mode,  # type: ignore[arg-type]
            since=_whole(data["s"]),
            scope=SyncScope(category=_scope_text(data, "c"), language=_scope_text(data, "l")),
            upto=_whole(data["u"]) if "u" in data else None,
            after_id=after_id,
            after_sequence=_whole(data.get("a", 0)),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise ValidationError(
            {
                "token": [
                    "This token was not issued by this API, or it was changed. Use a "
                    "`next_page_token` or `next_sync_token` exactly as received, or start a "
                    "full sync without a token."
                ]
            }
        ) from None
