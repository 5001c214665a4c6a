"""Export carries a treatment's id and import keeps it: identity survives a trip between databases.

A document exported from another database arrives with an id this one does not have; it is
created with that id, as a draft (revisions and publication state are not imported). An id
whose slug belongs to a different treatment here is a 409 that writes nothing.
"""

import uuid
from typing import Any

import pytest

from treatments.models import AuditEntry, Revision, Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db
IMPORT = f"{BASE}/import/"


def _export(editor: TokenClient, treatment: Treatment) -> dict[str, Any]:
    response = editor.request("GET", f"{BASE}/treatments/{treatment.pk}/export/")
    assert response.status_code == 200
    return response.json()


def test_export_carries_the_id_and_importing_it_back_matches_by_it(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    editor = clients["editor"]
    exported = _export(editor, seed_published)
    assert exported["id"] == str(seed_published.pk)
    again = editor.request("POST", IMPORT, exported)
    assert again.status_code == 200, again.content
    assert again.json()["action"] == "unchanged"
    changed = {**exported, "summary": "Changed where it was exported to."}
    updated = editor.request("POST", IMPORT, changed, **{"If-Match": etag_of(seed_published)})
    assert updated.status_code == 200, updated.content
    assert updated.json()["working_copy"]["id"] == str(seed_published.pk)
    assert Treatment.objects.get().summary == "Changed where it was exported to."


def test_a_document_from_another_database_is_created_with_its_id_as_a_draft(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    editor = clients["editor"]
    # What another database exports: its own id and slug, neither of which exists here.
    elsewhere = {**_export(editor, seed_published), "slug": "from-elsewhere"}
    elsewhere["id"] = str(uuid.uuid4())
    preview = editor.request("POST", f"{IMPORT}?dry_run=true", elsewhere)
    assert preview.json()["action"] == "created"
    assert not Treatment.objects.filter(pk=elsewhere["id"]).exists()
    created = editor.request("POST", IMPORT, elsewhere)
    assert created.status_code == 201, created.content
    working_copy = created.json()["working_copy"]
    assert working_copy["id"] == elsewhere["id"]
    assert working_copy["state"] == "draft"
    assert working_copy["live_revision"] is None
    assert not Revision.objects.filter(treatment_id=elsewhere["id"]).exists()
    # Exported from here, it carries the same id again: the identity travels with it.
    assert _export(editor, Treatment.objects.get(pk=elsewhere["id"]))["id"] == elsewhere["id"]


def test_the_same_id_under_a_new_slug_renames_that_treatment_instead_of_adding_one(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    editor = clients["editor"]
    renamed = {**_export(editor, seed_published), "slug": "renamed-elsewhere"}
    response = editor.request("POST", IMPORT, renamed, **{"If-Match": etag_of(seed_published)})
    assert response.status_code == 200, response.content
    assert response.json()["action"] == "updated"
    assert Treatment.objects.count() == 1
    assert Treatment.objects.get().slug == "renamed-elsewhere"


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_id_whose_slug_is_another_treatments_is_a_409_that_writes_nothing(
    clients: dict[str, TokenClient], seed_published: Any, dry_run: bool
) -> None:
    editor = clients["editor"]
    other = {**_export(editor, seed_published), "id": str(uuid.uuid4())}
    version, audits = etag_of(seed_published), AuditEntry.objects.count()
    url = f"{IMPORT}?dry_run=true" if dry_run else IMPORT
    response = editor.request("POST", url, other, **{"If-Match": version})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("identity-conflict")
    assert str(seed_published.pk) in problem["detail"] and other["id"] in problem["detail"]
    assert "Remove `id`" in problem["detail"]
    assert Treatment.objects.count() == 1
    assert etag_of(seed_published) == version
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("bad", ["not-a-uuid", 42, None, ""])
def test_an_id_that_is_not_a_uuid_is_a_400_pointing_at_it(
    clients: dict[str, TokenClient], seed_published: Any, bad: Any
) -> None:
    editor = clients["editor"]
    response = editor.request("POST", IMPORT, {**_export(editor, seed_published), "id": bad})
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/id"]
