"""Delivering webhooks: fan-out of an event, one task per attempt, order, retries, disabling.

- `deliveries_create` (the `webhooks.fan_out` event handler, an atomic one) writes one Delivery
  per enabled endpoint subscribed to the event, in the transaction that marks its run done.
- Deliveries of one treatment to one endpoint go out in event order: only the earliest pending
  one (the head) is scheduled; when it is delivered or gives up, the next one is scheduled. A
  delivery whose earlier event has not been fanned out yet waits for that fan-out, too.
- `delivery_attempt` (a task) signs and POSTs the body once. A failed attempt is retried after
  WEBHOOKS_RETRY_SCHEDULE[n] seconds (with WEBHOOKS_RETRY_JITTER); when the schedule is spent
  the delivery fails. After WEBHOOKS_DISABLE_AFTER_FAILURES consecutive failed attempts, a
  delivery that gave up, or one answer 410 Gone (the receiver's "stop sending", per Standard
  Webhooks), the endpoint is disabled and its partner told by email. Its pending deliveries
  are kept, and sent in order when it is enabled again.
- At least once: a worker that dies mid-attempt leaves its task to be run again (events/worker).
  The `webhook-id` stays the same on every attempt, so receivers can drop duplicates.

Every task carries the `due` time it was scheduled for; a task whose delivery was rescheduled
since (a retry, a redelivery) finds another `next_attempt_at` and does nothing.
"""

import datetime as dt
import logging
import random
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.mail import email_enqueue
from events.models import HandlerRun, HandlerRunStatus, OutboxEvent
from events.queue import TaskContext, enqueue_at, task

from .addresses import UnsafeUrl, url_target
from .bodies import PING_TYPE, event_body
from .models import Attempt, Delivery, DeliveryState, WebhookEndpoint
from .signing import endpoint_signing_secrets, signed_headers
from .transport import Outcome, webhook_post

logger = logging.getLogger("events.webhooks")

WEBHOOKS_QUEUE = "webhooks"
FAN_OUT_HANDLER = "webhooks.fan_out"
# An attempt holds its delivery this long beyond its timeouts (a duplicate task waits for it).
LEASE_MARGIN_SECONDS = 30
# A receiver's "no more messages" (Standard Webhooks: the sender disables the endpoint).
GONE = 410


def retry_delay(attempts: int) -> float | None:
    """Seconds before the next try after `attempts` failed ones; None when the schedule is spent."""
    schedule = [float(s) for s in settings.WEBHOOKS_RETRY_SCHEDULE]
    if attempts > len(schedule):
        return None
    jitter = float(settings.WEBHOOKS_RETRY_JITTER)
    return max(0.0, schedule[attempts - 1] * random.uniform(1 - jitter, 1 + jitter))


def delivery_schedule(delivery: Delivery, when: dt.datetime) -> None:
    """Queue an attempt of `delivery` at `when` (inside the caller's transaction)."""
    delivery.next_attempt_at = when
    delivery.save(update_fields=["next_attempt_at"])
    delivery_attempt.using(run_after=when).enqueue(delivery_id=delivery.pk, due=when.isoformat())


def head_schedule(*, endpoint: WebhookEndpoint, treatment_id: uuid.UUID | None) -> None:
    """Schedule the earliest pending delivery of `treatment_id` to `endpoint`, if it waits."""
    if not endpoint.enabled:
        return
    pending = Delivery.objects.select_for_update().filter(
        endpoint=endpoint, state=DeliveryState.PENDING, treatment_id=treatment_id
    )
    if treatment_id is None:  # no order to keep: every waiting one goes
        heads = list(pending.filter(next_attempt_at__isnull=True))
    else:
        heads = list(pending.order_by("event_id", "id")[:1])
    now = timezone.now()
    for head in heads:
        if head.next_attempt_at is None:
            delivery_schedule(head, now)


def endpoint_resume(endpoint: WebhookEndpoint) -> None:
    """Schedule every waiting head of `endpoint` (after it was enabled again)."""
    treatments = set(
        Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.PENDING).values_list(
            "treatment_id", flat=True
        )
    )
    for treatment_id in treatments:
        head_schedule(endpoint=endpoint, treatment_id=treatment_id)


