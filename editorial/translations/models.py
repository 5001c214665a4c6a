"""A translation: which treatment translates which source, into which language, from which
revision, and whether the source has published a newer revision since.

The translation's text is an ordinary working copy (`treatments.Treatment`): it is edited,
reviewed, approved, published, reverted and audited by the same services as any treatment.
This row only ties it to its source.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from treatments.models import Treatment


class TranslationQuerySet(models.QuerySet["Translation"]):
    """Queries over translations."""

    def outdated(self) -> "TranslationQuerySet":
        return self.filter(outdated_since__isnull=False)


class Translation(models.Model):
    """One treatment's text in another language, tied to the source revision it translates."""

    source = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="translations")
    treatment = models.OneToOneField(
        Treatment, on_delete=models.CASCADE, related_name="translation_of"
    )
    language = models.CharField(max_length=35, help_text='A BCP 47 tag, e.g. "es" or "es-419".')
    # The source's language when the translation was made: what readers are told it translates.
    source_language = models.CharField(max_length=35)
    # The source's revision the working copy translates (None: the source was never
    # published); set when the translation is made and when an editor brings it up to date.
    source_revision = models.PositiveIntegerField(null=True, blank=True)
    # The same for the translation's live revision: copied from `source_revision` whenever the
    # translation publishes (what readers are told it translates).
    published_source_revision = models.PositiveIntegerField(null=True, blank=True)
    # Set by the publication hook when the source publishes another revision than the one the
    # translation (live, or else its working copy) translates; cleared when the translation
    # publishes text that translates the source's live revision.
    outdated_since = models.DateTimeField(null=True, blank=True)
    outdated_by_revision = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TranslationQuerySet.as_manager()

    class Meta:
        ordering = ["source_id", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "language"],
                name="translation_one_per_language",
                violation_error_message="The treatment has a translation in this language already.",
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("treatment")),
                name="translation_not_of_itself",
                violation_error_message="A treatment cannot be a translation of itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} [{self.language}]"

    @property
    def outdated(self) -> bool:
        return self.outdated_since is not None
