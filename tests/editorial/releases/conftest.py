"""Fixtures for scheduling and releases: people with addresses, drafts, and a clock in the past."""

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from editorial.releases.models import ScheduledAction
from treatments import services
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import Treatment
from treatments.publication import PublicChange, publication_hooks
from treatments.services import content_load


@pytest.fixture
def people(roles: dict[str, User]) -> dict[str, User]:
    """The roles' users, each with an email address (notices go to them)."""
    for name, user in roles.items():
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return roles


@pytest.fixture
def publisher(people: dict[str, User]) -> User:
    return people["publisher"]


def variant(data: dict[str, Any], index: int) -> TreatmentContent:
    """A distinct valid treatment shaped like the seed."""
    changed = copy.deepcopy(data)
    changed["slug"] = f"{data['slug']}-release-{index}"
    changed["title"] = f"{data['title']} (release test {index})"
    return TreatmentContent.model_validate(changed)


@pytest.fixture
def drafts(db: Any, seed_data: dict[str, Any]) -> list[Treatment]:
    """Three never-published treatments."""
    for index in range(3):
        content_load(content=variant(seed_data, index))
    return list(Treatment.objects.order_by("slug"))


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


@pytest.fixture
def failing_hook() -> Iterator[Callable[[int], None]]:
    """Make the publication hub fail on the n-th public change (an injected fault, for tests)."""
    state: dict[str, int] = {"seen": 0, "fail_at": 0}

    def hook(change: PublicChange) -> None:
        state["seen"] += 1
        if state["fail_at"] and state["seen"] == state["fail_at"]:
            raise RuntimeError(f"injected failure at public change {state['seen']}")

    def arm(n: int) -> None:
        state["seen"], state["fail_at"] = 0, n

    publication_hooks().append(hook)
    yield arm
    publication_hooks().remove(hook)


# A publish gate for tests: it refuses the treatments named in `_REFUSED` (none outside a test
# that uses the `gate` fixture). Registered once; the registry has no way to remove a gate.
_REFUSED: dict[Any, str] = {}


def _test_gate(*, treatment: Treatment, content: dict[str, Any]) -> list[str]:
    reason = _REFUSED.get(treatment.pk)
    return [reason] if reason else []


@pytest.fixture
def gate() -> Iterator[dict[Any, str]]:
    """A publish gate that refuses the treatments put in the returned dict (id -> reason)."""
    services.publish_gate_register(_test_gate)
    _REFUSED.clear()
    yield _REFUSED
    _REFUSED.clear()


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
