"""The "naive" baseline: what a typical team writes first for the same data.

DRF ModelSerializers nested over the editing tables (the working copy and its child rows), a
list with page-number pagination (so a COUNT(*) per page) and a retrieve by slug, with no
select_related/prefetch_related tuning. Every child collection and the category are fetched
per treatment (N+1). Same server, same data, same middleware as the real endpoints.
"""

from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from treatments.models import (
    Category,
    Comparison,
    MechanismNote,
    RecoveryRule,
    Risk,
    SafetyItem,
    Source,
    Step,
    TimelineEvent,
    Treatment,
)

CHILD_EXCLUDE = ("id", "treatment")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "description"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        exclude = CHILD_EXCLUDE


class RiskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Risk
        exclude = CHILD_EXCLUDE


class RecoveryRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecoveryRule
        exclude = CHILD_EXCLUDE


class TimelineEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEvent
        exclude = CHILD_EXCLUDE


class MechanismNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = MechanismNote
        exclude = CHILD_EXCLUDE


class ComparisonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comparison
        exclude = CHILD_EXCLUDE


class SafetyItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyItem
        exclude = CHILD_EXCLUDE


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        exclude = CHILD_EXCLUDE


class TreatmentSerializer(serializers.ModelSerializer):
    """The whole working copy with every child collection nested."""

    category = CategorySerializer(read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    risks = RiskSerializer(many=True, read_only=True)
    recovery_rules = RecoveryRuleSerializer(many=True, read_only=True)
    timeline = TimelineEventSerializer(many=True, read_only=True)
    mechanism_notes = MechanismNoteSerializer(many=True, read_only=True)
    comparisons = ComparisonSerializer(many=True, read_only=True)
    safety_items = SafetyItemSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Treatment
        exclude = ["created_by", "deleted_at"]


class NaivePagination(PageNumberPagination):
    page_size = 20


class NaiveTreatmentList(generics.ListAPIView):
    """GET /bench/naive/treatments/ — page-number pages of fully nested treatments."""

    queryset = Treatment.objects.filter(deleted_at__isnull=True)
    serializer_class = TreatmentSerializer
    pagination_class = NaivePagination
    permission_classes = [AllowAny]


class NaiveTreatmentDetail(generics.RetrieveAPIView):
    """GET /bench/naive/treatments/<slug>/ — one fully nested treatment."""

    queryset = Treatment.objects.filter(deleted_at__isnull=True)
    serializer_class = TreatmentSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
