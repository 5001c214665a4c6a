"""The changelog: one list, served as JSON at /api/v1/changelog/ and as docs/changelog.md."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from api.deprecation import DEPRECATIONS
from api.v1.changelog import CHANGELOG_PATH, CHANGES, KINDS, changelog_markdown
from api.v1.changelog_views import changelog_data

ROOT = Path(__file__).resolve().parents[2]
ID = re.compile(r"^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_the_docs_changelog_is_generated_from_the_entries() -> None:
    page = (ROOT / "docs" / "changelog.md").read_text()
    assert page == changelog_markdown(), (
        "docs/changelog.md differs from api/v1/changelog.py. Edit the entries there, then run "
        "`.venv/bin/python -m api.v1.changelog > docs/changelog.md`."
    )


def test_entries_have_unique_ids_that_start_with_their_date_newest_first() -> None:
    ids = [c.id for c in CHANGES]
    assert len(ids) == len(set(ids)), "an id is an anchor: it must be unique"
    for change in CHANGES:
        match = ID.match(change.id)
        assert match, f"{change.id!r}: use <date>-<words-in-lowercase>"
        assert match.group(1) == change.date.isoformat(), f"{change.id} must start with its date"
        assert change.kind in KINDS
        assert change.what.strip() and not change.what.endswith(" ")
    dates = [c.date for c in CHANGES]
    assert dates == sorted(dates, reverse=True), "newest first"
    assert max(dates) <= dt.date.today(), "an entry states what is on main, not a plan"


def test_every_deprecation_points_at_a_deprecated_entry_that_gives_a_migration() -> None:
    by_id = {c.id: c for c in CHANGES}
    for entry in DEPRECATIONS:
        change = by_id.get(entry.change)
        assert change is not None, f"api/deprecation.py names no entry {entry.change!r}"
        assert change.kind == "deprecated", f"{entry.change} must be a `deprecated` entry"
        assert change.migration, f"{entry.change}: say what to use instead (migration)"
        assert change.date == entry.deprecated_at.date()
        assert entry.sunset.date().isoformat() in change.what, "the entry states the sunset"
    referenced = {d.change for d in DEPRECATIONS}
    for change in CHANGES:
        if change.kind == "deprecated":
            assert change.id in referenced, f"{change.id}: add it to api/deprecation.py"


def test_the_changelog_path_is_where_the_url_map_serves_it() -> None:
    assert reverse("v1:changelog") == CHANGELOG_PATH


@pytest.mark.django_db
def test_get_changelog_serves_every_entry_and_deprecation_as_json(client: Client) -> None:
    response = client.get(CHANGELOG_PATH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == changelog_data()
    assert [c["id"] for c in body["changes"]] == [c.id for c in CHANGES]
    bundle = next(c for c in body["changes"] if c["id"] == "2026-12-05-bundle-sync-token")
    assert bundle == {
        "id": "2026-12-05-bundle-sync-token",
        "date": "2026-12-05",
        "kind": "deprecated",
        "what": bundle["what"],
        "migration": "Read `next_sync_token`; it holds the same token.",
        "link": "/api/v1/changelog/#2026-12-05-bundle-sync-token",
        "operations": [],
    }
    deprecation = next(d for d in body["deprecations"] if d["operation"] == "bundle")
    assert deprecation == {
        "target": "field",
        "operation": "bundle",
        "method": "GET",
        "parameter": None,
        "fields": ["Bundle.sync_token"],
        "deprecated_at": "2026-12-05T00:00:00Z",
        "sunset": "2028-12-05T00:00:00Z",
        "change": "2026-12-05-bundle-sync-token",
        "link": "/api/v1/changelog/#2026-12-05-bundle-sync-token",
    }


@pytest.mark.django_db
def test_the_changelog_revalidates_and_refuses_unknown_parameters(client: Client) -> None:
    first = client.get(CHANGELOG_PATH)
    again = client.get(CHANGELOG_PATH, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    bad = client.get(CHANGELOG_PATH, {"since": "2026-12-01"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_the_api_root_links_to_the_changelog(client: Client) -> None:
    assert client.get("/api/v1/").json()["links"]["changelog"] == CHANGELOG_PATH


def test_each_entry_has_its_anchor_in_the_docs_page() -> None:
    page = (ROOT / "docs" / "changelog.md").read_text()
    for change in CHANGES:
        assert page.count(f'<a id="{change.id}"></a>') == 1


def _operation_ids(path: Path) -> set[str]:
    spec = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    return {op["operationId"] for item in spec["paths"].values() for op in item.values()}


def test_every_operation_added_since_the_last_release_has_a_changelog_entry() -> None:
    released = _operation_ids(ROOT / "tests" / "api" / "compat" / "openapi-1.1.yaml")
    current = _operation_ids(ROOT / "openapi.yaml")
    named = {operation for change in CHANGES for operation in change.operations}
    missing = sorted(current - released - named)
    assert missing == [], (
        f"operations added since the last release without a changelog entry: {missing}. Add "
        "an `added` Change(..., operations=(...)) to api/v1/changelog.py, then run "
        "`.venv/bin/python -m api.v1.changelog > docs/changelog.md`."
    )
    assert named <= current, f"entries name operations openapi.yaml lacks: {named - current}"
