"""Emails about review steps, queued for the worker in the step's transaction (never sent here).

One message per recipient (nobody sees who else was told). A step that rolls back queues
nothing; recipients without an email address are skipped.
"""

from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch, reverse

from events.mail import email_enqueue
from treatments.services.audit import actor_label

from .models import ReviewRound
from .selectors import authors_since_publish


def _review_path(round_: ReviewRound) -> str:
    try:
        return reverse("admin:editorial_review", args=[round_.treatment_id])
    except NoReverseMatch:  # the admin is not mounted (an API-only deployment)
        return ""


def _send(users: Iterable[Any], *, skip: Any, subject: str, body: str) -> int:
    sent = 0
    seen: set[str] = set()
    for user in users:
        address = (getattr(user, "email", "") or "").strip()
        if not address or address in seen or (skip is not None and user.pk == skip.pk):
            continue
        seen.add(address)
        email_enqueue(to=[address], subject=subject, body=body)
        sent += 1
    return sent


def review_requested(round_: ReviewRound, *, to: Iterable[Any]) -> int:
    """Tell reviewers that a review was requested; how many emails were queued."""
    treatment = round_.treatment
    path = _review_path(round_)
    lines = [
        f'{round_.requested_by_label} asks for a clinical review of "{treatment.title}" '
        f"(version {round_.version}).",
        "",
        *([round_.message, ""] if round_.message else []),
        "Approve it, or request changes with a comment, on its review page"
        + (f": {path}" if path else " in the admin."),
    ]
    return _send(
        to,
        skip=round_.requested_by,
        subject=f"Review requested: {treatment.title}",
        body="\n".join(lines),
    )


def review_answered(round_: ReviewRound, *, actor: Any, approved: bool, comment: str) -> int:
    """Tell the author (who requested, and who changed it) that a reviewer answered."""
    from django.contrib.auth import get_user_model

    treatment = round_.treatment
    names = set(authors_since_publish(treatment))
    authors = list(get_user_model().objects.filter(username__in=names, is_active=True))
    if round_.requested_by is not None:
        authors.insert(0, round_.requested_by)
    who = actor_label(actor)
    if approved:
        subject = f"Approved: {treatment.title}"
        first = f'{who} approved "{treatment.title}" at version {treatment.version}.'
        then = "A publisher can publish it now; any further edit voids the approval."
    else:
        subject = f"Changes requested: {treatment.title}"
        first = f'{who} asks for changes to "{treatment.title}" before approving it.'
        then = "Make the changes, then request a review again."
    path = _review_path(round_)
    lines = [first, "", *([comment, ""] if comment else []), then]
    if path:
        lines.append(f"Review page: {path}")
    return _send(authors, skip=actor, subject=subject, body="\n".join(lines))
