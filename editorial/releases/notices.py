"""Notices by email when a scheduled action or release ran, or was cancelled instead.

Queued with events.mail.email_enqueue inside the transaction that records the outcome, so the
worker sends them after it commits (never inside a request, never for a rolled-back outcome).
Who hears: the person who scheduled it, the clinical reviewer who approved the working copy
and the authors of its changes since the last publish, as the audit log names them.
"""

from collections.abc import Iterable
from typing import Any

from events.mail import email_enqueue
from treatments.choices import AuditAction
from treatments.models import AuditEntry, Treatment

AUTHORING = (AuditAction.CREATE, AuditAction.UPDATE)


def treatment_people(treatment: Treatment) -> list[Any]:
    """The latest approver and the authors of the changes since the last publish."""
    entries = AuditEntry.objects.filter(treatment=treatment, actor__isnull=False)
    last_publish = entries.filter(action=AuditAction.PUBLISH).order_by("-created_at", "-id").first()
    since = entries.filter(action__in=AUTHORING)
    if last_publish is not None:
        since = since.filter(id__gt=last_publish.id)
    people = [e.actor for e in since.select_related("actor").order_by("id")]
    approval = (
        entries.filter(action=AuditAction.APPROVE)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if approval is not None:
        people.append(approval.actor)
    return people


def addresses(people: Iterable[Any]) -> list[str]:
    """The distinct email addresses of `people`, in order (people without one are skipped)."""
    seen: list[str] = []
    for person in people:
        email = (getattr(person, "email", "") or "").strip()
        if email and email not in seen:
            seen.append(email)
    return seen


def notice_send(*, people: Iterable[Any], subject: str, lines: list[str]) -> bool:
    """Queue one notice to everyone in `people` who has an address; False if nobody has."""
    to = addresses(people)
    if not to:
        return False
    body = "\n\n".join([*lines, "— the treatment knowledge editorial service"])
    email_enqueue(to=to, subject=subject, body=body)
    return True
