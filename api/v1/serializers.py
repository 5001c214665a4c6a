"""Serializers of API v1: the shapes the schema documents and the slow paths render."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.pagination import PAGE_LINKS_SCHEMA
from treatments.choices import Classification, TissueSource
from treatments.models import PublishedCategory, Revision


class ProblemFieldErrorSerializer(serializers.Serializer):
    """One invalid field: where (a JSON Pointer into the request) and what is wrong."""

    field = serializers.CharField()
    pointer = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document: the envelope of every error."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = ProblemFieldErrorSerializer(many=True, required=False)  # type: ignore[assignment]
    code = serializers.CharField(
        required=False,
        help_text="A machine-readable reason where the status alone is ambiguous, e.g. "
        "`approval_missing`, `approval_void`, `own_change`, `not_in_review`.",
    )


class CategorySerializer(serializers.ModelSerializer):
    """A category of treatments, as last published, in the language its `language` states."""

    # Of a row of treatments.selectors.category_live_list: the name in the language chosen.
    name = serializers.CharField(source="shown_name", read_only=True)
    description = serializers.CharField(source="shown_description", read_only=True)
    language = serializers.CharField(
        source="shown_language",
        read_only=True,
        help_text="The language of `name` and `description` (BCP 47): the one asked for when "
        "a published document in it named the category, else the catalogue's (a visible "
        "fallback).",
    )

    class Meta:
        model = PublishedCategory
        fields = ["slug", "name", "description", "language"]
        # Output only; read-only fields are documented as always sent (blank is "").
        read_only_fields = fields


class SummaryCategorySerializer(serializers.Serializer):
    """The category a treatment belongs to."""

    slug = serializers.SlugField()
    name = serializers.CharField()


class SelfLinkSerializer(serializers.Serializer):
    """Where the full resource lives."""

    self = serializers.CharField()


class TreatmentSummarySerializer(serializers.Serializer):
    """The compact list item of a published treatment."""

    id = serializers.UUIDField()
    slug = serializers.SlugField()
    title = serializers.CharField()
    summary = serializers.CharField()
    category = SummaryCategorySerializer()
    classification = serializers.ChoiceField(choices=Classification.choices)
    tissue_source = serializers.ChoiceField(choices=TissueSource.choices)
    revision = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    language = serializers.CharField(
        help_text="The language of the document's text (BCP 47), e.g. `en`."
    )
    links = SelfLinkSerializer()


class RevisionLinksSerializer(serializers.Serializer):
    """Where a revision's document lives."""

    self = serializers.CharField()


class RevisionSummarySerializer(serializers.ModelSerializer):
    """One entry of a treatment's published history."""

    revision = serializers.IntegerField(source="number", min_value=1)
    published_at = serializers.DateTimeField(source="created_at")
    # Declared, not derived from the model: the derived bounds differ between databases.
    reverted_from = serializers.IntegerField(allow_null=True, min_value=1)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Revision
        fields = [
            "revision",
            "published_at",
            "schema_version",
            "content_hash",
            "change_note",
            "reverted_from",
            "links",
        ]
        # Output only: every field is sent (a blank change note is "").
        read_only_fields = fields

    def get_links(self, obj: Revision) -> dict[str, str]:
        return {"self": f"{self.context['base']}{obj.number}/"}


@extend_schema_field(PAGE_LINKS_SCHEMA)
class PageLinksField(serializers.JSONField):
    """A page's `links` (api.pagination.PageLinks, inline)."""


class RevisionPageSerializer(serializers.Serializer):
    """A page of revisions, newest first."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RevisionSummarySerializer(many=True)
    links = PageLinksField()


class JsonPatchOperationSerializer(serializers.Serializer):
    """One RFC 6902 operation."""

    op = serializers.ChoiceField(choices=["add", "remove", "replace", "move", "copy", "test"])
    path = serializers.CharField()
    value = serializers.JSONField(required=False)
    from_ = serializers.CharField(required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RevisionDiffSerializer(serializers.Serializer):
    """The JSON Patch that turns revision `from` into revision `to`."""

    from_revision = serializers.IntegerField()
    to_revision = serializers.IntegerField()
    patch = JsonPatchOperationSerializer(many=True)
