"""Several workers at once: each task is claimed by one of them (SKIP LOCKED on PostgreSQL)."""

import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from .support import note, run_tasks, slow_note

TASKS = 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_claims_a_task_with_skip_locked() -> None:
    note.enqueue(path="/dev/null", text="one")
    with CaptureQueriesContext(connection) as queries:
        run_tasks()
    assert any("FOR UPDATE SKIP LOCKED" in q["sql"] for q in queries.captured_queries)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_running_at_once_run_each_task_exactly_once(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    for number in range(TASKS):
        # A little work each, so that every worker gets a share before the queue is empty.
        slow_note.enqueue(path=str(trace), text=f"task-{number}", seconds=0.05)
    errors: list[BaseException] = []

    def work(worker_id: str) -> None:
        try:
            run_tasks(worker_id=worker_id)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    lines = trace.read_text().splitlines()
    assert Counter(lines) == Counter(
        {f"{step} task-{n}": 1 for n in range(TASKS) for step in ("start", "end")}
    )
    claimed_by = Counter(r.worker_ids[0] for r in DBTaskResult.objects.all())
    assert len(claimed_by) > 1, f"the work was shared: {claimed_by}"
    assert all(len(r.worker_ids) == 1 for r in DBTaskResult.objects.all())
