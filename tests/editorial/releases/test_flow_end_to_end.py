"""The whole flow with no one clicking at the time: edit, review, approve, schedule, live.

An editor changes the working copy, a clinical reviewer approves it, a publisher schedules the
publish; the worker (django-tasks' own, in this process) makes it live at its time, and the
public API, the sync feed and the embed card all show the new content.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from editorial.releases.services import schedule_create
from tests.editorial.support import approve, make_reviewer
from tests.events.support import run_tasks
from treatments.models import Treatment

from .support import edit, make_due, soon

NEW_SUMMARY = "A summary reworded by an editor and approved by a clinical reviewer."


@pytest.mark.django_db(transaction=True)
def test_an_approved_change_scheduled_by_a_publisher_goes_live_everywhere_at_its_time(
    seed_published: Treatment, people: dict[str, User], client: Client
) -> None:
    slug = seed_published.slug
    before = client.get(f"/api/v1/treatments/{slug}/").json()
    token = client.get("/api/v1/sync/").json()["next_sync_token"]

    edit(seed_published, summary=NEW_SUMMARY, actor=people["editor"])
    approve(seed_published, make_reviewer())
    seed_published.refresh_from_db()
    action = schedule_create(
        treatment_id=seed_published.pk,
        kind="publish",
        run_at=soon(),
        expected_version=seed_published.version,
        actor=people["publisher"],
    )
    run_tasks()
    assert client.get(f"/api/v1/treatments/{slug}/").json()["summary"] == before["summary"]

    make_due(action)
    run_tasks()

    document = client.get(f"/api/v1/treatments/{slug}/").json()
    assert (document["summary"], document["revision"]) == (NEW_SUMMARY, before["revision"] + 1)
    assert document["review"]["reviewer"].startswith("Dr Test Reviewer")
    delta = client.get("/api/v1/sync/", {"token": token}).json()
    assert [(d["id"], d["summary"]) for d in delta["upserts"]] == [
        (str(seed_published.pk), NEW_SUMMARY)
    ]
    card = client.get(f"/embed/v1/treatments/{slug}/")
    assert card.status_code == 200 and NEW_SUMMARY in card.content.decode()
