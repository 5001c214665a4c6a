"""GET /api/v1/editor/treatments/{id}/diff/: the readable diff over HTTP."""

import uuid
from typing import Any

import pytest

from treatments.documents.build import build_content
from treatments.services import (
    content_validate,
    treatment_get_for_edit,
    treatment_publish,
    treatment_replace,
)

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


def _diff(treatment: Any, query: str = "") -> str:
    return f"{BASE}/treatments/{treatment.pk}/diff/" + (f"?{query}" if query else "")


def _edit(treatment: Any, **changes: Any) -> None:
    """Change top-level content fields of the working copy through the service (no HTTP)."""
    treatment.refresh_from_db()
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    content.update(changes)
    treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=treatment.version,
        actor=None,
    )


def _publish(treatment: Any) -> None:
    treatment.refresh_from_db()
    treatment_publish(treatment_id=treatment.pk, expected_version=treatment.version, actor=None)


@pytest.fixture
def editor(clients: dict[str, TokenClient]) -> TokenClient:
    return clients["editor"]


def test_by_default_the_working_copy_is_compared_with_the_live_revision(
    editor: TokenClient, seed_published: Any
) -> None:
    response = editor.request("GET", _diff(seed_published))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["from"] == {
        "ref": "live",
        "revision": 1,
        "version": None,
        "label": "Live (revision 1)",
    }
    assert body["to"]["ref"] == "working"
    assert body["to"]["version"] == seed_published.version
    assert body["changed"] is False
    assert body["patch"] == []
    assert [s["key"] for s in body["sections"]][:4] == [
        "summary",
        "mechanism",
        "eligibility",
        "steps",
    ]
    assert response["Cache-Control"] == "private, no-store"


def test_an_edit_over_http_shows_in_its_section_and_in_the_patch(
    editor: TokenClient, seed_published: Any
) -> None:
    edited = editor.request(
        "PATCH",
        f"{BASE}/treatments/{seed_published.pk}/",
        {"summary": "An edited summary."},
        **{"If-Match": etag_of(seed_published)},
    )
    assert edited.status_code == 200
    body = editor.request("GET", _diff(seed_published, "from=live&to=working")).json()
    assert body["changed"] is True
    changed = {s["key"]: s for s in body["sections"] if s["changed"]}
    assert list(changed) == ["summary"]
    [field] = changed["summary"]["fields"]
    assert (field["path"], field["new"]) == ("/summary", "An edited summary.")
    assert field["old"] == build_content_of_revision(seed_published, 1)["summary"]
    assert body["patch"] == [{"op": "replace", "path": "/summary", "value": "An edited summary."}]


def build_content_of_revision(treatment: Any, number: int) -> dict[str, Any]:
    document: dict[str, Any] = treatment.revisions.get(number=number).document
    return document


def test_two_revisions_are_compared_either_way_and_metadata_is_not_a_change(
    editor: TokenClient, seed_published: Any
) -> None:
    _edit(seed_published, overview="A new overview.")
    _publish(seed_published)
    forward = editor.request("GET", _diff(seed_published, "from=1&to=2")).json()
    assert (forward["from"]["label"], forward["to"]["label"]) == ("Revision 1", "Revision 2")
    changed = [s for s in forward["sections"] if s["changed"]]
    assert [s["key"] for s in changed] == ["summary"]
    [field] = changed[0]["fields"]
    assert (field["label"], field["new"]) == ("Overview", "A new overview.")
    # revision and published_at differ between the two but are not content.
    assert [op["path"] for op in forward["patch"]] == ["/overview"]
    backward = editor.request("GET", _diff(seed_published, "from=2&to=1")).json()
    [back] = next(s for s in backward["sections"] if s["changed"])["fields"]
    assert (back["old"], back["new"]) == (field["new"], field["old"])
    # The working copy now equals revision 2, which is live.
    same = editor.request("GET", _diff(seed_published, "from=working&to=2")).json()
    assert same["changed"] is False
    assert same["from"]["ref"] == "working" and same["to"]["ref"] == "2"


@pytest.mark.parametrize(
    "query, name",
    [
        ("from=latest", "from"),
        ("to=0", "to"),
        ("from=-1", "from"),
        ("to=1.5", "to"),
        ("from=live,working", "from"),
        ("to=99999999999", "to"),
        ("from=", "from"),
        ("since=1", "since"),
        ("from=1&from=2", "from"),
    ],
)
def test_a_bad_reference_is_a_400_problem_naming_the_parameter(
    editor: TokenClient, seed_published: Any, query: str, name: str
) -> None:
    response = editor.request("GET", _diff(seed_published, query))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [name]


def test_an_unknown_revision_or_treatment_is_a_404(
    editor: TokenClient, seed_published: Any
) -> None:
    response = editor.request("GET", _diff(seed_published, "from=1&to=7"))
    assert response.status_code == 404
    assert "no revision 7" in response.json()["detail"]
    unknown = editor.request("GET", f"{BASE}/treatments/{uuid.uuid4()}/diff/")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"


def test_live_when_nothing_is_live_is_a_409_that_says_what_to_do(
    editor: TokenClient, seed_draft: Any
) -> None:
    response = editor.request("GET", _diff(seed_draft))
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "no live revision" in response.json()["detail"]
    # A draft can still be compared with itself (and, once published, with revisions).
    assert editor.request("GET", _diff(seed_draft, "from=working")).json()["changed"] is False


def test_after_unpublishing_live_is_gone_but_revisions_remain(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    publisher = clients["publisher"]
    withdrawn = publisher.request(
        "POST",
        f"{BASE}/treatments/{seed_published.pk}/unpublish/",
        {},
        **{"If-Match": etag_of(seed_published)},
    )
    assert withdrawn.status_code == 200
    assert publisher.request("GET", _diff(seed_published)).status_code == 409
    assert publisher.request("GET", _diff(seed_published, "from=1")).status_code == 200


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("nobody", 403)])
def test_the_diff_needs_an_editorial_role(
    clients: dict[str, TokenClient], seed_published: Any, who: str, status: int
) -> None:
    response = clients[who].request("GET", _diff(seed_published))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
