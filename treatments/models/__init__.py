"""The treatment domain's models, split by what they are for."""

from .catalog import Category, SlugAlias, Treatment
from .content import (
    Comparison,
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
