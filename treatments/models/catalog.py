"""The working copy editors change: categories, treatments and former slugs."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from pydantic import ValidationError as ContractError

from treatments.choices import Classification, TimeUnit, TissueSource, UcumTimeUnit
from treatments.documents.schema import CategoryRef
from treatments.languages import MAX_TAG_LENGTH, canonical_tag


class Category(models.Model):
    """A group of treatments as a clinic presents them, e.g. "Pain Treatments"."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class CategoryName(models.Model):
    """A category's name (and description) in a language other than the catalogue's.

    Saving one changes nothing public: a document in that language takes the name when it is
    built, and the name is public once such a document is reviewed and published (the hub).
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="names")
    language = models.CharField(
        max_length=MAX_TAG_LENGTH,
        help_text='A BCP 47 tag, e.g. "es" or "es-MX" (not the catalogue\'s own language).',
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language"],
                name="categoryname_one_per_language",
                violation_error_message="The category has a name in this language already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"

    def clean(self) -> None:
        """Canonical tag, not the catalogue's language; a name the contract accepts."""
        errors: dict[str, list[str]] = {}
        tag = canonical_tag(self.language or "")
        if tag is None:
            errors["language"] = ["Not a BCP 47 language tag; write one such as 'es' or 'es-MX'."]
        elif tag.lower() == str(settings.CATALOGUE_LANGUAGE).lower():
            errors["language"] = [
                f"'{tag}' is the catalogue's own language: that name is the category's name "
                "above, not a name in another language."
            ]
        else:
            self.language = tag
        try:
            # The contract's rule for a category's name (its slug is checked apart).
            CategoryRef.model_validate({"slug": "category", "name": self.name})
        except ContractError as exc:
            errors["name"] = [
                str(e["msg"]).removeprefix("Value error, ")
                for e in exc.errors()
                if e["loc"] and e["loc"][0] == "name"
            ]
        if errors:
            raise ValidationError(errors)


class TreatmentQuerySet(models.QuerySet["Treatment"]):
    """Queries over working copies."""

    def active(self) -> "TreatmentQuerySet":
        return self.filter(deleted_at__isnull=True)


