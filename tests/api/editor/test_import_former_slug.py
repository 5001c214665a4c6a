"""Importing a document under a former slug updates that treatment (it used to be a 500)."""

from typing import Any

import pytest

from treatments.models import Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


def test_an_import_under_a_former_slug_needs_if_match_and_updates_that_treatment(
    clients: dict[str, TokenClient], seed_published: Any, seed_data: dict[str, Any]
) -> None:
    editor = clients["editor"]
    url = f"{BASE}/treatments/{seed_published.pk}/"
    renamed = editor.request(
        "PATCH", url, {"slug": "renamed"}, **{"If-Match": etag_of(seed_published)}
    )
    assert renamed.status_code == 200
    document = {**seed_data, "summary": "Imported under the former slug."}
    assert editor.request("POST", f"{BASE}/import/", document).status_code == 428
    response = editor.request(
        "POST", f"{BASE}/import/", document, **{"If-Match": etag_of(seed_published)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["action"] == "updated"
    assert Treatment.objects.count() == 1
    assert Treatment.objects.get().summary == "Imported under the former slug."
