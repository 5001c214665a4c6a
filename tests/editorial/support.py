"""Helpers for tests that need a clinical reviewer's approval before a publish.

from tests.editorial.support import approve, make_reviewer

reviewer = make_reviewer()
approve(treatment, reviewer)  # requests a review (as the system) and approves the version
services.treatment_publish(...)
"""

from typing import Any

from django.contrib.auth.models import Group, User

from editorial.models import Approval, ReviewState
from editorial.selectors import approval_current, round_open
from editorial.services import review_approve, review_request, reviewer_profile_set
from treatments.models import Treatment
from treatments.roles import ensure_roles

PASSWORD = "a-long-test-password"


def make_reviewer(
    username: str = "reviewer",
    *,
    display_name: str = "Dr Test Reviewer",
    credentials: str = "MD (a test account)",
    email: str = "",
    staff: bool = True,
    groups: tuple[str, ...] = (),
) -> User:
    """A user in the 'clinical reviewers' group (plus `groups`), with a reviewer profile."""
    ensure_roles()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password=PASSWORD, email=email or f"{username}@example.org"
        )
    user.is_staff = staff
    user.save()
    for name in ("clinical reviewers", *groups):
        user.groups.add(Group.objects.get(name=name))
    reviewer_profile_set(user=user, credentials=credentials, display_name=display_name)
    return user


def approve(
    treatment: Treatment, reviewer: User | None = None, *, requester: Any = None
) -> Approval:
    """Request a review of the working copy as it stands (unless one is open) and approve it."""
    reviewer = reviewer or make_reviewer()
    treatment.refresh_from_db()
    current = round_open(treatment)
    held = approval_current(treatment)
    if current is not None and current.state == ReviewState.APPROVED and held is not None:
        return held
    if current is None or current.state != ReviewState.IN_REVIEW:
        review_request(
            treatment_id=treatment.pk, expected_version=treatment.version, actor=requester
        )
    approval = review_approve(
        treatment_id=treatment.pk, expected_version=treatment.version, actor=reviewer
    )
    treatment.refresh_from_db()
    return approval
