"""A client never misses a change: its replica equals the live set after every sync."""

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatments import services
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import Revision, Treatment

from .test_sync_feed import App, live_documents, replica

pytestmark = pytest.mark.django_db
CATEGORIES = ["pain-treatments", "sports-medicine"]
OPERATIONS = ["publish", "edit", "unpublish", "delete", "restore", "revert", "move", "sync"]


def _version(treatment: Treatment) -> int:
    return Treatment.objects.get(pk=treatment.pk).version


def _apply(operation: str, treatment: Treatment, step: int, choice: int) -> None:
    """One editorial operation through the services; ones that do not apply are skipped."""
    version = _version(treatment)
    call: dict[str, Any] = {"treatment_id": treatment.pk, "expected_version": version}
    try:
        if operation == "publish":
            services.treatment_publish(actor=None, **call)
        elif operation in ("edit", "move"):
            content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
            if operation == "edit":
                content["summary"] = f"Edited at step {step}."
            else:
                slug = CATEGORIES[choice % 2]
                content["category"] = {"slug": slug, "name": slug.replace("-", " ").title()}
            edited = services.treatment_replace(
                content=services.content_validate(content), actor=None, **call
            )
            services.treatment_publish(
                treatment_id=treatment.pk, expected_version=edited.version, actor=None
            )
        elif operation == "unpublish":
            services.treatment_unpublish(actor=None, **call)
        elif operation == "delete":
            services.treatment_delete(actor=None, **call)
        elif operation == "restore":
            services.treatment_restore(actor=None, **call)
        elif operation == "revert":
            first = Revision.objects.filter(treatment=treatment).order_by("number").first()
            if first is not None:
                services.treatment_revert(revision_number=first.number, actor=None, **call)
    except (services.StateError, services.NotFoundError, services.PublishRefusedError):
        pass  # e.g. unpublishing what is not live: the service refuses and writes nothing


@pytest.fixture
def treatments(db: Any, seed_data: dict[str, Any]) -> list[Treatment]:
    made = []
    for index in range(4):
        data = {**seed_data, "slug": f"t{index}", "title": f"Treatment {index}"}
        services.content_load(content=TreatmentContent.model_validate(data), publish=index < 2)
        made.append(Treatment.objects.get(slug=f"t{index}"))
    return made


@settings(
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 3), st.integers(1, 3)),
        min_size=4,
        max_size=30,
    ),
    scoped=st.booleans(),
)
def test_the_replica_equals_the_live_set_after_every_sync(
    treatments: list[Treatment], steps: list[tuple[str, int, int]], scoped: bool
) -> None:
    # Each example starts from the same four treatments: its writes are rolled back after it.
    with transaction.atomic():
        scope = {"category": "pain-treatments"} if scoped else {}
        app = App(Client())
        app.sync(page_size=2, **scope)
        assert replica(app) == live_documents(**scope)
        for number, (operation, index, choice) in enumerate(steps):
            if operation == "sync":
                app.sync(page_size=choice)  # 1 to 3 per page: deltas span pages
                assert replica(app) == live_documents(**scope)
            else:
                _apply(operation, treatments[index], number, choice)
        app.sync(page_size=1)
        assert replica(app) == live_documents(**scope)
        for document in app.documents.values():
            live = Client().get(f"/api/v1/treatments/{document['id']}/").json()
            assert live == document, "the replica holds the latest state"
        transaction.set_rollback(True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_late_is_not_skipped_by_a_sync_in_between(
    seed_data: dict[str, Any],
) -> None:
    """Two publishes racing on two connections: the second must not commit "ahead" of the first.

    Without serialisation, B could take a higher sequence number and commit while A (lower
    number) is still open; a sync in between would then move its token past A's number and
    never see A. The hub's advisory lock makes B wait until A commits.
    """
    for index in range(2):
        data = {**seed_data, "slug": f"race-{index}", "title": f"Race {index}"}
        services.content_load(content=TreatmentContent.model_validate(data))
    first, second = (Treatment.objects.get(slug=f"race-{i}") for i in range(2))
    app = App(Client())
    app.sync()
    a_inside, a_release, b_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def publish_a() -> None:
        try:
            with transaction.atomic():
                services.treatment_publish(
                    treatment_id=first.pk, expected_version=first.version, actor=None
                )
                a_inside.set()
                a_release.wait(10)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def publish_b() -> None:
        try:
            services.treatment_publish(
                treatment_id=second.pk, expected_version=second.version, actor=None
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_done.set()
            connection.close()

    thread_a = threading.Thread(target=publish_a)
    thread_a.start()
    assert a_inside.wait(10), "A published inside its open transaction"
    thread_b = threading.Thread(target=publish_b)
    thread_b.start()
    assert not b_done.wait(1.0), "B must wait for A's commit (the change-log lock)"
    app.sync()  # a sync while A is open and B waits: sees neither
    assert replica(app) == {}
    a_release.set()
    thread_a.join(10)
    thread_b.join(10)
    assert not errors, errors
    time.sleep(0)  # both committed
    app.sync()
    assert replica(app) == live_documents() == {str(first.pk): 1, str(second.pk): 1}
