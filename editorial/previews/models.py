"""Models of preview links: who shared which draft, until when; the token itself is not kept."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from treatments.models import Treatment


class PreviewLinkQuerySet(models.QuerySet["PreviewLink"]):
    """Queries over preview links."""

    def active(self) -> "PreviewLinkQuerySet":
        """Links that still open: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A signed, expiring, revocable link that shows a treatment's working copy to a reviewer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="preview_links")
    # SHA-256 of the random secret the link's token carries; the token is shown once, never kept.
    secret_hash = models.CharField(max_length=64)
    note = models.CharField(
        max_length=200, blank=True, help_text="Whom the link is for, e.g. a reviewer's name."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_label = models.CharField(max_length=200, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["treatment", "-created_at"], name="previewlink_treatment_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="previewlink_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"Preview of {self.treatment_id} ({self.state})"

    @property
    def state(self) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"
