"""The body of every webhook message, built here only: small, public, Standard Webhooks shaped.

`{"type": ..., "timestamp": ..., "data": {...}}`: the event type, when it happened, and for a
treatment its id, slug, revision, change-log sequence and links (the treatment, the revision,
the sync feed), relative and, with WEBHOOKS_PUBLIC_BASE_URL set, absolute too. Never a document
and never draft content: a partner fetches what it needs from the public API.
"""

import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.models import OutboxEvent
from events.types import EventType

from .models import WebhookEndpoint

PING_TYPE = "webhook.ping"


def _link(path: str) -> dict[str, str]:
    base = str(settings.WEBHOOKS_PUBLIC_BASE_URL).rstrip("/")
    return {"path": path, "href": base + path} if base else {"path": path}


def _treatment_data(payload: dict[str, Any], *, slug: str, revision: int | None) -> dict[str, Any]:
    treatment = payload.get("treatment") or {}
    links = {
        "treatment": _link(reverse("v1:treatment-detail", kwargs={"key": slug})),
        "sync": _link(reverse("v1:sync")),
    }
    if revision is not None:
        links["revision"] = _link(
            reverse("v1:revision-detail", kwargs={"key": slug, "number": revision})
        )
    return {
        "treatment": {"id": treatment.get("id"), "slug": slug},
        "revision": revision,
        "sequence": payload.get("sequence"),
        "links": links,
    }


def event_body(event: OutboxEvent) -> str:
    """The JSON body sent for `event` (the same bytes on every attempt)."""
    payload = event.payload
    if event.type == EventType.RELEASE_PUBLISHED:
        data: dict[str, Any] = {
            "release": payload.get("release"),
            "changes": [
                {
                    "type": change.get("type"),
                    **_treatment_data(
                        change,
                        slug=(change.get("treatment") or {}).get("slug", ""),
                        revision=change.get("revision"),
                    ),
                }
                for change in payload.get("changes", [])
            ],
        }
    else:
        data = _treatment_data(payload, slug=event.slug, revision=event.revision)
    return _dumps(
        {"type": str(event.type), "timestamp": event.created_at.isoformat(), "data": data}
    )


def ping_body(endpoint: WebhookEndpoint) -> str:
    """The body of a test message to `endpoint`."""
    return _dumps(
        {
            "type": PING_TYPE,
            "timestamp": timezone.now().isoformat(),
            "data": {"endpoint_id": endpoint.pk},
        }
    )


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
