"""FilterSets of API v1: explicit fields, and unknown parameters are an error."""

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from treatments import selectors
from treatments.choices import ActivityKind, Classification, TissueSource
from treatments.documents.codes import (
    MAX_CODE_LENGTH,
    MAX_SYSTEM_LENGTH,
    SNOMED_CT,
    CodeTokenError,
    parse_code_token,
)
from treatments.documents.schema import SLUG_PATTERN
from treatments.documents.text import TEXT_PATTERN, text_problem
from treatments.languages import MAX_TAG_LENGTH, canonical_tag
from treatments.models import Publication, PublishedCode
from treatments.publication.projection import DRUG_SEPARATOR, drug_key

MAX_QUERY_LENGTH = selectors.MAX_QUERY_LENGTH
MAX_CODE_TOKEN_LENGTH = MAX_SYSTEM_LENGTH + 1 + MAX_CODE_LENGTH
MAX_DRUG_LENGTH = 200
# The text rule, and not blank: what `drug` accepts, as a pattern for OpenAPI.
_TEXT_CHARS = TEXT_PATTERN.removeprefix("^[^").removesuffix("]*$")
DRUG_PATTERN = rf"^[^{_TEXT_CHARS}]*[^\s{_TEXT_CHARS}][^{_TEXT_CHARS}]*$"


def _text_rule(value: str) -> None:
    problem = text_problem(value)
    if problem is not None:
        raise DjangoValidationError(problem)


SEARCH_HELP = (
    "Full-text search over every text section of the published documents. On PostgreSQL "
    "each document is stemmed in its own language and accents are ignored; the query is read "
    "in the `language` given (English without one)."
)


def _language_tag(value: str) -> None:
    if canonical_tag(value) is None:
        raise DjangoValidationError("Not a BCP 47 language tag; send one such as `es` or `es-MX`.")


def _code_token(value: str) -> None:
    try:
        parse_code_token(value)
    except CodeTokenError as error:
        raise DjangoValidationError(str(error)) from None


def _drug_name(value: str) -> None:
    _text_rule(value)
    if not drug_key(value):
        raise DjangoValidationError("Give a drug name or class, e.g. `corticosteroid`.")


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter that compares in UTC.

    Python accepts UTC offsets up to ±23:59 but PostgreSQL only ±15:59, so the value is
    converted to UTC before it reaches the database.
    """

    def __init__(self, *args: Any, parameter: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameter = parameter

    def filter(self, qs: QuerySet, value: dt.datetime | None) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError(
                    {self.parameter: ["This time is out of range once converted to UTC."]}
                ) from None
        return super().filter(qs, value)


class TreatmentFilterSet(django_filters.FilterSet):
    """Filters over published treatments."""

    category = django_filters.CharFilter(
        field_name="category_slug",
        max_length=80,
        validators=[RegexValidator(SLUG_PATTERN, "Give a category slug, e.g. `pain-treatments`.")],
        help_text="Category slug, e.g. `pain-treatments`.",
    )
    classification = django_filters.ChoiceFilter(choices=Classification.choices)
    tissue_source = django_filters.ChoiceFilter(
        choices=TissueSource.choices, help_text="Whose tissue the clinic uses."
    )
    restricted_activity = django_filters.ChoiceFilter(
        choices=ActivityKind.choices,
        method="filter_restricted_activity",
        help_text="Treatments whose recovery rules avoid or limit this activity.",
    )
    onset_within_weeks = django_filters.NumberFilter(
        field_name="onset_max_weeks",
        lookup_expr="lte",
        min_value=0,
        max_value=520,
        help_text="Treatments whose effect is first noticed within this many weeks: the "
        "earliest end of any onset event (first improvement, full effect or plain onset) is at "
        "most this. Onsets with no end (open-ended) do not count.",
    )
    code = django_filters.CharFilter(
        method="filter_code",
        strip=False,  # surrounding spaces make a malformed token, not another one
        max_length=MAX_CODE_TOKEN_LENGTH,
        validators=[_code_token],
        help_text="Treatments that carry this clinical code anywhere (the treatment, its drugs, "
        "risks, medication rules or contraindications), as `<system>|<code>` like FHIR token "
        f"search, e.g. `{SNOMED_CT}|<code>`. The system is an absolute URI; both are compared "
        "exactly.",
    )
    drug = django_filters.CharFilter(
        method="filter_drug",
        max_length=MAX_DRUG_LENGTH,
        strip=False,  # a blank name is an error, not "no filter"
        validators=[_drug_name],
        help_text="Treatments that give this drug: a medication's name or class, compared "
        "whole and case-insensitively, e.g. `corticosteroid`.",
    )
    review_status = django_filters.ChoiceFilter(
        choices=[("current", "Review is current"), ("overdue", "Review is overdue")],
        method="filter_review_status",
    )
    changed_since = UtcIsoDateTimeFilter(
        parameter="changed_since",
        field_name="changed_at",
        lookup_expr="gte",
        help_text="Only treatments published or changed at or after this ISO 8601 time.",
    )
    language = django_filters.CharFilter(
        method="filter_language",
        max_length=MAX_TAG_LENGTH,
        strip=False,  # surrounding spaces make a malformed tag, not another one
        validators=[_language_tag],
        help_text="Only documents written in this language (BCP 47, compared in canonical "
        "case: `ES-mx` is `es-MX`), translations included, e.g. `es`.",
    )
    q = django_filters.CharFilter(
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        validators=[_text_rule],
        help_text=SEARCH_HELP,
    )

    class Meta:
        model = Publication
        fields: list[str] = []

    def filter_restricted_activity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(restricted_activities__contains=f",{value},")

    def filter_code(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        system, code = parse_code_token(value)
        carried = PublishedCode.objects.filter(publication=OuterRef("pk"), system=system, code=code)
        return queryset.filter(Exists(carried))

    def filter_drug(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(drugs__contains=DRUG_SEPARATOR + drug_key(value) + DRUG_SEPARATOR)

    def filter_language(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(language=canonical_tag(value))

    def filter_review_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today: dt.date = timezone.localdate()
        if value == "overdue":
            return queryset.filter(next_review_due__lt=today)
        return queryset.exclude(next_review_due__lt=today)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # With `language`, the query is read (stemmed) in that language, as its documents are.
        language = self.form.cleaned_data.get("language") or None
        return selectors.publication_search(
            queryset, query=value, language=canonical_tag(language) if language else None
        )

    @classmethod
    def query_parameters(cls) -> set[str]:
        return set(cls.base_filters)
