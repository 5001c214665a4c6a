"""The treatment domain's models, split by what they are for."""

from .catalog import Category, SlugAlias, Treatment
from .content import (
    Comparison,
    MechanismNote,
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
    "Publication",
    "PublishedCategory",
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