def deliveries_create(event: OutboxEvent) -> list[Delivery]:
    """Write a delivery of `event` to every enabled endpoint that subscribes to its type."""
    body = event_body(event)
    created = []
    for endpoint in WebhookEndpoint.objects.filter(enabled=True).select_related("partner"):
        if not endpoint.subscribes_to(event.type) or not endpoint.partner.is_active:
            continue
        delivery, new = Delivery.objects.get_or_create(
            endpoint=endpoint,
            event=event,
            defaults={"event_type": event.type, "treatment_id": event.treatment_id, "body": body},
        )
        if new:
            created.append(delivery)
    # Heads of this treatment on every endpoint: a later event may have waited for this one.
    endpoints = WebhookEndpoint.objects.filter(
        enabled=True,
        deliveries__state=DeliveryState.PENDING,
        deliveries__treatment_id=event.treatment_id,
    ).distinct()
    for endpoint in endpoints:
        head_schedule(endpoint=endpoint, treatment_id=event.treatment_id)
    return created


def _waits_for_earlier(delivery: Delivery) -> bool:
    """Whether an earlier event of the same treatment must reach this endpoint first."""
    if delivery.treatment_id is None or delivery.event_id is None:
        return False
    earlier_delivery = Delivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        treatment_id=delivery.treatment_id,
        state=DeliveryState.PENDING,
        event_id__lt=delivery.event_id,
    ).exists()
    earlier_fan_out = HandlerRun.objects.filter(
        handler=FAN_OUT_HANDLER,
        status=HandlerRunStatus.PENDING,
        event__treatment_id=delivery.treatment_id,
        event_id__lt=delivery.event_id,
    ).exists()
    return earlier_delivery or earlier_fan_out


def _lease_seconds() -> float:
    return (
        float(settings.WEBHOOKS_CONNECT_TIMEOUT)
        + float(settings.WEBHOOKS_READ_TIMEOUT)
        + LEASE_MARGIN_SECONDS
    )


@task(queue_name=WEBHOOKS_QUEUE, takes_context=True)
def delivery_attempt(context: TaskContext, *, delivery_id: int, due: str) -> str:
    """Make the attempt of delivery `delivery_id` that was due at `due`; what became of it."""
    now = timezone.now()
    this_task = str(context.task_result.id)[:64]
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "gone"
        if delivery.state != DeliveryState.PENDING:
            return str(delivery.state)
        if delivery.next_attempt_at != dt.datetime.fromisoformat(due):
            return "superseded"  # rescheduled since (a retry, a redelivery): another task runs
        lease_end = delivery.leased_until
        if lease_end is not None and lease_end > now:
            if delivery.leased_by != this_task:
                # Another task is sending it (or died sending it): look again when the lease ends.
                enqueue_at(delivery_attempt, lease_end, delivery_id=delivery.pk, due=due)
                return "busy"
            # This very task held the lease when its worker was lost; it was queued again
            # (events/worker), so nobody else is sending: take the lease over now.
            logger.warning("Webhook delivery %s: retaken after its worker was lost", delivery.pk)
        endpoint = delivery.endpoint
        if not endpoint.enabled and delivery.event_id is not None:
            delivery.next_attempt_at = None  # paused; endpoint_resume schedules it again
            delivery.save(update_fields=["next_attempt_at"])
            return "paused"
        if _waits_for_earlier(delivery):
            delivery.next_attempt_at = None  # the earlier one schedules it when it is done
            delivery.save(update_fields=["next_attempt_at"])
            return "waiting"
        delivery.leased_until = now + dt.timedelta(seconds=_lease_seconds())
        delivery.leased_by = this_task
        delivery.save(update_fields=["leased_until", "leased_by"])
        secrets = endpoint_signing_secrets(endpoint, now=now)
        url = endpoint.url

    outcome = _send(url, delivery, secrets)
    return _record(delivery_id=delivery_id, outcome=outcome)


