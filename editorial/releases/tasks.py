"""The background tasks of scheduling: run one scheduled action; catch up on worker start."""

from events.queue import task
from events.worker import on_worker_start

from .running import overdue_actions_run, scheduled_action_run


@task()
def run_scheduled_action(*, action_id: int) -> str:
    """Run scheduled action `action_id` (enqueued for its time; duplicates do nothing)."""
    return scheduled_action_run(action_id=action_id)


@on_worker_start
def run_overdue_actions() -> None:
    """On worker start, run the actions that fell due while no worker ran, earliest first."""
    overdue_actions_run()
