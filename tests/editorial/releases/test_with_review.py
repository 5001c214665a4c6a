"""Scheduling and releases under the real four-eyes rule (editorial's approval gate)."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from editorial.releases.models import ScheduleState
from editorial.releases.releasing import ReleaseRefusedError
from editorial.releases.running import scheduled_action_run
from editorial.releases.services import (
    release_create,
    release_member_set,
    release_publish,
    schedule_create,
)
from tests.editorial.support import approve, make_reviewer
from treatments import services
from treatments.models import Publication, Revision, Treatment

from .support import backdate, edit, queued_emails, soon

pytestmark = pytest.mark.django_db


def _schedule(treatment: Treatment, actor: User) -> Any:
    treatment.refresh_from_db()
    return schedule_create(
        treatment_id=treatment.pk,
        kind="publish",
        run_at=soon(),
        expected_version=treatment.version,
        actor=actor,
    )


def test_a_human_edit_cannot_be_scheduled_until_a_reviewer_approves_it(
    drafts: list[Treatment], people: dict[str, User]
) -> None:
    edit(drafts[0], summary="An editor's wording.", actor=people["editor"])
    with pytest.raises(services.PublishRefusedError, match="approve") as refused:
        _schedule(drafts[0], people["publisher"])
    assert refused.value.code == "approval_missing"

    reviewer = make_reviewer()
    approve(drafts[0], reviewer)
    action = backdate(_schedule(drafts[0], people["publisher"]))

    assert scheduled_action_run(action_id=action.pk) == ScheduleState.DONE
    assert Publication.objects.filter(treatment=drafts[0], withdrawn_at__isnull=True).exists()
    document = Revision.objects.get(treatment=drafts[0]).document
    assert document["summary"] == "An editor's wording."
    (notice,) = [m for m in queued_emails() if m["subject"].startswith("Done:")]
    assert notice["to"] == ["publisher@example.org", "editor@example.org", reviewer.email]


def test_an_edit_after_the_approval_and_the_schedule_publishes_nothing(
    drafts: list[Treatment], people: dict[str, User]
) -> None:
    edit(drafts[0], summary="Approved wording.", actor=people["editor"])
    approve(drafts[0])
    action = _schedule(drafts[0], people["publisher"])
    edit(drafts[0], summary="An unreviewed afterthought.", actor=people["editor"])
    backdate(action)

    assert scheduled_action_run(action_id=action.pk) == ScheduleState.CANCELLED
    assert not Revision.objects.filter(treatment=drafts[0]).exists()


def test_a_release_names_the_member_without_an_approval(
    drafts: list[Treatment], people: dict[str, User]
) -> None:
    for treatment in drafts[:2]:
        edit(treatment, summary=f"New wording for {treatment.slug}.", actor=people["editor"])
    approve(drafts[0])
    release = release_create(name="Half approved", actor=people["publisher"])
    for treatment in drafts[:2]:
        release_member_set(
            release_id=release.pk,
            treatment_id=treatment.pk,
            action="publish",
            expected_version=None,
            actor=people["publisher"],
        )

    with pytest.raises(ReleaseRefusedError) as refused:
        release_publish(release_id=release.pk, actor=people["publisher"])

    assert [m["treatment"] for m in refused.value.members] == [str(drafts[1].pk)]
    assert "approve" in refused.value.members[0]["problems"][0]
    assert refused.value.members[0]["codes"] == ["approval_missing"]
    assert not Revision.objects.exists()

    approve(drafts[1])
    release_publish(release_id=release.pk, actor=people["publisher"])
    assert Revision.objects.count() == 2
