"""Boxes that rooms above `treatments` add to the treatment change page, without being imported.

A panel is a callable `panel(request, treatment)` returning None (nothing to show for this user or
treatment) or a dict with a `title` and any of `url` (a link) and `text` (a line of plain text).
Editorial review, schedules, preview links and diffs register theirs at start-up (in their
AppConfig.ready), the same way they register publish gates:

    from treatments.admin.panels import change_page_panel_register

    @change_page_panel_register
    def review_panel(request, treatment):
        return {"title": "Clinical review", "url": "/admin/...", "text": "In review since ..."}

The change page shows them in registration order; everything is escaped by the template.
"""

from collections.abc import Callable
from typing import Any, TypedDict

from django.http import HttpRequest

from treatments.models import Treatment


class PanelContent(TypedDict, total=False):
    """What a panel shows: a title, and a link and/or a line of text."""

    title: str
    url: str
    text: str


Panel = Callable[[HttpRequest, Treatment], PanelContent | dict[str, Any] | None]
_PANELS: list[Panel] = []


def change_page_panel_register(panel: Panel) -> Panel:
    """Show `panel(request, treatment)` on every treatment change page (usable as a decorator)."""
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def change_page_panel_unregister(panel: Panel) -> None:
    """Stop showing a panel (for tests that register one of their own)."""
    if panel in _PANELS:
        _PANELS.remove(panel)


def change_page_panels() -> tuple[Panel, ...]:
    """The registered panels, in registration order."""
    return tuple(_PANELS)


def change_page_panel_contents(request: HttpRequest, treatment: Treatment) -> list[PanelContent]:
    """What each panel shows for this user and treatment; panels that answer None are left out."""
    contents: list[PanelContent] = []
    for panel in _PANELS:
        shown = panel(request, treatment)
        if not shown:
            continue
        title = str(shown.get("title") or "")
        assert title, f"the change-page panel {panel!r} returned no title; every box needs one"
        content = PanelContent(title=title)
        if shown.get("url"):
            content["url"] = str(shown["url"])
        if shown.get("text"):
            content["text"] = str(shown["text"])
        contents.append(content)
    return contents


# The revisions page links any two revisions to the readable diff, a page of a room above this
# one (editorial.previews). That room tells us where the page is, as it registers its panels:
# `compare_page_register(lambda treatment: reverse(...))`; the page takes `?from=…&to=…`, each
# a revision number or "working".
ComparePage = Callable[[Treatment], str]
_COMPARE_PAGE: list[ComparePage] = []


def compare_page_register(page: ComparePage) -> ComparePage:
    """Name the page that compares two versions of a treatment (the last registered wins)."""
    _COMPARE_PAGE[:] = [page]
    return page


def compare_page_url(treatment: Treatment) -> str | None:
    """The URL of the compare page for this treatment, or None if no room offers one."""
    return _COMPARE_PAGE[0](treatment) if _COMPARE_PAGE else None
