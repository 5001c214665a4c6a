"""The treatment domain's models, split by what they are for."""

from .catalog import Category, CategoryName, SlugAlias, Treatment
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
    PublishedCategoryName,
    PublishedCode,
    PublishedSlug,
    Revision,
    RevisionImmutableError,
)

__all__ = [
    "AuditEntry",
    "Category",
    "CategoryName",
    "ChangeKind",
    "ChangeLogEntry",
    "Comparison",
    "EligibilityCriterion",
    "MechanismNote",
    "Medication",
    "Publication",
    "PublishedCategory",
    "PublishedCategoryName",
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
