"""Request and response shapes of the webhooks API (one named class each)."""

from typing import Any

from rest_framework import serializers

from events.types import EventType
from events.webhooks.models import Attempt, Delivery, DeliveryState, WebhookEndpoint

EVENT_TYPES_HELP = "Event types to receive; empty or absent: every type."


class EndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    """A webhook endpoint as its partner sees it (never its secret after creation)."""

    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), help_text=EVENT_TYPES_HELP
    )
    disabled_reason = serializers.CharField(
        help_text="Why it was disabled (by repeated failures, or by you); empty when enabled."
    )
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="After a rotation: until when the previous secret also signs (else null).",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointCreatedSerializer(EndpointSerializer):
    """The answer to a registration: the endpoint and its signing secret, shown this once."""

    secret = serializers.CharField(
        help_text="`whsec_...`: verify signatures with it. Shown only now; rotate if lost."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointCreateSerializer(serializers.Serializer[Any]):
    """A new endpoint: an https URL and, optionally, the event types it wants."""

    url = serializers.URLField(max_length=2000, help_text="https; checked against SSRF rules.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        default=list,
        help_text=EVENT_TYPES_HELP,
    )
    description = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    enabled = serializers.BooleanField(required=False, default=True)


class EndpointUpdateSerializer(serializers.Serializer[Any]):
    """Changes to an endpoint; `enabled: true` resumes a disabled one (waiting events go out)."""

    url = serializers.URLField(max_length=2000, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        help_text=EVENT_TYPES_HELP,
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class SecretRotatedSerializer(serializers.Serializer[Any]):
    """A new signing secret; the previous one keeps signing until `previous_secret_expires_at`."""

    secret = serializers.CharField(help_text="The new `whsec_...` secret, shown only now.")
    previous_secret_expires_at = serializers.DateTimeField()


class AttemptSerializer(serializers.ModelSerializer[Attempt]):
    """One HTTP request of a delivery."""

    class Meta:
        model = Attempt
        fields = ["at", "status_code", "latency_ms", "succeeded", "error", "response_excerpt"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    """One event (or ping) sent to the endpoint, with its attempts."""

    webhook_id = serializers.CharField(
        source="message_id", help_text="The `webhook-id` header: the same on every attempt."
    )
    state = serializers.ChoiceField(choices=DeliveryState.choices)
    sequence = serializers.IntegerField(
        source="event.sequence",
        allow_null=True,
        default=None,
        help_text="The change-log sequence of a treatment event (null for a ping or a release).",
    )
    attempt_log = AttemptSerializer(many=True, help_text="Every attempt, oldest first.")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event_type",
            "sequence",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "finished_at",
            "attempt_log",
        ]
        read_only_fields = fields
