"""The admin's add and change pages render and save, and a stale form never overwrites."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from treatments.models import AuditEntry, Publication, Revision, Treatment

pytestmark = pytest.mark.django_db


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """The change form's current values, as a browser would post them back."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        if name == "possible_tissue_sources":
            import json

            value = json.dumps(value)
        if name == "category":
            value = value if isinstance(value, int) else value.pk
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        prefix = fs.prefix
        data[f"{prefix}-TOTAL_FORMS"] = fs.total_form_count()
        data[f"{prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        for index, inline_form in enumerate(fs.forms):
            for name, field in inline_form.fields.items():
                value = inline_form.initial.get(name, field.initial)
                if name == "treatment":
                    value = fs.instance.pk
                if name == "id" and inline_form.instance.pk:
                    value = inline_form.instance.pk
                if value is None or value is False:
                    continue
                data[f"{prefix}-{index}-{name}"] = value
    return data


def test_admin_changelist_and_add_page_render(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    listing = client.get(reverse("admin:treatments_treatment_changelist") + "?review=overdue")
    assert listing.status_code == 200
    assert (
        client.get(reverse("admin:treatments_treatment_changelist")).content.count(
            b"Bone Marrow Stem Cell Injection"
        )
        >= 1
    )
    assert client.get(reverse("admin:treatments_treatment_add")).status_code == 200


def test_admin_change_page_saves_through_compare_and_set_with_audit(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_change", args=[seed_published.pk])
    data = _form_data(client, url)
    data["summary"] = "Edited in the admin."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    treatment = Treatment.objects.get()
    assert treatment.summary == "Edited in the admin."
    assert treatment.version == seed_published.version + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.action == "update" and entry.actor_label == "admin"
    assert entry.hash_before != entry.hash_after
    assert "Edited in the admin." not in Publication.objects.get().document_json


def test_a_stale_admin_form_never_overwrites_a_newer_save(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_change", args=[seed_published.pk])
    first, second = _form_data(client, url), _form_data(client, url)
    first["summary"] = "First editor wins."
    assert client.post(url, first).status_code == 302
    second["summary"] = "Second editor is stale."
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Someone saved this treatment after you opened it" in response.content.decode()
    assert Treatment.objects.get().summary == "First editor wins."


def test_admin_form_errors_name_the_field(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_change", args=[seed_published.pk])
    data = _form_data(client, url)
    data["course_sessions_min"], data["course_sessions_max"] = 5, 2
    data["steps-0-quantity_min"] = "-3"
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "minimum number of sessions is larger than the maximum" in page
    assert "quantity cannot be negative" in page or "greater than or equal to 0" in page
    assert Treatment.objects.get().version == seed_published.version


def test_admin_publish_unpublish_and_revert_buttons(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_change", args=[seed_published.pk])
    data = _form_data(client, url)
    data["summary"] = "A second revision."
    client.post(url, data)
    version = Treatment.objects.get().version
    publish = reverse("admin:treatment_publish", args=[seed_published.pk])
    client.post(publish, {"expected_version": version, "change_note": "second"})
    assert Revision.objects.count() == 2
    history = client.get(reverse("admin:treatment_revisions", args=[seed_published.pk]))
    assert history.status_code == 200
    assert "/summary" in history.content.decode(), "the diff shows the changed field"
    revert = reverse("admin:treatment_revert", args=[seed_published.pk, 1])
    client.post(revert, {"expected_version": Treatment.objects.get().version})
    assert Revision.objects.count() == 3
    unpublish = reverse("admin:treatment_unpublish", args=[seed_published.pk])
    client.post(unpublish, {"expected_version": Treatment.objects.get().version})
    assert not Publication.objects.live().exists()


def test_an_editor_without_publish_permission_cannot_publish(
    client: Client, roles: dict[str, Any], seed_draft: Any
) -> None:
    client.force_login(roles["editor"])
    publish = reverse("admin:treatment_publish", args=[seed_draft.pk])
    response = client.post(publish, {"expected_version": seed_draft.version})
    assert response.status_code == 403
    assert not Revision.objects.exists()


def test_admin_add_page_creates_a_treatment(
    client: Client, superuser: Any, seed_published: Any
) -> None:
    client.force_login(superuser)
    url = reverse("admin:treatments_treatment_add")
    data = _form_data(client, url)
    data.update(
        title="A new treatment",
        slug="a-new-treatment",
        summary="Draft summary.",
        category=seed_published.category_id,
        classification="procedural",
        tissue_source="not_applicable",
        possible_tissue_sources="[]",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Treatment.objects.get(slug="a-new-treatment")
    assert created.version == 1
    assert AuditEntry.objects.filter(treatment=created, action="create").count() == 1
