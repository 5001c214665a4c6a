"""The release endpoints over HTTP: build one, publish it now or later, refusals name members."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from editorial.releases.models import Release, ScheduledAction
from tests.editorial.releases.support import refusing_gate_install, variant
from treatments.models import ChangeLogEntry, Publication, Revision, Treatment
from treatments.services import content_load

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
RELEASES = f"{BASE}/releases/"


@pytest.fixture
def gate() -> Any:
    refused = refusing_gate_install()
    yield refused
    refused.clear()


@pytest.fixture
def drafts(db: Any, seed_data: dict[str, Any]) -> list[Treatment]:
    for index in range(2):
        content_load(content=variant(seed_data, index))
    return list(Treatment.objects.order_by("slug"))


@pytest.fixture
def release(clients: dict[str, TokenClient], drafts: list[Treatment]) -> dict[str, Any]:
    """A draft release that publishes both drafts, made over HTTP."""
    publisher = clients["publisher"]
    created = publisher.request("POST", RELEASES, {"name": "Spring update"})
    assert created.status_code == 201, created.content
    assert created["Location"] == created.json()["links"]["self"]
    members = created.json()["links"]["members"]
    for treatment in drafts:
        added = publisher.request(
            "POST",
            members,
            {"treatment": str(treatment.pk), "action": "publish"},
            **{"If-Match": etag_of(treatment)},
        )
        assert added.status_code == 200, added.content
    return dict(added.json())


def test_a_release_is_built_and_published_over_http(
    clients: dict[str, TokenClient], release: dict[str, Any], drafts: list[Treatment]
) -> None:
    assert release["state"] == "draft"
    assert [m["treatment"]["id"] for m in release["members"]] == [str(t.pk) for t in drafts]
    assert all(not m["stale"] and m["version"] == 1 for m in release["members"])

    response = clients["publisher"].request("POST", release["links"]["publish"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "published"
    assert body["last_sequence"] - body["first_sequence"] == 1
    assert all(Revision.objects.filter(treatment=t).count() == 1 for t in drafts)
    listed = clients["editor"].request("GET", RELEASES + "?state=published").json()["results"]
    assert [(r["id"], r["member_count"]) for r in listed] == [(body["id"], 2)]
    again = clients["publisher"].request("POST", release["links"]["publish"])
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM


def test_a_member_that_may_not_go_live_is_a_409_naming_it_and_nothing_changes(
    clients: dict[str, TokenClient],
    release: dict[str, Any],
    drafts: list[Treatment],
    gate: dict[Any, str],
) -> None:
    gate[drafts[1].pk] = "No valid approval for this version."
    log = ChangeLogEntry.objects.count()

    response = clients["publisher"].request("POST", release["links"]["publish"])

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith(":release-refused") and problem["code"] == "release_refused"
    assert [m["treatment"] for m in problem["members"]] == [str(drafts[1].pk)]
    assert problem["members"][0]["problems"] == ["No valid approval for this version."]
    assert problem["members"][0]["codes"] == ["publish_refused"]
    assert ChangeLogEntry.objects.count() == log
    assert not Publication.objects.exists()
    assert Release.objects.get().state == "draft"


def test_a_member_edited_since_it_was_added_shows_as_stale_and_is_refused(
    clients: dict[str, TokenClient], release: dict[str, Any], drafts: list[Treatment]
) -> None:
    edited = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{drafts[0].pk}/",
        {"summary": "Changed after being added."},
        content_type="application/merge-patch+json",
        **{"If-Match": etag_of(drafts[0])},
    )
    assert edited.status_code == 200
    detail = clients["editor"].request("GET", release["links"]["self"]).json()
    assert [m["stale"] for m in detail["members"]] == [True, False]

    response = clients["publisher"].request(
        "POST", release["links"]["schedule"], {"at": "2031-01-01T09:00:00Z"}
    )

    assert response.status_code == 409
    assert "changed after it was added" in response.json()["members"][0]["problems"][0]
    assert response.json()["members"][0]["codes"] == ["member_changed"]
    assert ScheduledAction.objects.count() == 0


def test_a_release_is_scheduled_frozen_and_unscheduled(
    clients: dict[str, TokenClient], release: dict[str, Any], drafts: list[Treatment]
) -> None:
    publisher = clients["publisher"]
    at = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)

    scheduled = publisher.request("POST", release["links"]["schedule"], {"at": at.isoformat()})

    assert scheduled.status_code == 200, scheduled.content
    body = scheduled.json()
    assert body["state"] == "scheduled"
    assert body["schedule"]["state"] == "pending"
    assert dt.datetime.fromisoformat(body["schedule"]["at"]) == at
    member = f"{release['links']['members']}{drafts[0].pk}/"
    frozen = publisher.request("DELETE", member)
    assert frozen.status_code == 409 and "cancel its schedule first" in frozen.json()["detail"]
    upcoming = clients["editor"].request("GET", f"{BASE}/schedule/").json()["results"]
    assert [a["release"] for a in upcoming] == [body["id"]]

    unscheduled = publisher.request("DELETE", release["links"]["schedule"])

    assert unscheduled.status_code == 200 and unscheduled.json()["state"] == "draft"
    assert unscheduled.json()["schedule"]["state"] == "cancelled"
    removed = publisher.request("DELETE", member)
    assert removed.status_code == 200 and len(removed.json()["members"]) == 1
    assert publisher.request("DELETE", release["links"]["schedule"]).status_code == 409


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"at": "2001-01-01T00:00:00Z"}, 400),
        ({"at": "2031-01-01T09:00"}, 400),
        ({}, 400),
        ("not an object", 400),
    ],
)
def test_a_bad_schedule_is_a_400_and_changes_nothing(
    clients: dict[str, TokenClient], release: dict[str, Any], body: Any, status: int
) -> None:
    response = clients["publisher"].request("POST", release["links"]["schedule"], body)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert Release.objects.get().state == "draft"
    assert ScheduledAction.objects.count() == 0


def test_adding_a_member_with_a_stale_if_match_is_a_412(
    clients: dict[str, TokenClient], release: dict[str, Any], seed_published: Treatment
) -> None:
    response = clients["publisher"].request(
        "POST",
        release["links"]["members"],
        {"treatment": str(seed_published.pk), "action": "withdraw"},
        **{"If-Match": f'"wc-{seed_published.pk.hex}-v999"'},
    )
    assert response.status_code == 412
    assert response["ETag"] == etag_of(seed_published)
    assert len(Release.objects.get().members.all()) == 2


def test_roles_and_unknown_releases(
    clients: dict[str, TokenClient], release: dict[str, Any]
) -> None:
    assert clients["editor"].request("POST", RELEASES, {"name": "Mine"}).status_code == 403
    assert clients["editor"].request("POST", release["links"]["publish"]).status_code == 403
    assert clients["anonymous"].request("GET", RELEASES).status_code == 401
    assert clients["publisher"].request("GET", f"{RELEASES}999/").status_code == 404
    assert clients["publisher"].request("POST", f"{RELEASES}999/publish/").status_code == 404
    assert clients["publisher"].request("POST", RELEASES, {"name": ""}).status_code == 400
    assert clients["editor"].request("GET", RELEASES + "?state=nope").status_code == 400
    assert clients["editor"].request("GET", RELEASES + "?color=red").status_code == 400
