"""A change forgets only what it changed: the changed treatment's document and every list page.

Other treatments' documents (served, parsed for renditions, or known withdrawn) stay in the
worker's memory, whether the change was published in this process (the signal) or by another
one (seen when the change-log head is re-read, with the entries since, in the same query).
"""

from typing import Any

import pytest
from django.test import Client

from api import hot
from api.hot import ChangeLogHead, WorkerMemory, hot_document_for
from api.live.memories import hot_documents, parsed_documents, withdrawn_documents
from tests.api.conftest import Clock
from tests.conftest import edit_and_publish
from treatments import services
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

X = "bone-marrow-stem-cell-injection"  # the seed: the treatment that changes
Y = f"{X}-variant-0"  # another treatment, which must stay remembered
Z = f"{X}-variant-1"


def detail(slug: str) -> str:
    return f"/api/v1/treatments/{slug}/"


@pytest.fixture
def catalogue(seed_published: Treatment, publish_many: Any) -> Treatment:
    publish_many(2)
    return seed_published


def _retitle(treatment: Treatment, title: str) -> None:
    edit_and_publish(treatment.pk, lambda c: c.update(title=title))


def test_a_publish_in_this_process_keeps_other_documents_in_memory(
    client: Client,
    catalogue: Treatment,
    clock: Clock,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    y_before = client.get(detail(Y))
    x_before = client.get(detail(X))
    with django_capture_on_commit_callbacks(execute=True):
        _retitle(catalogue, "A retitled treatment")
    # The publish made this worker re-read the head on its next request: one query, and Y's
    # document is still the remembered one.
    with django_assert_num_queries(1):
        y_again = client.get(detail(Y))
    assert y_again.content == y_before.content and y_again["ETag"] == y_before["ETag"]
    x_again = client.get(detail(X))
    assert x_again.json()["title"] == "A retitled treatment"
    assert x_again["ETag"] != x_before["ETag"]


def test_a_publish_by_another_worker_keeps_other_documents_in_memory(
    client: Client, catalogue: Treatment, clock: Clock, django_assert_num_queries: Any
) -> None:
    y_before = client.get(detail(Y))
    client.get(detail(X))
    _retitle(catalogue, "Retitled elsewhere")  # no commit callbacks: only the log tells
    clock.now += 1.1
    with django_assert_num_queries(1):  # the head with the entries since: nothing else
        assert client.get(detail(Y)).content == y_before.content
    assert client.get(detail(X)).json()["title"] == "Retitled elsewhere"
    with django_assert_num_queries(0):
        assert client.get(detail(Y)).content == y_before.content


def test_every_list_page_and_search_is_forgotten_on_any_change(
    client: Client, catalogue: Treatment, clock: Clock
) -> None:
    pages = ["/api/v1/treatments/", "/api/v1/treatments/?q=retitled", "/api/v1/categories/"]
    before = {page: client.get(page).json() for page in pages}
    _retitle(catalogue, "Retitled elsewhere")
    clock.now += 1.1
    assert "Retitled elsewhere" in [i["title"] for i in client.get(pages[0]).json()["results"]]
    assert client.get(pages[1]).json()["results"] != before[pages[1]]["results"]


def test_renditions_of_other_treatments_stay_parsed_in_memory(
    client: Client,
    catalogue: Treatment,
    clock: Clock,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    jsonld = detail(Y) + "jsonld/"
    first = client.get(jsonld)
    client.get(detail(X) + "jsonld/")
    with django_capture_on_commit_callbacks(execute=True):
        _retitle(catalogue, "A retitled treatment")
    # The head, and the treatment's published languages (JSON-LD's `workTranslation`: a new
    # translation changes them without changing the source, so they are read every time).
    with django_assert_num_queries(2):
        assert client.get(jsonld).content == first.content
    assert client.get(detail(X) + "jsonld/").json()["name"] == "A retitled treatment"


def test_a_known_withdrawal_of_another_treatment_survives_a_publish(
    client: Client,
    catalogue: Treatment,
    clock: Clock,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    y = Treatment.objects.get(slug=Y)
    with django_capture_on_commit_callbacks(execute=True):
        services.treatment_unpublish(treatment_id=y.pk, expected_version=None, actor=None)
    assert client.get(detail(Y)).status_code == 410
    with django_capture_on_commit_callbacks(execute=True):
        _retitle(catalogue, "A retitled treatment")
    with django_assert_num_queries(1):  # the head
        assert client.get(detail(Y)).status_code == 410
    with django_capture_on_commit_callbacks(execute=True):
        services.treatment_publish(treatment_id=y.pk, expected_version=None, actor=None)
    assert client.get(detail(Y)).status_code == 200, "published again: live at once"


def test_a_slug_change_forgets_the_old_slug_and_the_id(
    client: Client, catalogue: Treatment, clock: Clock
) -> None:
    by_id = detail(str(catalogue.pk))
    assert client.get(detail(X)).status_code == 200
    assert client.get(by_id + "jsonld/").status_code == 200
    edit_and_publish(catalogue.pk, lambda c: c.update(slug="a-renamed-treatment"))
    clock.now += 1.1  # seen from the log only
    moved = client.get(detail(X))
    assert moved.status_code == 200
    assert moved["Link"] == '</api/v1/treatments/a-renamed-treatment/>; rel="canonical"'
    assert client.get(by_id + "jsonld/").json()["url"].endswith("/a-renamed-treatment/")


def test_an_entry_kept_under_a_changed_slug_is_dropped_whoever_it_was_tagged_with(
    catalogue: Treatment,
) -> None:
    # Former slugs are reserved for their treatment, but a key a change names is dropped
    # anyway: what a slug leads to may be what changed.
    clock = Clock()
    head = ChangeLogHead(interval=1.0, timer=clock)
    memory = WorkerMemory(maxsize=10, head=head)
    memory.generation()
    z = Treatment.objects.get(slug=Z)
    memory.put(X, _entry(), generation=memory.generation(), tag=z.pk)
    memory.put(Z, _entry(), generation=memory.generation(), tag=z.pk)
    _retitle(catalogue, "Moved")
    clock.now += 1.1
    assert memory.get(X) is None and memory.get(Z) is not None


def test_too_many_changes_at_once_forget_everything(
    client: Client,
    catalogue: Treatment,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
) -> None:
    monkeypatch.setattr(hot, "MAX_TRACKED_CHANGES", 1)
    client.get(detail(Y))
    _retitle(catalogue, "One")
    _retitle(catalogue, "Two")
    clock.now += 1.1
    with django_assert_num_queries(2):  # the head, then Y's document again
        assert client.get(detail(Y)).status_code == 200


def _entry() -> Any:
    import datetime as dt

    return hot_document_for(
        body="{}", etag='"x"', last_modified=dt.datetime.now(dt.UTC), cache_control="public"
    )


def test_a_memory_behind_several_moves_drops_what_any_of_them_changed(
    catalogue: Treatment,
) -> None:
    clock = Clock()
    head = ChangeLogHead(interval=1.0, timer=clock)
    head.generation()
    memory = WorkerMemory(maxsize=10, head=head)
    other = WorkerMemory(maxsize=10, head=head)
    y = Treatment.objects.get(slug=Y)
    for m in (memory, other):
        m.put("x", _entry(), generation=m.generation(), tag=catalogue.pk)
        m.put("y", _entry(), generation=m.generation(), tag=y.pk)
        m.put("page", _entry(), generation=m.generation())
    _retitle(catalogue, "First move")
    clock.now += 1.1
    assert (other.get("x"), other.get("page")) == (None, None)  # `other` follows the head
    assert other.get("y") is not None
    edit_and_publish(y.pk, lambda c: c.update(title="Second move"))
    clock.now += 1.1
    head.generation()  # a second move, while `memory` was not asked
    assert memory.get("y") is None and memory.get("x") is None and memory.get("page") is None
    assert other.get("y") is None


def test_a_head_that_cannot_tell_what_changed_forgets_everything(catalogue: Treatment) -> None:
    from treatments import selectors

    clock = Clock()
    head = ChangeLogHead(interval=1.0, timer=clock, read=selectors.change_log_head_marker)
    memory = WorkerMemory(maxsize=10, head=head)
    y = Treatment.objects.get(slug=Y)
    memory.put("y", _entry(), generation=memory.generation(), tag=y.pk)
    _retitle(catalogue, "Moved")
    clock.now += 1.1
    assert memory.get("y") is None


def test_the_worker_memories_stay_bounded(
    client: Client, catalogue: Treatment, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0
    settings.PUBLIC_MEMORY_MAX_DOCUMENTS = 2
    for slug in (X, Y, Z):
        client.get(detail(slug))
        client.get(detail(slug) + "jsonld/")
    assert len(hot_documents()) == 2 and len(parsed_documents()) <= 2
    assert len(withdrawn_documents()) == 0
