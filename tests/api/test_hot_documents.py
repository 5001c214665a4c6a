"""The hot read path: repeat reads come from memory, and never outlive a change for long.

Pages and searches, and changes seen across workers: tests/api/test_hot_pages.py.
"""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from api.hot import ChangeLogHead, HotDocuments, hot_document_for
from tests.conftest import edit_and_publish
from treatments import services
from treatments.models import Treatment

pytestmark = pytest.mark.django_db
URL = "/api/v1/treatments/bone-marrow-stem-cell-injection/"


@pytest.fixture
def memory_on(settings: Any) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0


def test_a_repeat_read_is_served_from_memory_with_identical_bytes_and_headers(
    client: Client, seed_published: Any, memory_on: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # the change-log head, the document
        first = client.get(URL)
    with django_assert_num_queries(0):
        again = client.get(URL)
    assert again.content == first.content
    for header in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Allow", "Content-Type"):
        assert again[header] == first[header], header
    with django_assert_num_queries(0):
        assert client.get(URL, headers={"If-None-Match": first["ETag"]}).status_code == 304
    head = client.head(URL)
    assert head.status_code == 200 and head.content == b"" and head["ETag"] == first["ETag"]


def test_publishing_in_this_process_replaces_the_memory_copy_at_once(
    client: Client, seed_published: Any, memory_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    assert client.get(URL).json()["revision"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        edit_and_publish(Treatment.objects.get().pk, lambda c: c.update(summary="A newer summary."))
    fresh = client.get(URL).json()
    assert (fresh["revision"], fresh["summary"]) == (2, "A newer summary.")


def test_unpublishing_in_this_process_removes_the_memory_copy_at_once(
    client: Client, seed_published: Any, memory_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    assert client.get(URL).status_code == 200
    t = Treatment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.treatment_unpublish(treatment_id=t.pk, expected_version=t.version, actor=None)
    assert client.get(URL).status_code == 410


def test_memory_copies_last_until_the_change_log_moves_however_long_that_takes(
    seed_published: Any,
) -> None:
    now = [0.0]
    head = ChangeLogHead(interval=1.0, timer=lambda: now[0])
    documents = HotDocuments(maxsize=10, head=head)
    entry = hot_document_for(
        body="{}",
        etag='"x"',
        last_modified=dt.datetime.now(dt.UTC),
        cache_control="public",
        language="en",
    )
    documents.put("slug", entry, generation=documents.generation())
    now[0] = 3600.0  # an hour without a change: still there (a 2 s TTL dropped it)
    assert documents.get("slug") is entry
    edit_and_publish(seed_published.pk, lambda c: c.update(summary="Changed elsewhere."))
    now[0] = 3600.5  # the head was read at 3600: not re-read yet
    assert documents.get("slug") is entry
    now[0] = 3601.0
    assert documents.get("slug") is None


def test_the_memory_path_keeps_strict_parameters_negotiation_and_methods(
    client: Client, seed_published: Any, memory_on: None
) -> None:
    client.get(URL)
    assert client.get(URL + "?fields=title").status_code == 400
    assert client.get(URL, headers={"Accept": "text/html"}).status_code == 406
    assert client.post(URL).status_code == 405


def test_the_memory_path_is_still_rate_limited(
    client: Client, seed_published: Any, memory_on: None, settings: Any
) -> None:
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "3/minute"},
    }
    statuses = [client.get(URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    cache.clear()
