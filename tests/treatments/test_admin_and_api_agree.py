"""The same edit made in the admin and through the editor API leaves the same traces."""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from knox.models import AuthToken

from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import AuditEntry, Treatment
from treatments.services import content_load, treatment_get_for_edit

from .test_admin import admin_form_data, change_url

pytestmark = pytest.mark.django_db

NEW_SUMMARY = "Edited the same way on both screens."
NEW_NOTE = {"subject": "Platelets", "text": "Added on both screens.\nTwo lines."}


def edit_in_the_admin(client: Client, treatment: Treatment) -> None:
    """Change the summary, empty a risk's description, change a quantity, add a note, drop a
    comparison: every kind of inline change, through the change form."""
    url = change_url(treatment)
    data = admin_form_data(client, url)
    data["summary"] = NEW_SUMMARY
    data["risks-0-description"] = ""
    data["steps-1-quantity_max"] = "12"
    data["comparisons-0-DELETE"] = "on"
    notes = int(data["mechanism_notes-TOTAL_FORMS"])
    data["mechanism_notes-TOTAL_FORMS"] = notes + 1
    data[f"mechanism_notes-{notes}-order"] = notes + 1
    data[f"mechanism_notes-{notes}-subject"] = NEW_NOTE["subject"]
    data[f"mechanism_notes-{notes}-text"] = NEW_NOTE["text"].replace("\n", "\r\n")  # a browser
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def edit_through_the_api(client: Client, treatment: Treatment) -> None:
    """The same change as a JSON Merge Patch (arrays are replaced whole)."""
    url = f"/api/v1/editor/treatments/{treatment.pk}/"
    current = client.get(url)
    assert current.status_code == 200
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    risks = copy.deepcopy(content["risks"]["items"])
    risks[0]["description"] = ""
    steps = copy.deepcopy(content["procedure"]["steps"])
    steps[1]["quantity"]["max"] = 12
    patch = {
        "summary": NEW_SUMMARY,
        "risks": {"items": risks},
        "procedure": {"steps": steps},
        "mechanism": [*content["mechanism"], NEW_NOTE],
        "comparisons": content["comparisons"][1:],
    }
    response = client.patch(
        url,
        json.dumps(patch, default=str),
        content_type="application/merge-patch+json",
        headers={"If-Match": current["ETag"]},
    )
    assert response.status_code == 200, response.content


def traces(edit: Callable[[Treatment], None], seed_content: TreatmentContent) -> dict[str, Any]:
    """Load the seed into an empty database, make `edit`, and return what it left behind.

    Each run is rolled back, so both ways start from the same database and the same slug:
    content hashes cover the slug, so two treatments under two slugs could never agree.
    """
    with transaction.atomic():
        content_load(content=seed_content, publish=True)
        treatment = Treatment.objects.get(slug=seed_content.slug)
        edit(treatment)
        current = treatment_get_for_edit(treatment_id=treatment.pk)
        entries = AuditEntry.objects.filter(treatment=current).order_by("id")
        result = {
            "content": build_content(current),
            "version": current.version,
            "audit": [
                {
                    "action": e.action,
                    "actor": e.actor_label,
                    "version_before": e.version_before,
                    "version_after": e.version_after,
                    "hash_before": e.hash_before,
                    "hash_after": e.hash_after,
                    "message": e.message,
                    "revision_number": e.revision_number,
                }
                for e in entries
            ],
        }
        transaction.set_rollback(True)
    return result


def test_the_same_edit_in_the_admin_and_the_editor_api_leaves_identical_working_copies_and_audit(
    roles: dict[str, Any], seed_content: TreatmentContent
) -> None:
    publisher = roles["publisher"]
    admin = Client()
    admin.force_login(publisher)
    api = Client(headers={"Authorization": f"Token {AuthToken.objects.create(user=publisher)[1]}"})

    in_the_admin = traces(lambda t: edit_in_the_admin(admin, t), seed_content)
    through_the_api = traces(lambda t: edit_through_the_api(api, t), seed_content)

    edited = in_the_admin["content"]
    assert edited["summary"] == NEW_SUMMARY and edited["mechanism"][-1] == NEW_NOTE
    assert edited["procedure"]["steps"][1]["quantity"]["max"] == 12
    assert in_the_admin["content"] == through_the_api["content"]
    assert in_the_admin["version"] == through_the_api["version"]
    assert in_the_admin["audit"] == through_the_api["audit"]
    assert [e["action"] for e in in_the_admin["audit"]][-1] == "update"
