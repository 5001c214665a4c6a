"""Loading shipped content (what `make run` does) never overwrites editorial work."""

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from treatments import services
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Revision, Treatment

pytestmark = pytest.mark.django_db


def _load(*flags: str) -> str:
    out = io.StringIO()
    call_command("load_content", "--publish", *flags, stdout=out)
    return out.getvalue()


def _edit_and_publish_as_an_editor(treatment: Treatment, summary: str) -> None:
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = summary
    edited = services.treatment_replace(
        treatment_id=treatment.pk,
        content=services.content_validate(content),
        expected_version=Treatment.objects.get(pk=treatment.pk).version,
        actor=None,
    )
    services.treatment_publish(treatment_id=edited.pk, expected_version=edited.version, actor=None)


def test_loading_twice_changes_nothing(db: Any) -> None:
    assert "created" in _load()
    state = (Revision.objects.count(), AuditEntry.objects.count(), Treatment.objects.get().version)
    assert "unchanged" in _load()
    assert state == (
        Revision.objects.count(),
        AuditEntry.objects.count(),
        Treatment.objects.get().version,
    )


def test_make_run_keeps_a_treatment_that_editors_changed_since_it_was_loaded(
    client: Client,
) -> None:
    _load()
    treatment = Treatment.objects.get()
    _edit_and_publish_as_an_editor(treatment, "Edited by an editor in the admin.")
    revisions = Revision.objects.count()

    out = _load()

    assert "kept" in out and "--force" in out, out
    assert Treatment.objects.get().summary == "Edited by an editor in the admin."
    assert Revision.objects.count() == revisions
    public = client.get(f"/api/v1/treatments/{treatment.slug}/").json()
    assert public["summary"] == "Edited by an editor in the admin."


def test_force_reloads_the_shipped_content_over_editorial_changes(client: Client) -> None:
    _load()
    treatment = Treatment.objects.get()
    shipped = treatment.summary
    _edit_and_publish_as_an_editor(treatment, "Edited by an editor in the admin.")

    out = _load("--force")

    assert "updated" in out, out
    assert Treatment.objects.get().summary == shipped
    assert client.get(f"/api/v1/treatments/{treatment.slug}/").json()["summary"] == shipped


def test_make_run_does_not_republish_a_treatment_an_editor_withdrew(client: Client) -> None:
    _load()
    treatment = Treatment.objects.get()
    services.treatment_unpublish(
        treatment_id=treatment.pk, expected_version=treatment.version, actor=None
    )

    out = _load()

    assert "not published" in out, out
    assert client.get(f"/api/v1/treatments/{treatment.slug}/").status_code == 410