def _send(url: str, delivery: Delivery, secrets: list[str]) -> Outcome:
    try:
        target = url_target(url)  # checked again at every delivery: DNS may have changed
    except UnsafeUrl as refusal:
        return Outcome(status_code=None, latency_ms=0, error=f"refused: {refusal}"[:500])
    try:
        body = delivery.body.encode()
        headers = signed_headers(
            secrets=secrets, message_id=delivery.message_id, timestamp=timezone.now(), body=body
        )
        return webhook_post(target, headers=headers, body=body)
    except Exception as error:  # a bug must not leave the delivery leased and unscheduled
        logger.exception("Webhook delivery %s could not be sent", delivery.pk)
        return Outcome(
            status_code=None, latency_ms=0, error=f"{type(error).__name__}: {error}"[:500]
        )


@transaction.atomic
def _record(*, delivery_id: int, outcome: Outcome) -> str:
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"  # its endpoint was deleted while the attempt was under way
    endpoint = (
        WebhookEndpoint.objects.select_for_update()
        .select_related("partner")
        .get(pk=delivery.endpoint_id)
    )
    now = timezone.now()
    Attempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
        succeeded=outcome.succeeded,
    )
    delivery.attempts += 1
    delivery.leased_until = None
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    # A ping is tried once and says nothing about the endpoint's health.
    is_ping = delivery.event_type == PING_TYPE
    if outcome.succeeded:
        delivery.state = DeliveryState.DELIVERED
        delivery.finished_at = now
        delivery.next_attempt_at = None
        if not is_ping and endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
    else:
        delay = None if is_ping else retry_delay(delivery.attempts)
        if delay is None:
            delivery.state = DeliveryState.FAILED
            delivery.finished_at = now
            delivery.next_attempt_at = None
        if not is_ping:
            endpoint.consecutive_failures += 1
            endpoint.save(update_fields=["consecutive_failures"])
            limit = int(settings.WEBHOOKS_DISABLE_AFTER_FAILURES)
            if outcome.status_code == GONE:
                endpoint_disable(
                    endpoint,
                    reason=f"The receiver answered HTTP 410 Gone to delivery "
                    f"{delivery.message_id}: it wants no more messages.",
                )
            elif delay is None:
                endpoint_disable(
                    endpoint,
                    reason=f"Delivery {delivery.message_id} failed {delivery.attempts} times "
                    f"over its whole retry schedule (last: {_said(outcome)}).",
                )
            elif endpoint.consecutive_failures >= limit:
                endpoint_disable(
                    endpoint,
                    reason=f"{endpoint.consecutive_failures} attempts in a row failed "
                    f"(last: {_said(outcome)}).",
                )
    delivery.save(
        update_fields=[
            "attempts",
            "leased_until",
            "last_status_code",
            "last_error",
            "state",
            "finished_at",
            "next_attempt_at",
        ]
    )
    if delivery.state == DeliveryState.PENDING:
        delivery_schedule(delivery, now + dt.timedelta(seconds=delay or 0))
    elif delivery.treatment_id is not None:
        head_schedule(endpoint=endpoint, treatment_id=delivery.treatment_id)
    return str(delivery.state)


def _said(outcome: Outcome) -> str:
    if outcome.status_code is not None:
        return f"HTTP {outcome.status_code}"
    return outcome.error or "no answer"


def endpoint_disable(endpoint: WebhookEndpoint, *, reason: str) -> None:
    """Stop deliveries to `endpoint`, say why, and tell its partner by email."""
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:300]
    endpoint.disabled_at = timezone.now()
    endpoint.save(update_fields=["enabled", "disabled_reason", "disabled_at"])
    logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    partner = endpoint.partner
    if partner.contact_email:
        email_enqueue(
            to=[partner.contact_email],
            subject="Webhook endpoint disabled",
            body=(
                f"Hello {partner.contact_name or partner.name},\n\n"
                f"We stopped sending webhooks to {endpoint.url} (endpoint {endpoint.pk}):\n"
                f"{endpoint.disabled_reason}\n\n"
                "Events that were waiting are kept. When the receiver works again, enable the "
                f"endpoint (PATCH /api/v1/webhooks/endpoints/{endpoint.pk}/ with "
                '{"enabled": true}) and they are sent, in order.\n'
            ),
        )
