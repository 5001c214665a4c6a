"""A release goes live: every member through treatments.services, in one transaction, or none.

The publication hub takes the change-log lock with the first member's change and holds it to
the commit, so a release's change-log entries are consecutive; if any member fails, the
caller's transaction (or savepoint) rolls back and no member is public.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from events.outbox import event_record
from events.payloads import release_payload
from events.types import EventType
from treatments import services
from treatments.choices import AuditAction
from treatments.models import Publication, Treatment
from treatments.publication import PublicChange

from .models import ChangeKind, Release, ReleaseMember, ReleaseState


class ReleaseRefusedError(services.PublishRefusedError):
    """Some members of a release cannot go live now; `members` says which and why."""

    title = "Release refused"

    def __init__(
        self, detail: str, *, members: list[dict[str, Any]], code: str = "release_refused"
    ) -> None:
        super().__init__(detail, code=code)
        self.members = members


@dataclass
class MemberProblem:
    """Why one member of a release cannot go live now."""

    member: ReleaseMember
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        treatment = self.member.treatment
        return {
            "treatment": str(treatment.pk),
            "slug": treatment.slug,
            "title": treatment.title,
            "action": self.member.action,
            "problems": [str(p) for p in self.problems],
            # Machine-readable reasons, e.g. approval_missing, member_changed.
            "codes": [getattr(p, "code", "") or "publish_refused" for p in self.problems],
        }


def is_live(treatment: Treatment) -> bool:
    """True when the public sees a revision of `treatment` now."""
    return Publication.objects.filter(treatment=treatment, withdrawn_at__isnull=True).exists()


def member_problems(member: ReleaseMember) -> list[str]:
    """Why this member cannot go live now (empty when it can)."""
    treatment = Treatment.objects.get(pk=member.treatment_id)
    if treatment.deleted_at is not None:
        return [
            services.PublishProblem(
                "The treatment is deleted; restore it or remove it from the release.",
                code="member_deleted",
            )
        ]
    if member.action == ChangeKind.WITHDRAW:
        if not is_live(treatment):
            return [
                services.PublishProblem(
                    "The treatment is not live, so there is nothing to withdraw.",
                    code="member_not_live",
                )
            ]
        return []
    if treatment.version != member.version:
        return [
            services.PublishProblem(
                f"The working copy changed after it was added to the release (version "
                f"{member.version}, now {treatment.version}). Have the change approved, then "
                "add the treatment again to release the current working copy.",
                code="member_changed",
            )
        ]
    return services.publish_problems(
        treatment=services.treatment_get_for_edit(treatment_id=treatment.pk)
    )


def release_problems(release: Release) -> list[MemberProblem]:
    """The members that cannot go live now, each with its reasons."""
    members = release.members.select_related("treatment").order_by("id")
    found = [MemberProblem(member=m, problems=member_problems(m)) for m in members]
    return [p for p in found if p.problems]


def release_refusal(release: Release) -> ReleaseRefusedError | None:
    """The error that says why `release` cannot go live now, or None when it can."""
    if not release.members.exists():
        return ReleaseRefusedError(
            "The release has no members; add the treatments to publish or withdraw.",
            members=[],
            code="release_empty",
        )
    problems = release_problems(release)
    if not problems:
        return None
    names = "; ".join(f"{p.member.treatment.title}: {' '.join(p.problems)}" for p in problems)
    return ReleaseRefusedError(
        f"{len(problems)} member(s) cannot go live, so nothing was released. {names}",
        members=[p.as_dict() for p in problems],
    )


# The public changes made while a release goes live, collected by a publication hook.
_collected: ContextVar[list[PublicChange] | None] = ContextVar("release_changes", default=None)


def collect_public_change(change: PublicChange) -> None:
    """The publication hook: remember the change if a release is going live in this context."""
    bucket = _collected.get()
    if bucket is not None:
        bucket.append(change)


@contextmanager
def _collecting() -> Iterator[list[PublicChange]]:
    bucket: list[PublicChange] = []
    token = _collected.set(bucket)
    try:
        yield bucket
    finally:
        _collected.reset(token)


@transaction.atomic
def release_go_live(*, release: Release, actor: Any, request_id: str = "") -> list[PublicChange]:
    """Publish and withdraw every member of `release` now; all or nothing. Returns the changes.

    The caller has checked the members (release_refusal) and locked the release; any error
    here propagates and rolls the whole release back.
    """
    note = f"Release “{release.name}” (#{release.pk})"
    with _collecting() as changes:
        for member in release.members.select_related("treatment").order_by("id"):
            if member.action == ChangeKind.PUBLISH:
                result = services.treatment_publish(
                    treatment_id=member.treatment_id,
                    expected_version=member.version,
                    actor=actor,
                    change_note=note,
                    request_id=request_id,
                )
                done = result.detail
            else:
                services.treatment_unpublish(
                    treatment_id=member.treatment_id,
                    expected_version=None,
                    actor=actor,
                    message=note,
                    request_id=request_id,
                )
                done = "Withdrawn."
            treatment = Treatment.objects.get(pk=member.treatment_id)
            services.audit_record(
                treatment=treatment,
                action=AuditAction.RELEASE_PUBLISH,
                actor=actor,
                version_after=treatment.version,
                message=f"{note}: {member.get_action_display().lower()}. {done}",
                request_id=request_id,
            )
    sequences = [c.entry.sequence for c in changes]
    release.state = ReleaseState.PUBLISHED
    release.published_at = timezone.now()
    release.first_sequence = min(sequences) if sequences else None
    release.last_sequence = max(sequences) if sequences else None
    release.message = f"{len(changes)} public change(s)."
    release.save(
        update_fields=["state", "published_at", "first_sequence", "last_sequence", "message"]
    )
    event_record(
        type=EventType.RELEASE_PUBLISHED,
        payload=release_payload(release_id=str(release.pk), name=release.name, changes=changes),
    )
    return changes
