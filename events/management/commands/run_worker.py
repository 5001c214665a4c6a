"""`manage.py run_worker`: django-tasks-db's worker, with a heartbeat and crash recovery.

Takes every option of `db_worker` (see --help); processes all queues unless --queue-name
says otherwise. Run as many as you like, on as many machines as share the database.

It lives through a database outage (a PostgreSQL restart, a failover): db_worker's loop would
end on the first OperationalError and the process exit; this one waits for the database,
trying again with a growing pause (at most DATABASE_RETRY_MAX_SECONDS), puts back in the queue
the task whose end it could not record, and goes on.
"""

import atexit
import datetime as dt
import logging
import os
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from events.queue import TaskResultStatus
from events.worker import (
    Heartbeat,
    lost_tasks_recover,
    worker_register,
    worker_requeue_running,
    worker_start_hooks,
    worker_unregister,
)

logger = logging.getLogger("django_tasks_db")

# A task "failed" with these was cut off by a forced stop (a second Ctrl-C/SIGTERM), not by
# its own fault: it is queued again instead.
INTERRUPTIONS = frozenset({"builtins.SystemExit", "builtins.KeyboardInterrupt"})
# Nor is a task whose database went away under it: it is queued again, a little later, as long
# as it was not claimed DATABASE_RETRY_CLAIMS times already (a cap against a lasting fault).
DATABASE_ERRORS = frozenset({"django.db.utils.OperationalError", "django.db.utils.InterfaceError"})
DATABASE_RETRY_CLAIMS = 10
DATABASE_RETRY_MAX_SECONDS = 10.0
UNREACHABLE = (OperationalError, InterfaceError)


class HeartbeatWorker(Worker):
    """A db_worker Worker that beats, recovers lost tasks and runs the start-up hooks."""

    def run(self) -> None:
        self._left = False
        worker_register(self.worker_id)
        self._heartbeat = Heartbeat(
            self.worker_id, interval=float(settings.TASKS_WORKER_HEARTBEAT_SECONDS)
        )
        self._heartbeat.start()
        # Under the autoreloader (DEBUG) this runs in a thread that dies with the process when
        # the main thread exits (a code change, SIGTERM): leave at interpreter exit then. (When
        # the reloader's parent is signalled too, it SIGKILLs this process: the heartbeat then
        # just stops, and the next worker's sweep clears it, as for any lost worker.)
        atexit.register(self.leave)
        try:
            recovered = lost_tasks_recover()
            if recovered:
                logger.warning("Recovered %d task(s) of lost workers", recovered)
            for hook in worker_start_hooks():
                hook()
            self._run_through_outages()
        finally:
            self.leave()

    def _run_through_outages(self) -> None:
        """db_worker's loop, entered again after the database came back from an outage."""
        while self.running:
            try:
                super().run()
                return
            except UNREACHABLE as error:
                logger.warning("The database is unreachable (%s); waiting for it", error)
                self._wait_for_database()

    def _wait_for_database(self) -> None:
        """Pause until the database answers (or a stop signal), then queue our lost task again."""
        pause = 0.5
        while self.running:
            connections.close_all()
            time.sleep(pause)
            try:
                requeued = worker_requeue_running(self.worker_id)
            except UNREACHABLE:
                pause = min(pause * 2, DATABASE_RETRY_MAX_SECONDS)
                continue
            logger.warning("The database is back; %d unfinished task(s) queued again", requeued)
            return

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one task; one cut off by a forced stop or a lost database goes back to the queue."""
        super().run_task(db_task_result)
        cause = db_task_result.exception_class_path
        if cause in INTERRUPTIONS:
            self._requeue_failed(db_task_result, run_after=None)
            logger.warning("Task %s was interrupted; it is queued again", db_task_result.pk)
        elif (
            cause in DATABASE_ERRORS
            and len(db_task_result.worker_ids or []) < DATABASE_RETRY_CLAIMS
        ):
            self._requeue_failed(db_task_result, run_after=timezone.now() + dt.timedelta(seconds=1))
            logger.warning("Task %s lost its database; it is queued again", db_task_result.pk)

    def _requeue_failed(self, db_task_result: DBTaskResult, *, run_after: Any) -> None:
        changes: dict[str, Any] = {"run_after": run_after} if run_after is not None else {}
        DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY,
            started_at=None,
            finished_at=None,
            exception_class_path="",
            traceback="",
            **changes,
        )

    def leave(self) -> None:
        """Stop beating and unregister, once; a task cut off by force goes back to the queue."""
        if getattr(self, "_left", True):
            return
        self._left = True
        self._heartbeat.stop()
        try:
            worker_unregister(self.worker_id, requeue_running=self.running_task)
        except UNREACHABLE:  # stopped during an outage: the next worker's sweep clears us
            logger.warning("Could not unregister worker %s: no database", self.worker_id)


class Command(DbWorkerCommand):
    help = "Run the background worker (tasks of every queue, heartbeat, crash recovery)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        reload = options["reload"]
        if reload and options["batch"]:
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
