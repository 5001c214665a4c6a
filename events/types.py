"""The event types: one enumeration, the names partners and handlers subscribe to."""

from django.db import models


class EventType(models.TextChoices):
    """What happened, as `<subject>.<past-tense verb>` (Saleor's and Stripe's naming)."""

    TREATMENT_PUBLISHED = "treatment.published", "A treatment went live for the first time"
    TREATMENT_UPDATED = "treatment.updated", "A live treatment's document was replaced"
    TREATMENT_WITHDRAWN = "treatment.withdrawn", "A treatment was withdrawn from the public"
    TREATMENT_RESTORED = "treatment.restored", "A withdrawn treatment went live again"
    # Written by the review workflow when a release goes live (editorial/, later).
    RELEASE_PUBLISHED = "release.published", "A release of several changes went live together"


# Event types that describe one treatment's public change (they carry a change-log sequence).
TREATMENT_EVENT_TYPES = frozenset(
    {
        EventType.TREATMENT_PUBLISHED,
        EventType.TREATMENT_UPDATED,
        EventType.TREATMENT_WITHDRAWN,
        EventType.TREATMENT_RESTORED,
    }
)
