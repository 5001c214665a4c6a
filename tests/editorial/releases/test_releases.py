"""Releases: several changes go live in one transaction with consecutive log entries, or none."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail

from editorial.releases.models import Release, ReleaseState, ScheduledAction, ScheduleState
from editorial.releases.releasing import ReleaseRefusedError
from editorial.releases.running import scheduled_action_run
from editorial.releases.services import (
    release_create,
    release_member_remove,
    release_member_set,
    release_publish,
    release_schedule,
    release_unschedule,
)
from events.models import OutboxEvent
from tests.events.support import run_tasks
from treatments import services
from treatments.choices import AuditAction
from treatments.models import AuditEntry, ChangeLogEntry, Publication, Revision, Treatment

from .support import backdate, edit, make_due, queued_emails, soon

pytestmark = pytest.mark.django_db


def _live(treatment: Treatment) -> bool:
    return Publication.objects.filter(treatment=treatment, withdrawn_at__isnull=True).exists()


@pytest.fixture
def release(drafts: list[Treatment], seed_published: Treatment, publisher: User) -> Release:
    """Publish two drafts and withdraw the live seed treatment, together."""
    made = release_create(name="Spring update", actor=publisher)
    for treatment in drafts[:2]:
        release_member_set(
            release_id=made.pk,
            treatment_id=treatment.pk,
            action="publish",
            expected_version=treatment.version,
            actor=publisher,
        )
    release_member_set(
        release_id=made.pk,
        treatment_id=seed_published.pk,
        action="withdraw",
        expected_version=None,
        actor=publisher,
    )
    return made


def _snapshot() -> tuple[int, int, list[Any], list[int]]:
    """What the public side holds: log size, revisions, live ids, working-copy versions."""
    return (
        ChangeLogEntry.objects.count(),
        Revision.objects.count(),
        sorted(Publication.objects.filter(withdrawn_at__isnull=True).values_list("pk", flat=True)),
        list(Treatment.objects.order_by("pk").values_list("version", flat=True)),
    )


def test_a_release_goes_live_with_consecutive_change_log_entries(
    release: Release, drafts: list[Treatment], seed_published: Treatment, publisher: User
) -> None:
    before = ChangeLogEntry.objects.order_by("sequence").last()
    assert before is not None

    release_publish(release_id=release.pk, actor=publisher)

    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED and release.published_at is not None
    log = list(ChangeLogEntry.objects.filter(sequence__gt=before.sequence).order_by("sequence"))
    assert [e.sequence for e in log] == list(range(before.sequence + 1, before.sequence + 4))
    assert (release.first_sequence, release.last_sequence) == (log[0].sequence, log[-1].sequence)
    assert [e.treatment_id for e in log] == [drafts[0].pk, drafts[1].pk, seed_published.pk]
    assert [e.kind for e in log] == ["upsert", "upsert", "withdraw"]
    assert _live(drafts[0]) and _live(drafts[1]) and not _live(seed_published)
    event = OutboxEvent.objects.get(type="release.published")
    assert event.payload["release"] == {"id": str(release.pk), "name": "Spring update"}
    assert event.payload["sequences"] == [e.sequence for e in log]
    for treatment in (*drafts[:2], seed_published):
        assert AuditEntry.objects.filter(
            treatment=treatment, action=AuditAction.RELEASE_PUBLISH
        ).exists()


def test_a_release_with_a_member_that_fails_the_gates_is_refused_naming_it(
    release: Release, drafts: list[Treatment], publisher: User, gate: dict[Any, str]
) -> None:
    gate[drafts[1].pk] = "No valid approval for this version."
    before = _snapshot()

    with pytest.raises(ReleaseRefusedError) as refused:
        release_publish(release_id=release.pk, actor=publisher)

    assert [m["treatment"] for m in refused.value.members] == [str(drafts[1].pk)]
    assert refused.value.members[0]["problems"] == ["No valid approval for this version."]
    assert _snapshot() == before
    release.refresh_from_db()
    assert release.state == ReleaseState.DRAFT


def test_a_release_is_all_or_nothing_under_an_injected_failure(
    release: Release, publisher: User, failing_hook: Any
) -> None:
    before = _snapshot()
    failing_hook(2)  # the first member is already public in the transaction when this fails

    with pytest.raises(RuntimeError, match="injected failure at public change 2"):
        release_publish(release_id=release.pk, actor=publisher)

    assert _snapshot() == before, "nothing published, change log unchanged"
    release.refresh_from_db()
    assert release.state == ReleaseState.DRAFT
    assert not OutboxEvent.objects.filter(type="release.published").exists()


def test_a_scheduled_release_is_all_or_nothing_under_an_injected_failure(
    release: Release, publisher: User, failing_hook: Any
) -> None:
    action = backdate(release_schedule(release_id=release.pk, run_at=soon(), actor=publisher))
    before = _snapshot()
    failing_hook(3)  # two members are public in the transaction when the third fails

    assert scheduled_action_run(action_id=action.pk) == "failed"

    assert _snapshot() == before
    release.refresh_from_db()
    assert release.state == ReleaseState.FAILED
    assert "injected failure" in release.message
    assert queued_emails()[0]["subject"] == "Not done: publish release “Spring update”"


def test_a_scheduled_release_goes_live_on_time_through_the_worker(
    release: Release, drafts: list[Treatment], publisher: User
) -> None:
    action = release_schedule(release_id=release.pk, run_at=soon(), actor=publisher)
    release.refresh_from_db()
    assert release.state == ReleaseState.SCHEDULED
    backdate(action)

    assert scheduled_action_run(action_id=action.pk) == "done"
    assert scheduled_action_run(action_id=action.pk) == "skipped"

    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED
    assert release.last_sequence - release.first_sequence == 2  # type: ignore[operator]
    assert all(Revision.objects.filter(treatment=t).count() == 1 for t in drafts[:2])
    notice = queued_emails()[0]
    assert notice["subject"] == "Done: publish release “Spring update”"
    assert notice["to"] == ["publisher@example.org"]


def test_a_member_edited_after_the_release_was_scheduled_cancels_the_whole_release(
    release: Release, drafts: list[Treatment], people: dict[str, User]
) -> None:
    action = release_schedule(release_id=release.pk, run_at=soon(), actor=people["publisher"])
    edit(drafts[1], summary="Edited after the release was scheduled.", actor=people["editor"])
    backdate(action)
    before = _snapshot()

    assert scheduled_action_run(action_id=action.pk) == "cancelled"

    assert _snapshot() == before, "nothing goes live, not even the unchanged members"
    release.refresh_from_db()
    assert release.state == ReleaseState.CANCELLED
    assert "changed after it was added to the release" in release.message
    (notice,) = queued_emails()
    assert notice["to"] == ["publisher@example.org", "editor@example.org"]
    assert drafts[1].title in notice["body"]


def test_members_change_only_while_the_release_is_a_draft(
    release: Release, drafts: list[Treatment], publisher: User
) -> None:
    release_schedule(release_id=release.pk, run_at=soon(), actor=publisher)
    with pytest.raises(services.StateError, match="cancel its schedule first"):
        release_member_remove(release_id=release.pk, treatment_id=drafts[0].pk, actor=publisher)
    with pytest.raises(services.StateError, match="only a draft release can change"):
        release_publish(release_id=release.pk, actor=publisher)

    release_unschedule(release_id=release.pk, actor=publisher)

    release.refresh_from_db()
    assert release.state == ReleaseState.DRAFT
    assert ScheduledAction.objects.get().state == ScheduleState.CANCELLED
    release_member_remove(release_id=release.pk, treatment_id=drafts[0].pk, actor=publisher)
    assert release.members.count() == 2


def test_adding_a_member_again_binds_its_current_working_copy(
    release: Release, drafts: list[Treatment], publisher: User
) -> None:
    edited = edit(drafts[0], summary="A later, approved change.")
    with pytest.raises(ReleaseRefusedError, match="changed after it was added"):
        release_publish(release_id=release.pk, actor=publisher)
    member = release_member_set(
        release_id=release.pk,
        treatment_id=drafts[0].pk,
        action="publish",
        expected_version=edited.version,
        actor=publisher,
    )
    assert member.version == edited.version
    release_publish(release_id=release.pk, actor=publisher)
    document = Revision.objects.get(treatment=drafts[0]).document
    assert document["summary"] == "A later, approved change."


def test_an_empty_release_cannot_go_live(publisher: User) -> None:
    empty = release_create(name="Nothing yet", actor=publisher)
    with pytest.raises(ReleaseRefusedError, match="no members"):
        release_publish(release_id=empty.pk, actor=publisher)


def test_an_editor_may_not_make_releases(people: dict[str, User]) -> None:
    with pytest.raises(services.ForbiddenError):
        release_create(name="Mine", actor=people["editor"])


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_release_notice(
    release: Release, publisher: User, drafts: list[Treatment]
) -> None:
    make_due(release_schedule(release_id=release.pk, run_at=soon(), actor=publisher))
    run_tasks()
    run_tasks()  # the notice queued by the first run
    assert [m.subject for m in mail.outbox] == ["Done: publish release “Spring update”"]
