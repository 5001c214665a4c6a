"""Helpers for scheduling and release tests (here and in tests/api/editor): drafts, clocks."""

import copy
import datetime as dt
from typing import Any

from django.utils import timezone

from editorial.releases.models import ScheduledAction
from treatments import services
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import Treatment


def variant(data: dict[str, Any], index: int) -> TreatmentContent:
    """A distinct valid treatment shaped like the seed."""
    changed = copy.deepcopy(data)
    changed["slug"] = f"{data['slug']}-release-{index}"
    changed["title"] = f"{data['title']} (release test {index})"
    return TreatmentContent.model_validate(changed)


def edit(treatment: Treatment, *, summary: str, actor: Any = None) -> Treatment:
    """Change the working copy's summary through the services (the version goes up)."""
    treatment.refresh_from_db()
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = summary
    return services.treatment_replace(
        treatment_id=treatment.pk,
        content=services.content_validate(content),
        expected_version=treatment.version,
        actor=actor,
    )


def backdate(action: ScheduledAction, *, seconds: float = 1) -> ScheduledAction:
    """Make a scheduled action due (its time passes `seconds` ago) without waiting for it."""
    ScheduledAction.objects.filter(pk=action.pk).update(
        run_at=timezone.now() - dt.timedelta(seconds=seconds)
    )
    action.refresh_from_db()
    return action


def soon(seconds: float = 3600) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


# A publish gate for tests: it refuses the treatments named in `_REFUSED` (none outside a test
# that uses the `gate` fixture). Registered once; the registry has no way to remove a gate.
_REFUSED: dict[Any, str] = {}


def _test_gate(*, treatment: Treatment, content: dict[str, Any]) -> list[str]:
    reason = _REFUSED.get(treatment.pk)
    return [reason] if reason else []


def queued_emails() -> list[dict[str, Any]]:
    """The emails queued for the worker (not sent yet): their kwargs (to, subject, body)."""
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(task_path="events.mail.send_email").order_by("enqueued_at")
    return [t.args_kwargs["kwargs"] for t in tasks]


def make_due(action: ScheduledAction, *, seconds: float = 1) -> ScheduledAction:
    """Backdate an action and its queued task: as if its time passed `seconds` ago."""
    from django_tasks_db.models import DBTaskResult

    when = timezone.now() - dt.timedelta(seconds=seconds)
    for task in DBTaskResult.objects.filter(task_path__endswith="run_scheduled_action"):
        if task.args_kwargs["kwargs"].get("action_id") == action.pk:
            DBTaskResult.objects.filter(pk=task.pk).update(run_after=when)
    return backdate(action, seconds=seconds)


def refusing_gate_install() -> dict[Any, str]:
    """Install the test gate (once) and return its table of refusals, emptied."""
    services.publish_gate_register(_test_gate)
    _REFUSED.clear()
    return _REFUSED
