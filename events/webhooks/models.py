"""Webhook endpoints of partners, the deliveries of events to them, and every attempt."""

import uuid

from django.db import models
from django.utils import timezone

from partners.models import Partner

# Kept of a receiver's answer in Attempt.response_excerpt (the rest is read and dropped).
RESPONSE_EXCERPT_CHARS = 1000


def webhook_message_id() -> str:
    """A fresh `webhook-id`: stable across the retries of one delivery (partners dedup on it)."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A partner's URL that receives signed events of the types it subscribed to."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000, help_text="https only (see WEBHOOKS_ALLOW_LOCAL).")
    description = models.CharField(max_length=200, blank=True)
    # Event type values (events.types.EventType); empty means every type.
    event_types = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # `whsec_<base64>`: the current secret signs everything. Stored as is: it must sign.
    secret = models.CharField(max_length=100)
    # After a rotation the previous secret signs too, until it expires (the overlap window).
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner_id", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.url}"

    def subscribes_to(self, event_type: str) -> bool:
        """Whether events of `event_type` go to this endpoint (an empty filter takes all)."""
        return not self.event_types or event_type in self.event_types


class DeliveryState(models.TextChoices):
    """Where one delivery stands."""

    PENDING = "pending", "Pending (queued, waiting its turn, or waiting for a retry)"
    DELIVERED = "delivered", "Delivered (the receiver answered 2xx)"
    FAILED = "failed", "Failed (every scheduled attempt failed)"


class Delivery(models.Model):
    """One event (or a ping) to one endpoint: one `webhook-id`, one body, several attempts."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Null for a ping (a test message the partner asked for).
    event = models.ForeignKey(
        "events.OutboxEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
    )
    event_type = models.CharField(max_length=40)
    # Deliveries of one treatment to one endpoint go out in event order (null: no order).
    treatment_id = models.UUIDField(null=True, blank=True)
    message_id = models.CharField(max_length=64, unique=True, default=webhook_message_id)
    # The exact bytes signed and sent on every attempt.
    body = models.TextField()
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When the next attempt is due; null while the delivery waits for an earlier one of the
    # same treatment, while its endpoint is disabled, or once it is finished.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while an attempt is under way, so that a duplicate task does not send at once too.
    leased_until = models.DateTimeField(null=True, blank=True)
    # The task that holds the lease: if its worker dies, the same task queued again (events/
    # worker) takes the lease over at once instead of waiting for it to run out.
    leased_by = models.CharField(max_length=64, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=models.Q(event__isnull=False),
                name="webhook_delivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "treatment_id", "state", "event"],
                name="webhook_delivery_order_idx",
            ),
            models.Index(fields=["state", "endpoint"], name="webhook_delivery_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type} → endpoint {self.endpoint_id}: {self.state}"


class Attempt(models.Model):
    """One HTTP request of a delivery: its outcome, latency and the start of the answer."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=RESPONSE_EXCERPT_CHARS, blank=True)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "id"]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "?"
        return f"attempt of delivery {self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}: {outcome}"
