"""Writing audit records, always inside the transaction of the change they describe."""

from typing import Any

from treatments.choices import AuditAction
from treatments.models import AuditEntry, Treatment


def actor_label(actor: Any) -> str:
    """A human-readable name of who acted, kept even if the user is deleted later."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(actor.get_username())


def audit_record(
    *,
    treatment: Treatment,
    action: AuditAction,
    actor: Any,
    version_before: int | None = None,
    version_after: int | None = None,
    revision_number: int | None = None,
    hash_before: str = "",
    hash_after: str = "",
    message: str = "",
    request_id: str = "",
) -> AuditEntry:
    """Record one editorial action; call it inside the change's transaction."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        treatment=treatment,
        action=action,
        actor=user,
        actor_label=actor_label(actor),
        version_before=version_before,
        version_after=version_after,
        revision_number=revision_number,
        hash_before=hash_before,
        hash_after=hash_after,
        message=message[:500],
        request_id=request_id[:64],
    )
