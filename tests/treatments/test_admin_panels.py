"""Rooms above treatments add boxes to the treatment change page through the panel registry."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from treatments.admin.panels import (
    change_page_panel_register,
    change_page_panel_unregister,
    change_page_panels,
)

pytestmark = pytest.mark.django_db


def _schedule_panel(request: Any, treatment: Any) -> dict[str, str]:
    return {"title": "Schedules", "url": f"/admin/x/?t={treatment.pk}&a=<b>", "text": "None <yet>"}


def _silent_panel(request: Any, treatment: Any) -> None:
    return None


@pytest.fixture(autouse=True)
def _no_other_panels() -> Iterator[None]:
    """Hide the panels the installed rooms register (schedules, review, ...) during each test."""
    installed = change_page_panels()
    for panel in installed:
        change_page_panel_unregister(panel)
    yield
    for panel in installed:
        change_page_panel_register(panel)


@pytest.fixture
def no_panels() -> Iterator[None]:
    """None of the panels the rooms above registered (e.g. editorial's review), for this test."""
    registered = change_page_panels()
    for panel in registered:
        change_page_panel_unregister(panel)
    yield
    for panel in registered:
        change_page_panel_register(panel)


@pytest.fixture
def panels(no_panels: None) -> Iterator[None]:
    change_page_panel_register(_schedule_panel)
    change_page_panel_register(_silent_panel)
    change_page_panel_register(_schedule_panel)  # twice: shown once
    yield
    change_page_panel_unregister(_schedule_panel)
    change_page_panel_unregister(_silent_panel)


def test_a_registered_panel_is_shown_escaped_on_the_change_page(
    client: Client, superuser: Any, seed_published: Any, panels: None
) -> None:
    assert change_page_panels().count(_schedule_panel) == 1
    client.force_login(superuser)
    page = client.get(reverse("admin:treatments_treatment_change", args=[seed_published.pk]))
    html = page.content.decode()
    assert html.count('class="treatment-panel"') == 1, "the panel answering None shows nothing"
    assert f'href="/admin/x/?t={seed_published.pk}&amp;a=&lt;b&gt;">Schedules</a>' in html
    assert "<p>None &lt;yet&gt;</p>" in html


def test_without_panels_the_page_has_no_panel_box(
    client: Client, superuser: Any, seed_published: Any, no_panels: None
) -> None:
    client.force_login(superuser)
    page = client.get(reverse("admin:treatments_treatment_change", args=[seed_published.pk]))
    assert "treatment-panels" not in page.content.decode()
    assert client.get(reverse("admin:treatments_treatment_add")).status_code == 200
