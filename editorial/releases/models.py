"""Models of scheduled actions and releases.

A scheduled action is a row with a state (Contentful's "scheduled actions"): publish or
withdraw one treatment at a time, or publish one release. A release is a named set of
members (publish this working copy, withdraw that treatment) that goes live in one
transaction. Neither writes treatments' rows: they call treatments.services when they run.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from treatments.models import Treatment


class ChangeKind(models.TextChoices):
    """What a scheduled action or a release member does to a treatment."""

    PUBLISH = "publish", "Publish"
    WITHDRAW = "withdraw", "Withdraw"


class ScheduleState(models.TextChoices):
    """Where a scheduled action stands; only `pending` ever changes."""

    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class ReleaseState(models.TextChoices):
    """Where a release stands: members change only while it is a draft."""

    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class Release(models.Model):
    """A named set of changes to several treatments that goes live together, or not at all."""

    name = models.CharField(max_length=200)
    state = models.CharField(
        max_length=16, choices=ReleaseState.choices, default=ReleaseState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    # The change-log entries the release wrote: consecutive sequence numbers, first to last.
    first_sequence = models.BigIntegerField(null=True, blank=True)
    last_sequence = models.BigIntegerField(null=True, blank=True)
    # Why it was cancelled or failed, or what it did.
    message = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReleaseState.values), name="release_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(first_sequence__isnull=True, last_sequence__isnull=True)
                | Q(first_sequence__lte=models.F("last_sequence")),
                name="release_sequence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display().lower()})"


class ReleaseMember(models.Model):
    """One treatment in a release: publish its working copy at `version`, or withdraw it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="members")
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=ChangeKind.choices, default=ChangeKind.PUBLISH)
    # The working copy's version when the member was added: the release publishes exactly that
    # version; a later edit makes the member stale (the release is refused or cancelled).
    version = models.PositiveIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["release", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "treatment"], name="release_member_once_per_release"
            ),
            models.CheckConstraint(
                condition=Q(action__in=ChangeKind.values), name="release_member_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.treatment} (v{self.version})"


class ScheduledAction(models.Model):
    """Publish or withdraw one treatment, or publish one release, at a time (run by the worker)."""

    treatment = models.ForeignKey(
        Treatment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_actions",
    )
    release = models.ForeignKey(
        Release,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scheduled_actions",
    )
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    run_at = models.DateTimeField(db_index=True)
    state = models.CharField(
        max_length=16, choices=ScheduleState.choices, default=ScheduleState.PENDING
    )
    # A scheduled publish goes live only at this working-copy version (the If-Match of the
    # request that scheduled it); an edit after scheduling cancels it instead.
    version = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(max_length=1000, blank=True)
    ran_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["run_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(treatment__isnull=False, release__isnull=True)
                | Q(treatment__isnull=True, release__isnull=False, kind=ChangeKind.PUBLISH),
                name="scheduled_action_one_target",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ScheduleState.values), name="scheduled_action_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="scheduled_action_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ChangeKind.PUBLISH, treatment__isnull=False, version=None),
                name="scheduled_publish_binds_a_version",
            ),
        ]
        indexes = [models.Index(fields=["state", "run_at"], name="scheduled_action_due_idx")]

    def __str__(self) -> str:
        target = self.release if self.release_id else self.treatment
        return f"{self.get_kind_display()} {target} at {self.run_at:%Y-%m-%d %H:%M} ({self.state})"

    @property
    def target_label(self) -> str:
        """What the action acts on, for lists and notices."""
        if self.release_id is not None:
            return f"release “{self.release.name}”"  # type: ignore[union-attr]
        return f"“{self.treatment.title}”"  # type: ignore[union-attr]
