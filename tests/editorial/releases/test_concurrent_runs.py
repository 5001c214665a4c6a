"""Workers racing for the same due actions: each action takes effect once, on any database."""

import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from editorial.releases.models import ScheduledAction, ScheduleState
from editorial.releases.running import overdue_actions_run, scheduled_action_run
from editorial.releases.services import schedule_create
from treatments.choices import AuditAction
from treatments.models import AuditEntry, Revision, Treatment

from .support import backdate, soon


def _race(*calls: Any) -> list[Any]:
    """Run `calls` at once in threads (each with its own database connection)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index]()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_one_action_at_once_publish_it_once(
    drafts: list[Treatment], publisher: User
) -> None:
    for treatment in drafts:  # three rounds
        action = backdate(
            schedule_create(
                treatment_id=treatment.pk,
                kind="publish",
                run_at=soon(),
                expected_version=treatment.version,
                actor=publisher,
            )
        )
        outcomes = _race(
            lambda a=action: scheduled_action_run(action_id=a.pk),
            lambda a=action: scheduled_action_run(action_id=a.pk),
        )
        assert sorted(map(str, outcomes)) == ["done", "skipped"], outcomes
        assert Revision.objects.filter(treatment=treatment).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_at_once_run_each_overdue_action_once(
    drafts: list[Treatment], publisher: User
) -> None:
    for treatment in drafts:
        backdate(
            schedule_create(
                treatment_id=treatment.pk,
                kind="publish",
                run_at=soon(),
                expected_version=treatment.version,
                actor=publisher,
            )
        )
    outcomes = _race(overdue_actions_run, overdue_actions_run)
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    done = [pk for result in outcomes for pk, what in result if what == "done"]
    assert sorted(done) == sorted(ScheduledAction.objects.values_list("pk", flat=True))
    assert set(ScheduledAction.objects.values_list("state", flat=True)) == {ScheduleState.DONE}
    assert AuditEntry.objects.filter(action=AuditAction.SCHEDULE_RUN).count() == len(drafts)
    assert all(Revision.objects.filter(treatment=t).count() == 1 for t in drafts)