class Treatment(models.Model):
    """The editable working copy of one treatment; public readers never see it directly."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    language = models.CharField(
        max_length=35, default="en", help_text='The language of the text (BCP 47), e.g. "en".'
    )
    title = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="treatments")
    summary = models.CharField(max_length=500, help_text="One or two sentences for list views.")
    overview = models.TextField(blank=True, help_text="The introduction, as the source says it.")

    classification = models.CharField(max_length=32, choices=Classification.choices)
    tissue_source = models.CharField(
        max_length=32,
        choices=TissueSource.choices,
        default=TissueSource.NOT_APPLICABLE,
        help_text="The source this clinic uses.",
    )
    possible_tissue_sources = models.JSONField(
        default=list,
        blank=True,
        help_text='Sources the treatment can use in general, e.g. ["autologous", "allogeneic"].',
    )
    tissue_source_note = models.TextField(blank=True)

    performer = models.CharField(max_length=200, blank=True, help_text="Who performs it.")
    imaging_guidance = models.CharField(max_length=200, blank=True, help_text='e.g. "x-ray".')
    imaging_guidance_optional = models.BooleanField(
        default=False, help_text='The guidance may be used, not always ("ultrasound may be used").'
    )
    anaesthesia_note = models.TextField(blank=True)
    steps_intro = models.TextField(blank=True)

    risk_level_wording = models.CharField(
        max_length=200, blank=True, help_text='The source\'s overall word for risk, e.g. "low".'
    )
    risk_statement = models.TextField(blank=True)

    course_sessions_min = models.PositiveSmallIntegerField(null=True, blank=True)
    course_sessions_max = models.PositiveSmallIntegerField(null=True, blank=True)
    course_interval_min = models.PositiveIntegerField(null=True, blank=True)
    course_interval_max = models.PositiveIntegerField(null=True, blank=True)
    course_interval_unit = models.CharField(
        max_length=16, choices=TimeUnit.choices, blank=True, default=""
    )
    course_evidence_qualifier = models.CharField(
        max_length=200, blank=True, help_text='How sure the source is, e.g. "recent data suggests".'
    )
    course_text = models.TextField(blank=True)
    course_interval_approximate = models.BooleanField(default=False)
    course_limit_max_sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At most this many sessions per period."
    )
    course_limit_period = models.PositiveIntegerField(null=True, blank=True)
    course_limit_period_unit = models.CharField(
        max_length=16, choices=TimeUnit.choices, blank=True, default=""
    )
    course_minimum_interval = models.PositiveIntegerField(
        null=True, blank=True, help_text="The shortest time allowed between two sessions."
    )
    course_minimum_interval_unit = models.CharField(
        max_length=16, choices=TimeUnit.choices, blank=True, default=""
    )
    # Schema 1.2: the time before the whole course may be repeated.
    course_repeat_min = models.FloatField(null=True, blank=True)
    course_repeat_max = models.FloatField(null=True, blank=True)
    course_repeat_unit = models.CharField(
        max_length=16,
        choices=UcumTimeUnit.choices,
        blank=True,
        default="",
        help_text="Before the whole course may be repeated (UCUM; decimals allowed).",
    )
    course_repeat_approximate = models.BooleanField(default=False)
    codes = models.JSONField(
        default=list,
        blank=True,
        help_text='Clinical codes, e.g. [{"system": "http://snomed.info/sct", "code": "...", '
        '"display": "..."}].',
    )

    call_to_action_text = models.TextField(blank=True)
    call_to_action_label = models.CharField(max_length=200, blank=True)

    reviewer_name = models.CharField(max_length=200, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    attribution = models.TextField(blank=True)
    licence = models.CharField(max_length=200, blank=True)
    licence_url = models.URLField(max_length=2000, blank=True)

    # The content hash of what a content file last loaded; when the working copy still has it,
    # editors have not changed the treatment since, and reloading the file loses nothing.
    loaded_content_hash = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        permissions = [
            ("publish_treatment", "Can publish, unpublish, revert and delete treatments"),
            ("approve_treatment", "Can approve a treatment's changes as a clinical reviewer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(course_sessions_min__isnull=True)
                | Q(course_sessions_max__isnull=True)
                | Q(course_sessions_min__lte=models.F("course_sessions_max")),
                name="treatment_course_sessions_min_lte_max",
                violation_error_message=(
                    "The minimum number of sessions is larger than the maximum; swap them."
                ),
            ),
            models.CheckConstraint(
                condition=Q(course_sessions_min__isnull=True) | Q(course_sessions_min__gte=1),
                name="treatment_course_sessions_min_positive",
                violation_error_message="A course has at least one session.",
            ),
            models.CheckConstraint(
                condition=Q(course_interval_min__isnull=True)
                | Q(course_interval_max__isnull=True)
                | Q(course_interval_min__lte=models.F("course_interval_max")),
                name="treatment_course_interval_min_lte_max",
                violation_error_message="The shortest interval is longer than the longest; swap.",
            ),
            models.CheckConstraint(
                condition=Q(course_repeat_min__isnull=True)
                | Q(course_repeat_max__isnull=True)
                | Q(course_repeat_min__lte=models.F("course_repeat_max")),
                name="treatment_course_repeat_min_lte_max",
                violation_error_message="The shortest repeat interval is longer than the longest.",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True)
                | Q(next_review_due__isnull=True)
                | Q(next_review_due__gte=models.F("last_reviewed_on")),
                name="treatment_next_review_after_last_review",
                violation_error_message="The next review cannot be due before the last review.",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="treatment_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class SlugAlias(models.Model):
    """A former slug of a treatment, kept so that old links keep working."""

    slug = models.SlugField(max_length=120, unique=True)
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="slug_aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "slug aliases"

    def __str__(self) -> str:
        return f"{self.slug} → {self.treatment_id}"
