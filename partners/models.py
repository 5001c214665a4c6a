"""Partners (sites that use the API) and their API keys, which are stored only as digests."""

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .origins import origins_validate

# Plan bounds: a plan outside them is a typing mistake, not a business decision.
MAX_REQUESTS_PER_MINUTE = 60_000
MAX_BURST = 10_000
DEFAULT_REQUESTS_PER_MINUTE = 1_200
DEFAULT_BURST = 100


class Partner(models.Model):
    """A clinic or health portal that calls the API with its own keys and plan."""

    name = models.CharField(max_length=120, unique=True)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(help_text="Who to tell about key expiry and incidents.")
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        validators=[origins_validate],
        help_text=(
            "Exact web origins (https://clinic.example) whose pages may use this partner's "
            "publishable keys."
        ),
    )
    requests_per_minute = models.PositiveIntegerField(
        default=DEFAULT_REQUESTS_PER_MINUTE,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REQUESTS_PER_MINUTE)],
        help_text="The sustained rate this partner's keys are allowed, per key.",
    )
    burst = models.PositiveIntegerField(
        default=DEFAULT_BURST,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BURST)],
        help_text="How many requests a key may make at once above the sustained rate.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick to suspend every key of this partner at once."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requests_per_minute__gte=1)
                & Q(requests_per_minute__lte=MAX_REQUESTS_PER_MINUTE),
                name="partner_requests_per_minute_in_range",
            ),
            models.CheckConstraint(
                condition=Q(burst__gte=1) & Q(burst__lte=MAX_BURST),
                name="partner_burst_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A partner's API key: an identifiable prefix and the SHA-256 digest of the whole key."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(max_length=120, help_text="What the key is for, e.g. 'website'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    publishable = models.BooleanField(
        default=False,
        help_text=(
            "Meant to sit in the partner's browser code: accepted only from the partner's "
            "allowed origins. Secret keys are for servers and are refused from browsers."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        editable=False,
        help_text="The key this one was issued to replace (rotation).",
    )
    rotated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a replacement was issued."
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Updated at most every few minutes."
    )

    class Meta:
        ordering = ["partner__name", "-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="apikey_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    def state(self, now: dt.datetime | None = None) -> str:
        """'active', 'expired' or 'revoked' at `now`."""
        now = now or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == "active"
