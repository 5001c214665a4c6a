"""The treatment change page's boxes for readable diffs and preview links (registered in ready)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from treatments.models import Treatment
from treatments.permissions import Action, can
from treatments.selectors import working_copy_has_unpublished_changes, working_copy_live_revision

from .models import PreviewLink


def compare_page(treatment: Treatment) -> str:
    """Where the revisions page sends "compare" links (`?from=…&to=…` is added there)."""
    return reverse("admin:previews_compare", args=[treatment.pk])


def compare_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """ "Compare with live": the working copy against the live revision, side by side."""
    if treatment._state.adding or not can(request.user, Action.VIEW):
        return None
    live = working_copy_live_revision(treatment)
    if live is None:
        text = "Nothing is live: compare the working copy with a revision, or two revisions."
    elif working_copy_has_unpublished_changes(treatment):
        text = f"The working copy has changes that live revision {live} does not."
    else:
        text = f"The working copy is what live revision {live} shows."
    return {
        "title": "Compare with live" if live is not None else "Compare versions",
        "url": reverse("admin:previews_compare", args=[treatment.pk]),
        "text": text,
    }


def preview_links_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """ "Preview links": show the draft to a reviewer without an account."""
    if treatment._state.adding or not can(request.user, Action.VIEW):
        return None
    active = PreviewLink.objects.active().filter(treatment=treatment).count()
    return {
        "title": "Preview links",
        "url": reverse("admin:previews_links", args=[treatment.pk]),
        "text": f"{active} active link{'s' if active != 1 else ''}: the draft as the app and "
        "the card show it, for someone without an admin account.",
    }
