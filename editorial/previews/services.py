"""Writes of preview links: create (the token is returned once) and revoke, both audited.

The token is never stored: only the SHA-256 of its secret. Creating a link needs the right to
edit (editors and publishers); the link shows the working copy as it is when it is opened.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from treatments.choices import AuditAction
from treatments.documents.text import checked_text
from treatments.errors import ContentInvalidError, NotFoundError, StateError
from treatments.models import Treatment
from treatments.permissions import Action, require
from treatments.services import audit_record
from treatments.services.audit import actor_label

from .models import PreviewLink
from .tokens import new_secret, secret_hash, token_make

MAX_NOTE_LENGTH = 200


@dataclass(frozen=True)
class CreatedPreviewLink:
    """A new link and its token: the only time the token exists outside the link's URL."""

    link: PreviewLink
    token: str


def preview_link_default_expiry(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(seconds=settings.PREVIEW_LINK_DEFAULT_AGE)


def _invalid(field: str, message: str) -> ContentInvalidError:
    return ContentInvalidError([{"field": field, "pointer": f"/{field}", "message": message}])


def _checked_expiry(expires_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if expires_at is None:
        return preview_link_default_expiry(now)
    if timezone.is_naive(expires_at):
        raise _invalid("expires_at", "Give a time zone, e.g. 2026-12-24T12:00:00Z.")
    if expires_at <= now:
        raise _invalid("expires_at", "The expiry must be in the future.")
    longest = dt.timedelta(seconds=settings.PREVIEW_LINK_MAX_AGE)
    if expires_at > now + longest:
        days = settings.PREVIEW_LINK_MAX_AGE / 86400
        raise _invalid(
            "expires_at",
            f"A preview link lasts at most {days:g} days; choose an earlier expiry.",
        )
    return expires_at


def _treatment(treatment_id: Any) -> Treatment:
    treatment = Treatment.objects.filter(pk=treatment_id).first()
    if treatment is None:
        raise NotFoundError(f"No treatment with id {treatment_id!s}.")
    return treatment


def preview_link_create(
    *,
    treatment_id: Any,
    actor: Any,
    expires_at: dt.datetime | None = None,
    note: str = "",
    request_id: str = "",
) -> CreatedPreviewLink:
    """A new preview link of a treatment's working copy; audited as `preview_link`."""
    require(actor, Action.EDIT)
    now = timezone.now()
    expiry = _checked_expiry(expires_at, now)
    if len(note) > MAX_NOTE_LENGTH:
        raise _invalid("note", f"Keep the note within {MAX_NOTE_LENGTH} characters.")
    try:
        checked_text(note)
    except ValueError as exc:
        raise _invalid("note", str(exc)) from None
    with transaction.atomic():
        treatment = _treatment(treatment_id)
        if treatment.deleted_at is not None:
            raise StateError("This treatment is deleted; restore it before sharing a preview.")
        active = PreviewLink.objects.active().filter(treatment=treatment).count()
        if active >= settings.PREVIEW_LINK_MAX_ACTIVE:
            raise StateError(
                f"This treatment already has {active} active preview links (the most allowed); "
                "revoke one you no longer need first."
            )
        secret = new_secret()
        link = PreviewLink.objects.create(
            id=uuid.uuid4(),
            treatment=treatment,
            secret_hash=secret_hash(secret),
            note=note,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_by_label=actor_label(actor),
            created_at=now,
            expires_at=expiry,
        )
        audit_record(
            treatment=treatment,
            action=AuditAction.PREVIEW_LINK,
            actor=actor,
            version_before=treatment.version,
            version_after=treatment.version,
            message=f"Preview link {link.id} created, expires {expiry.isoformat()}"
            + (f" ({note})" if note else ""),
            request_id=request_id,
        )
    return CreatedPreviewLink(link=link, token=token_make(link.id, secret))


def preview_link_revoke(
    *, treatment_id: Any, link_id: Any, actor: Any, request_id: str = ""
) -> PreviewLink:
    """Revoke a link at once (audited as `preview_revoke`); revoking it again changes nothing."""
    require(actor, Action.EDIT)
    with transaction.atomic():
        link = (
            PreviewLink.objects.select_for_update()
            .filter(pk=link_id, treatment_id=treatment_id)
            .first()
        )
        if link is None:
            raise NotFoundError(f"This treatment has no preview link {link_id!s}.")
        if link.revoked_at is not None:
            return link
        link.revoked_at = timezone.now()
        link.revoked_by_label = actor_label(actor)
        link.save(update_fields=["revoked_at", "revoked_by_label"])
        treatment = _treatment(treatment_id)
        audit_record(
            treatment=treatment,
            action=AuditAction.PREVIEW_REVOKE,
            actor=actor,
            version_before=treatment.version,
            version_after=treatment.version,
            message=f"Preview link {link.id} revoked",
            request_id=request_id,
        )
    return link
