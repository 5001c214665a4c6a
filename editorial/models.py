"""Models of the clinical review: reviewers' profiles, review rounds, approvals and comments.

Review is data with states (as Wagtail's moderation workflows), never a flag on the treatment:
a round is requested by an author, answered by a clinical reviewer, and closed by a publish. An
approval names the exact working-copy version and content it signs; an edit after it voids it.
These rows are written only by `editorial.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from treatments.models import Treatment


class ReviewState(models.TextChoices):
    """Where a review round stands."""

    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    CLOSED = "closed", "Closed"


OPEN_STATES = (ReviewState.IN_REVIEW, ReviewState.CHANGES_REQUESTED, ReviewState.APPROVED)


class ReviewerProfile(models.Model):
    """Who a clinical reviewer is, as the published review block names them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    display_name = models.CharField(
        max_length=120, blank=True, help_text="The name published documents show; e.g. Dr A. Smith."
    )
    credentials = models.CharField(
        max_length=150,
        blank=True,
        help_text='Qualifications as published, e.g. "MD, consultant in pain medicine".',
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class ReviewRound(models.Model):
    """One request for clinical review of a treatment's working copy, and how it ended."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="review_rounds")
    state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.IN_REVIEW
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_rounds_requested",
    )
    requested_by_label = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField()
    # The working-copy version the review was (last) requested at.
    version = models.PositiveIntegerField()
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="review_rounds_named"
    )
    message = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one open round per treatment: the review is one conversation at a time.
            models.UniqueConstraint(
                fields=["treatment"],
                condition=~Q(state="closed"),
                name="editorial_one_open_round_per_treatment",
            ),
            models.CheckConstraint(
                condition=Q(state="closed") | Q(closed_at__isnull=True),
                name="editorial_only_closed_rounds_have_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.treatment} ({self.get_state_display()})"


class Approval(models.Model):
    """A clinical reviewer's sign-off of one exact working-copy version and its content."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="approvals")
    round = models.ForeignKey(
        ReviewRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="approvals"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals"
    )
    reviewer_label = models.CharField(max_length=150)
    version = models.PositiveIntegerField(help_text="The working-copy version approved.")
    content_hash = models.CharField(max_length=80, help_text="The content approved (its hash).")
    created_at = models.DateTimeField()
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["treatment", "-created_at"], name="editorial_approval_recent")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_label} approved {self.treatment} v{self.version}"


class ReviewComment(models.Model):
    """A remark on a working copy, optionally pointing at a part of its document."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="review_comments"
    )
    round = models.ForeignKey(
        ReviewRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_comments",
    )
    author_label = models.CharField(max_length=150)
    body = models.TextField()
    # A JSON Pointer (RFC 6901) into the working copy's content, e.g. /risks/items/2; "" = whole.
    pointer = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(help_text="The working-copy version commented on.")
    created_at = models.DateTimeField()
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        where = self.pointer or "the whole document"
        return f"{self.author_label} on {where}: {self.body[:60]}"
