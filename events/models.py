"""The outbox (one row per public change), each handler's run of it, the live workers, and the
stored parts of the offline bundle."""

from django.db import models

from .types import EventType


class OutboxEvent(models.Model):
    """One public change, written in the transaction that made it (a transactional outbox)."""

    type = models.CharField(max_length=40, choices=EventType.choices)
    # The change-log sequence number of a treatment event: one event per public change.
    sequence = models.PositiveBigIntegerField(null=True, blank=True)
    treatment_id = models.UUIDField(null=True, blank=True)
    slug = models.SlugField(max_length=120, blank=True)
    revision = models.PositiveIntegerField(null=True, blank=True)
    # The public payload, built by events.payloads only: never draft content.
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence"],
                condition=models.Q(sequence__isnull=False),
                name="outbox_one_event_per_change",
            )
        ]
        indexes = [models.Index(fields=["treatment_id", "id"], name="outbox_treatment_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.slug}".rstrip()


class HandlerRunStatus(models.TextChoices):
    """Where one handler stands with one event."""

    PENDING = "pending", "Pending (queued, or waiting for a retry)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up after the last attempt)"


class HandlerRun(models.Model):
    """One registered handler's processing of one event: its own task, attempts and outcome."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="runs")
    handler = models.CharField(max_length=100)
    status = models.CharField(
        max_length=16, choices=HandlerRunStatus.choices, default=HandlerRunStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id", "handler"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="handler_run_once_per_event")
        ]
        indexes = [models.Index(fields=["status", "handler"], name="handler_run_status_idx")]

    def __str__(self) -> str:
        return f"{self.handler} of event #{self.event_id}: {self.status}"


class WorkerProcess(models.Model):
    """A running `manage.py run_worker` process and its last heartbeat."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"


class BundlePart(models.Model):
    """One stored part of the offline bundle: a scope's documents, gzip-compressed, in chunks.

    Built by api.v1.sync.bundles (the task worker after each public change, or the first
    request that finds no usable part); served from here by every web worker, so no worker
    holds a bundle in memory. Readers see only `complete` parts.
    """

    # The scope: '' stands for "every category" / "every language".
    category = models.CharField(max_length=80, blank=True)
    language = models.CharField(max_length=35, blank=True)
    # Which slice of the scope: page `page` of `pages` equal ranges of treatment ids (1 of 1:
    # the whole scope). Membership depends on the id alone, so a page holds the same
    # treatments whichever build it comes from (api/v1/sync/bundles.py).
    pages = models.PositiveIntegerField(default=1)
    page = models.PositiveIntegerField(default=1)
    # The change-log head the part was built at: it holds every change up to this sequence.
    sequence = models.PositiveBigIntegerField()
    # The strong ETag of the uncompressed JSON (the gzip variant's tag adds "-gzip").
    etag = models.CharField(max_length=80, blank=True)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of gzip.")
    raw_size = models.PositiveBigIntegerField(default=0, help_text="Bytes of JSON.")
    documents = models.PositiveIntegerField(default=0)
    chunk_bytes = models.PositiveIntegerField()
    complete = models.BooleanField(default=False)
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "language", "pages", "page", "-sequence", "-id"]
        indexes = [
            models.Index(
                fields=["category", "language", "pages", "page", "complete", "-sequence", "-id"],
                name="bundle_part_slice_idx",
            )
        ]

    def __str__(self) -> str:
        scope = f"{self.category or '*'}/{self.language or '*'}"
        if self.pages > 1:
            scope += f" page {self.page}/{self.pages}"
        return f"bundle {scope} at #{self.sequence} ({self.documents} documents)"


class BundleChunk(models.Model):
    """A slice of a bundle part's gzip bytes (every chunk but the last has `chunk_bytes`)."""

    part = models.ForeignKey(BundlePart, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["part_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["part", "index"], name="bundle_chunk_once_per_index")
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of part #{self.part_id}"
