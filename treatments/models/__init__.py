"""The treatment domain's models, split by what they are for."""

from .catalog import Category, SlugAlias, Treatment
from .content import (
    Comparison,
    EligibilityCriterion,
    MechanismNote,
    Medication,
    RecoveryRule,
    Risk,
    SafetyItem,
    Source,
    Step,
    TimelineEvent,
)
from .publishing import (
    AuditEntry,
    ChangeKind,
    ChangeLogEntry,
    Publication,
    PublishedCategory,
    PublishedCode,
    PublishedSlug,
    Revision,
    RevisionImmutableError,
)

__all__ = [
    "AuditEntry",
    "Category",
    "ChangeKind",
    "ChangeLogEntry",
    "Comparison",
    "EligibilityCriterion",
    "MechanismNote",
    "Medication",
    "Publication",
    "PublishedCategory",
    "PublishedCode",
    "PublishedSlug",
    "RecoveryRule",
    "Revision",
    "RevisionImmutableError",
    "Risk",
    "SafetyItem",
    "SlugAlias",
    "Source",
    "Step",
    "TimelineEvent",
    "Treatment",
]
