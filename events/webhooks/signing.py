"""Standard Webhooks signatures: `whsec_` secrets, and the three headers of a signed message.

Signing uses the `standardwebhooks` library itself, the reference a partner verifies with:
`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`. During a rotation's
overlap window the previous secret signs as well; the signatures are space-separated in
`webhook-signature`, and a receiver holding either secret verifies the message.
"""

import base64
import datetime as dt
import secrets as random_secrets
from collections.abc import Sequence

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from .models import WebhookEndpoint

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    """A new random signing secret, `whsec_` and 32 bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(SECRET_BYTES)).decode()


def endpoint_signing_secrets(
    endpoint: WebhookEndpoint, *, now: dt.datetime | None = None
) -> list[str]:
    """The secrets that sign for `endpoint` now: the current one, and the previous one in its
    overlap window."""
    now = now or timezone.now()
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(endpoint.previous_secret)
    return found


def signed_headers(
    *, secrets: Sequence[str], message_id: str, timestamp: dt.datetime, body: bytes
) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` for `body`, by every secret."""
    if not secrets:
        raise ValueError("A webhook needs at least one signing secret.")
    signatures = [Webhook(s).sign(message_id, timestamp, body) for s in secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
