"""Every write to webhook endpoints, for the partner API and the admin alike.

Keyword-only, validated before anything is saved, one transaction each. A URL is checked by
events.webhooks.addresses (UnsafeUrl: a 400 at the HTTP edge); event types must be known.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.types import EventType
from partners.models import Partner

from .addresses import url_target
from .bodies import PING_TYPE, ping_body
from .delivery import delivery_schedule, endpoint_resume, head_schedule
from .models import Delivery, DeliveryState, WebhookEndpoint
from .signing import secret_generate


class EventTypesUnknown(ValueError):
    """The event-type filter names types that do not exist."""


def event_types_clean(values: Iterable[str]) -> list[str]:
    """The filter as stored: known types, each once, in a stable order (empty: every type)."""
    values = list(values)
    unknown = sorted(set(values) - set(EventType.values))
    if unknown:
        raise EventTypesUnknown(
            f"Unknown event type(s) {', '.join(unknown)}; choose from "
            f"{', '.join(EventType.values)} (or none, for every type)."
        )
    return sorted(set(values))


@transaction.atomic
def endpoint_create(
    *,
    partner: Partner,
    url: str,
    event_types: Iterable[str] = (),
    description: str = "",
    enabled: bool = True,
) -> WebhookEndpoint:
    """Register `url` for `partner`; the new endpoint carries its secret (show it once)."""
    url_target(url)
    return WebhookEndpoint.objects.create(
        partner=partner,
        url=url,
        event_types=event_types_clean(event_types),
        description=description,
        enabled=enabled,
        secret=secret_generate(),
    )


@transaction.atomic
def endpoint_update(endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change url, event_types, description or enabled; enabling again resumes deliveries."""
    allowed = {"url", "event_types", "description", "enabled"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"endpoint_update cannot change {sorted(unknown)}")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes:
        url_target(changes["url"])
        endpoint.url = changes["url"]
    if "event_types" in changes:
        endpoint.event_types = event_types_clean(changes["event_types"])
    if "description" in changes:
        endpoint.description = changes["description"]
    resumed = False
    if "enabled" in changes and bool(changes["enabled"]) != endpoint.enabled:
        endpoint.enabled = bool(changes["enabled"])
        if endpoint.enabled:
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
            endpoint.consecutive_failures = 0
            resumed = True
        else:
            endpoint.disabled_reason = "Disabled by the partner."
            endpoint.disabled_at = timezone.now()
    endpoint.save()
    if resumed:
        endpoint_resume(endpoint)
    return endpoint


@transaction.atomic
def endpoint_delete(endpoint: WebhookEndpoint) -> None:
    """Remove `endpoint` with its deliveries and their attempts."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


@transaction.atomic
def endpoint_rotate_secret(
    endpoint: WebhookEndpoint, *, overlap: dt.timedelta | None = None
) -> WebhookEndpoint:
    """Give `endpoint` a new secret; the old one keeps signing for the overlap window."""
    if overlap is None:
        overlap = dt.timedelta(hours=float(settings.WEBHOOKS_SECRET_OVERLAP_HOURS))
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + overlap
    endpoint.secret = secret_generate()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


@transaction.atomic
def endpoint_ping(endpoint: WebhookEndpoint) -> Delivery:
    """Queue a signed test message to `endpoint` (tried once, even while it is disabled)."""
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type=PING_TYPE, body=ping_body(endpoint)
    )
    delivery_schedule(delivery, timezone.now())
    return delivery


@transaction.atomic
def delivery_redeliver(delivery: Delivery) -> Delivery:
    """Send `delivery` again (same webhook-id), with a fresh retry schedule."""
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.finished_at = None
    delivery.leased_until = None
    delivery.next_attempt_at = None
    delivery.save(
        update_fields=["state", "attempts", "finished_at", "leased_until", "next_attempt_at"]
    )
    if delivery.treatment_id is None or delivery.event_id is None:
        delivery_schedule(delivery, timezone.now())
    else:
        head_schedule(endpoint=delivery.endpoint, treatment_id=delivery.treatment_id)
    return delivery
