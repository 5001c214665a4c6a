"""The translation boxes on the treatment change page: a source's translations, or what a
translation translates, each with the link to the page that acts on it."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from treatments.models import Treatment
from treatments.permissions import Action, can
from treatments.selectors import working_copy_live_revision

from .selectors import translation_list, translation_of
from .views_admin import add_url, side_by_side_url


def _may_view(request: HttpRequest, treatment: Treatment) -> bool:
    return can(request.user, Action.VIEW) and treatment.deleted_at is None


def translations_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """A source's translations, by language, saying which are outdated; links to the list."""
    if not _may_view(request, treatment) or translation_of(treatment_id=treatment.pk):
        return None
    rows = list(translation_list(source_id=treatment.pk))
    if not rows:
        text = "No translations yet."
    else:
        text = "; ".join(
            f"{row.language}: outdated (translates revision {row.source_revision})"
            if row.outdated
            else f"{row.language}: up to date"
            for row in rows
        )
    list_url = reverse("admin:translations_translation_changelist")
    return {
        "title": "Translations",
        "url": f"{list_url}?q={treatment.slug}",
        "text": text + ".",
    }


def add_translation_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """The link to add a translation, for editors, on a treatment that is not a translation."""
    if not _may_view(request, treatment) or not can(request.user, Action.EDIT):
        return None
    if translation_of(treatment_id=treatment.pk):
        return None
    return {
        "title": "Add a translation",
        "url": add_url(treatment.pk),
        "text": "Starts as a copy of this text for a person to translate (never machine "
        "translated); reviewed and published on its own.",
    }


def translation_panel(request: HttpRequest, treatment: Treatment) -> dict[str, Any] | None:
    """On a translation: its source, the revision it translates, and the side-by-side editor."""
    if not _may_view(request, treatment):
        return None
    row = translation_of(treatment_id=treatment.pk)
    if row is None:
        return None
    live = working_copy_live_revision(row.source)
    standing = (
        f"outdated: the source is at revision {live}, this translates {row.source_revision}"
        if row.outdated
        else f"translates source revision {row.source_revision}"
        if row.source_revision
        else "the source was not published when it was made"
    )
    return {
        "title": "Edit side by side with the source",
        "url": side_by_side_url(treatment.pk),
        "text": f"The {row.language} translation of '{row.source.title}'; {standing}.",
    }
