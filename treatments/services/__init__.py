"""Every write to the treatment domain goes through these services (admin and API alike)."""

from treatments.errors import (
    ConflictError,
    ContentInvalidError,
    ForbiddenError,
    IdentityConflictError,
    NotFoundError,
    PublishRefusedError,
    ServiceError,
    StateError,
)

from .audit import audit_record
from .editing import (
    content_validate,
    treatment_compare_and_bump,
    treatment_create,
    treatment_delete,
    treatment_get_for_edit,
    treatment_replace,
    treatment_restore,
)
from .loading import content_load
from .publishing import (
    PublishGate,
    PublishProblem,
    PublishResult,
    publish_gate_register,
    publish_problems,
    publish_review_register,
    review_problems,
    treatment_publish,
    treatment_revert,
    treatment_unpublish,
)

__all__ = [
    "ConflictError",
    "ContentInvalidError",
    "ForbiddenError",
    "IdentityConflictError",
    "NotFoundError",
    "PublishGate",
    "PublishProblem",
    "PublishRefusedError",
    "PublishResult",
    "ServiceError",
    "StateError",
    "audit_record",
    "content_load",
    "content_validate",
    "publish_gate_register",
    "publish_problems",
    "publish_review_register",
    "review_problems",
    "treatment_compare_and_bump",
    "treatment_create",
    "treatment_delete",
    "treatment_get_for_edit",
    "treatment_publish",
    "treatment_replace",
    "treatment_restore",
    "treatment_revert",
    "treatment_unpublish",
]
