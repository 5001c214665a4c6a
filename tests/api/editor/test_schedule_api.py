"""The schedule endpoints over HTTP: preconditions, bad input, permissions, cancel, and a run."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from editorial.releases.models import ScheduledAction
from editorial.releases.running import scheduled_action_run
from tests.editorial.releases.support import backdate, refusing_gate_install
from tests.editorial.support import approve
from treatments.models import Publication, Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _at(**delta: float) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


def _schedule(t: Treatment) -> str:
    return f"{BASE}/treatments/{t.pk}/schedule/"


@pytest.fixture
def gate() -> Any:
    refused = refusing_gate_install()
    yield refused
    refused.clear()


def test_a_publisher_schedules_a_publish_bound_to_the_if_match_version(
    clients: dict[str, TokenClient], seed_draft: Treatment
) -> None:
    etag = etag_of(seed_draft)
    response = clients["publisher"].request(
        "POST",
        _schedule(seed_draft),
        {"action": "publish", "at": _at(hours=2), "note": "Embargo."},
        **{"If-Match": etag},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["action"], body["version"]) == ("pending", "publish", 1)
    assert body["created_by"] == "publisher" and body["note"] == "Embargo."
    assert response["Location"] == body["links"]["self"]
    assert response["Cache-Control"] == "private, no-store"
    listed = clients["editor"].request("GET", _schedule(seed_draft)).json()["results"]
    assert [a["id"] for a in listed] == [body["id"]]
    one = clients["editor"].request("GET", body["links"]["self"])
    assert one.status_code == 200 and one.json() == body
    upcoming = clients["editor"].request("GET", f"{BASE}/schedule/").json()["results"]
    assert [a["id"] for a in upcoming] == [body["id"]]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 428),
        ({"If-Match": '"wc-00000000000000000000000000000000-v1"'}, 412),
        ({"If-Match": "x"}, 400),
    ],
)
def test_a_publish_needs_the_current_if_match(
    clients: dict[str, TokenClient], seed_draft: Treatment, headers: dict[str, str], status: int
) -> None:
    response = clients["publisher"].request(
        "POST", _schedule(seed_draft), {"action": "publish", "at": _at(hours=1)}, **headers
    )
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert ScheduledAction.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"action": "publish", "at": "2001-01-01T00:00:00Z"}, ""),
        ({"action": "publish", "at": "2031-01-01T09:00:00"}, "/at"),
        ({"action": "publish", "at": "2031-01-01"}, "/at"),
        ({"action": "publish", "at": 1924992000}, "/at"),
        ({"action": "launch", "at": "2031-01-01T09:00:00Z"}, "/action"),
        ({"action": "publish"}, "/at"),
        ({"action": "publish", "at": "2031-01-01T09:00:00Z", "extra": 1}, "/extra"),
    ],
)
def test_bad_input_is_a_400_problem_and_schedules_nothing(
    clients: dict[str, TokenClient], seed_draft: Treatment, body: Any, pointer: str
) -> None:
    response = clients["publisher"].request(
        "POST", _schedule(seed_draft), body, **{"If-Match": etag_of(seed_draft)}
    )
    assert response.status_code == 400, response.content
    problem = response.json()
    assert response["Content-Type"] == PROBLEM
    if pointer:
        assert problem["errors"][0]["pointer"] == pointer
    else:
        assert "not in the future" in problem["detail"]
    assert ScheduledAction.objects.count() == 0


def test_only_publishers_schedule(clients: dict[str, TokenClient], seed_draft: Treatment) -> None:
    body = {"action": "publish", "at": _at(hours=1)}
    etag = {"If-Match": etag_of(seed_draft)}
    assert clients["editor"].request("POST", _schedule(seed_draft), body, **etag).status_code == 403
    assert clients["anonymous"].request("GET", _schedule(seed_draft)).status_code == 401
    assert ScheduledAction.objects.count() == 0


def test_a_working_copy_that_may_not_be_published_is_a_409(
    clients: dict[str, TokenClient], seed_draft: Treatment, gate: dict[Any, str]
) -> None:
    gate[seed_draft.pk] = "No valid approval for version 1."
    response = clients["publisher"].request(
        "POST",
        _schedule(seed_draft),
        {"action": "publish", "at": _at(hours=1)},
        **{"If-Match": etag_of(seed_draft)},
    )
    assert response.status_code == 409
    assert "No valid approval" in response.json()["detail"]


def test_a_withdrawal_needs_no_if_match_and_is_cancelled_once(
    clients: dict[str, TokenClient], seed_published: Treatment
) -> None:
    publisher = clients["publisher"]
    created = publisher.request(
        "POST", _schedule(seed_published), {"action": "withdraw", "at": _at(days=30)}
    )
    assert created.status_code == 201
    url = created.json()["links"]["self"]

    cancelled = publisher.request("DELETE", url)
    again = publisher.request("DELETE", url)

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    assert publisher.request("DELETE", _schedule(seed_published) + "999/").status_code == 404


def test_an_action_is_reached_only_through_its_own_treatment(
    clients: dict[str, TokenClient], seed_published: Treatment, seed_data: dict[str, Any]
) -> None:
    created = clients["publisher"].request(
        "POST", _schedule(seed_published), {"action": "withdraw", "at": _at(days=1)}
    )
    other = Treatment.objects.create(
        slug="another", title="Another", category=seed_published.category
    )
    wrong = f"{_schedule(other)}{created.json()['id']}/"
    assert clients["publisher"].request("DELETE", wrong).status_code == 404
    assert ScheduledAction.objects.get().state == "pending"


def test_a_run_shows_in_the_api_and_the_treatment_goes_live(
    clients: dict[str, TokenClient], seed_draft: Treatment
) -> None:
    created = (
        clients["publisher"]
        .request(
            "POST",
            _schedule(seed_draft),
            {"action": "publish", "at": _at(minutes=5)},
            **{"If-Match": etag_of(seed_draft)},
        )
        .json()
    )
    backdate(ScheduledAction.objects.get(pk=created["id"]))
    scheduled_action_run(action_id=created["id"])

    after = clients["editor"].request("GET", created["links"]["self"]).json()
    assert after["state"] == "done" and after["ran_at"] is not None
    assert Publication.objects.filter(treatment=seed_draft, withdrawn_at__isnull=True).exists()
    public = clients["anonymous"].request("GET", f"/api/v1/treatments/{seed_draft.slug}/")
    assert public.status_code == 200 and public.json()["revision"] == 1


def test_a_human_edit_is_scheduled_only_once_approved(
    clients: dict[str, TokenClient], seed_draft: Treatment
) -> None:
    edited = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{seed_draft.pk}/",
        {"summary": "An editor's new summary."},
        content_type="application/merge-patch+json",
        **{"If-Match": etag_of(seed_draft)},
    )
    assert edited.status_code == 200
    body = {"action": "publish", "at": _at(hours=1)}

    refused = clients["publisher"].request(
        "POST", _schedule(seed_draft), body, **{"If-Match": etag_of(seed_draft)}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "approval_missing"

    approve(seed_draft)
    accepted = clients["publisher"].request(
        "POST", _schedule(seed_draft), body, **{"If-Match": etag_of(seed_draft)}
    )
    assert accepted.status_code == 201
