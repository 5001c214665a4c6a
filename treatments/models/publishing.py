"""What publishing produces: immutable revisions, the public read model and the audit log."""

import json
from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from treatments.choices import AuditAction

from .catalog import Treatment


class RevisionImmutableError(Exception):
    """Raised on any attempt to change or delete a frozen revision or a change-log entry."""


def _refuse_change(*args: Any, **kwargs: Any) -> NoReturn:
    raise RevisionImmutableError(
        "Revisions and the change log are append-only; publish a new revision instead of "
        "changing an old one."
    )


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk updates and deletes; the database refuses them too (triggers)."""

    update = _refuse_change  # type: ignore[assignment]
    delete = _refuse_change  # type: ignore[assignment]


class AppendOnlyModel(models.Model):
    """A row that is written once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse_change()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse_change()


class Revision(AppendOnlyModel):
    """A frozen, numbered snapshot of a treatment's published document."""

    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    schema_version = models.CharField(max_length=16)
    # The exact bytes served for this revision, so that its ETag never changes.
    document_json = models.TextField()
    content_hash = models.CharField(max_length=64, db_index=True)
    etag = models.CharField(max_length=66)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    change_note = models.CharField(max_length=500, blank=True)
    reverted_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["treatment", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["treatment", "number"], name="revision_unique_number_per_treatment"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="revision_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id} r{self.number}"

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.document_json)  # type: ignore[no-any-return]


class PublicationQuerySet(models.QuerySet["Publication"]):
    """Queries over the read model."""

    def live(self) -> "PublicationQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class Publication(models.Model):
    """The public read model of a treatment: its live revision, filter columns and bytes."""

    treatment = models.OneToOneField(
        Treatment, on_delete=models.PROTECT, primary_key=True, related_name="publication"
    )
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    revision_number = models.PositiveIntegerField()
    source_version = models.PositiveIntegerField(
        help_text="The working-copy version that was published."
    )
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    category_slug = models.SlugField(max_length=80, db_index=True)
    category_name = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=35, default="en", db_index=True)
    classification = models.CharField(max_length=32, db_index=True)
    tissue_source = models.CharField(max_length=32, db_index=True)
    # ",running,driving," so that one `contains` finds an activity on every database.
    restricted_activities = models.CharField(max_length=500, blank=True)
    # "First noticed within": see treatments.publication.projection.onset_max_weeks.
    onset_max_weeks = models.FloatField(null=True, blank=True)
    # ",lidocaine,corticosteroid," (lower-cased drug names and classes), like the activities.
    drugs = models.TextField(blank=True, default="")
    next_review_due = models.DateField(null=True, blank=True)
    search_text = models.TextField(blank=True)
    published_at = models.DateTimeField()
    # When this row last changed for a reader: publish, unpublish or delete.
    changed_at = models.DateTimeField(db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    summary_json = models.TextField(help_text="The list item, serialized at publish time.")
    document_json = models.TextField(help_text="The live document, serialized at publish time.")
    etag = models.CharField(max_length=66)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["title", "treatment_id"]
        indexes = [
            models.Index(fields=["title", "treatment"], name="publication_title_idx"),
            models.Index(fields=["published_at", "treatment"], name="publication_published_idx"),
            models.Index(fields=["changed_at", "treatment"], name="publication_changed_idx"),
            # The live catalogue in title order with what a list page shows (api/v1/catalogue.py:
            # LIST_FIELDS): on PostgreSQL a page is an index-only scan of a few index pages,
            # where the index above reads a heap page per row (bench/PROFILE.md, "A list page
            # from the index alone"). Elsewhere INCLUDE is left out: a plain partial index.
            models.Index(
                fields=["title", "treatment"],
                include=["slug", "published_at", "summary_json", "changed_at", "language"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="publication_list_idx",
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else f"r{self.revision_number}"
        return f"{self.slug} ({state})"


class PublishedCode(models.Model):
    """A clinical code a published treatment carries anywhere in its document (for `?code=`)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=255)
    code = models.CharField(max_length=64)

    class Meta:
        ordering = ["publication", "system", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "system", "code"],
                name="publishedcode_unique_per_publication",
            )
        ]
        indexes = [models.Index(fields=["system", "code"], name="publishedcode_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.system}|{self.code}"


class PublishedCategory(models.Model):
    """A category as it was when a treatment in it was last published (the public sees this)."""

    slug = models.SlugField(max_length=80, primary_key=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # The language of `name`: the catalogue's (settings.CATALOGUE_LANGUAGE), except while only
    # documents in another language were published in the category (their name stands in).
    language = models.CharField(max_length=35, default="en")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "slug"]
        verbose_name_plural = "published categories"

    def __str__(self) -> str:
        return self.name


class PublishedCategoryName(models.Model):
    """A category's name in another language than the catalogue's, as a live document in that
    language published it (the public sees this; the working copy's `CategoryName` it is not)."""

    category = models.ForeignKey(PublishedCategory, on_delete=models.CASCADE, related_name="names")
    language = models.CharField(max_length=35)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["category", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language"], name="publishedcategoryname_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"


class PublishedSlug(models.Model):
    """A slug a treatment was published under, so that its old public links keep working."""

    slug = models.SlugField(max_length=120, primary_key=True)
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="+")
    first_published_at = models.DateTimeField()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.slug} → {self.treatment_id}"


class ChangeKind(models.TextChoices):
    """What a public change did to a treatment's live document."""

    UPSERT = "upsert", "Live document published or replaced"
    WITHDRAW = "withdraw", "Withdrawn from public reads"


class ChangeLogEntry(AppendOnlyModel):
    """One public change, numbered in the order changes became visible (the sync feed's base)."""

    sequence = models.BigAutoField(primary_key=True)
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=120)
    # The sync scope of the change: the document's category and language after it (for a
    # withdrawal, the withdrawn document's), and the category before it when that changed, so
    # that a client scoped to the old category learns the treatment left its scope.
    category_slug = models.SlugField(max_length=80, blank=True)
    previous_category_slug = models.SlugField(max_length=80, blank=True)
    language = models.CharField(max_length=35, blank=True)
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    # Why: the service that made the change (publish, revert, unpublish, delete, load, ...).
    reason = models.CharField(max_length=16)
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["treatment", "sequence"], name="changelog_treatment_idx")]
        verbose_name_plural = "change log entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.slug}"


class AuditEntry(models.Model):
    """One editorial action: who did what to which treatment, when, with before and after."""

    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="audit_entries")
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="Who acted, kept if the user goes.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    version_before = models.PositiveIntegerField(null=True)
    version_after = models.PositiveIntegerField(null=True)
    revision_number = models.PositiveIntegerField(null=True)
    hash_before = models.CharField(max_length=64, blank=True)
    hash_after = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.treatment_id} by {self.actor_label}"
