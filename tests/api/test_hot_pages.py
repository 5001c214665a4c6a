"""List pages, searches and categories from memory, valid until the change log moves on."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from api.hot import ChangeLogHead, WorkerMemory, change_log_head, hot_document_for
from tests.api.conftest import Clock
from tests.conftest import edit_and_publish, make_variant
from treatments import selectors, services
from treatments.models import Treatment
from treatments.services import content_load

pytestmark = pytest.mark.django_db
LIST = "/api/v1/treatments/"
SEARCH = "/api/v1/treatments/?q=hip"
CATEGORIES = "/api/v1/categories/"
SLUG = "bone-marrow-stem-cell-injection"


def _titles(response: Any) -> list[str]:
    return [item["title"] for item in response.json()["results"]]


def test_a_repeat_page_is_served_from_memory_with_identical_bytes_and_headers(
    client: Client, seed_published: Any, clock: Clock, django_assert_num_queries: Any
) -> None:
    for path in (LIST, SEARCH, CATEGORIES, LIST + "?page_size=5&ordering=-title"):
        first = client.get(path)
        with django_assert_num_queries(0):
            again = client.get(path)
        assert again.status_code == first.status_code == 200
        assert again.content == first.content, path
        for header in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Allow", "Content-Type"):
            assert again[header] == first[header], (path, header)


def test_the_page_key_ignores_parameter_order_and_percent_encoding(
    client: Client, seed_published: Any, clock: Clock, django_assert_num_queries: Any
) -> None:
    first = client.get(LIST + "?ordering=-title&page_size=5&q=hip%20bone")
    with django_assert_num_queries(0):
        again = client.get(LIST + "?q=hip+bone&page_size=5&ordering=-title")
    assert again.content == first.content


def test_list_pages_have_a_strong_etag_of_their_bytes_and_answer_304(
    client: Client, seed_published: Any, publish_many: Any, clock: Clock
) -> None:
    publish_many(3)
    for path in (LIST, LIST + "?page_size=2", SEARCH, CATEGORIES):
        cold = client.get(path)
        etag = cold["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), "a strong validator"
        assert client.get(path)["ETag"] == etag, "the same bytes, the same tag"
        hot = client.get(path, headers={"If-None-Match": etag})
        assert hot.status_code == 304 and hot.content == b"" and hot["ETag"] == etag
        head = client.head(path)
        assert head.status_code == 200 and head.content == b"" and head["ETag"] == etag


def test_a_304_also_comes_from_a_cold_list(
    client: Client, seed_published: Any, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 0.0
    etag = client.get(LIST)["ETag"]
    assert client.get(LIST, headers={"If-None-Match": etag}).status_code == 304


Change = Callable[[Treatment], None]


def _publish_new(t: Treatment) -> None:
    content = make_variant(
        services.content_validate(_content(t)).model_dump(mode="json"), 7
    ).model_dump(mode="json")
    content["title"] = "Hip newcomer"
    content_load(content=services.content_validate(content), publish=True)


def _content(t: Treatment) -> dict[str, Any]:
    from treatments.documents.build import build_content

    return build_content(services.treatment_get_for_edit(treatment_id=t.pk))


def _unpublish(t: Treatment) -> None:
    t.refresh_from_db()
    services.treatment_unpublish(treatment_id=t.pk, expected_version=t.version, actor=None)


def _delete(t: Treatment) -> None:
    t.refresh_from_db()
    services.treatment_delete(treatment_id=t.pk, expected_version=t.version, actor=None)


def _change_category(t: Treatment) -> None:
    edit_and_publish(
        t.pk, lambda c: c.update(category={"slug": "joint-care", "name": "Joint Care"})
    )


def _change_slug(t: Treatment) -> None:
    edit_and_publish(t.pk, lambda c: c.update(slug="bone-marrow-injection"))


def _retitle(t: Treatment) -> None:
    edit_and_publish(t.pk, lambda c: c.update(title="Bone Marrow Stem Cell Injection (hip)"))


def _view(client: Client) -> dict[str, Any]:
    """What the public sees of every cached collection."""
    listed = client.get(LIST).json()["results"]
    return {
        "list": [(i["title"], i["category"]["slug"], i["links"]["self"]) for i in listed],
        "search": _titles(client.get(SEARCH)),
        "categories": [c["slug"] for c in client.get(CATEGORIES).json()["results"]],
        "by_category": _titles(client.get(LIST + "?category=pain-treatments")),
    }


CHANGES: dict[str, Change] = {
    "publish": _publish_new,
    "republish": _retitle,
    "unpublish": _unpublish,
    "delete": _delete,
    "category change": _change_category,
    "slug change": _change_slug,
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_published_in_this_process_shows_in_every_page_at_once(
    client: Client,
    seed_published: Any,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
    name: str,
) -> None:
    before = _view(client)
    assert _view(client) == before  # now from memory
    with django_capture_on_commit_callbacks(execute=True):  # committed in this process
        CHANGES[name](seed_published)
    after = _view(client)
    assert after != before
    clock.now += 3600  # nothing else changed: the memory answers as the database does
    assert _view(client) == after


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_published_by_another_worker_shows_within_the_staleness_bound(
    client: Client, seed_published: Any, clock: Clock, name: str
) -> None:
    before = _view(client)
    # No commit callbacks run: this process learns of the change only from the change log.
    CHANGES[name](seed_published)
    clock.now += 0.5
    assert _view(client) == before, "within PUBLIC_MEMORY_TTL the memory may be stale"
    clock.now += 0.6  # the head is re-read at most 1 s after it was last read
    fresh = _view(client)
    assert fresh != before
    change_log_head().forget()
    assert fresh == _view(client), "what the database says now"


def test_two_workers_each_see_a_change_within_their_own_interval(seed_published: Any) -> None:
    clock = Clock()
    heads = [
        ChangeLogHead(interval=1.0, timer=clock, read=selectors.change_log_head_marker)
        for _ in range(2)
    ]
    workers = [WorkerMemory(maxsize=10, head=head) for head in heads]
    import datetime as dt

    entry = hot_document_for(
        body="{}", etag='"x"', last_modified=dt.datetime.now(dt.UTC), cache_control="public"
    )
    workers[0].put("page", entry, generation=workers[0].generation())
    clock.now += 0.7
    workers[1].put("page", entry, generation=workers[1].generation())  # read later
    _retitle(seed_published)  # published by a third process: no signal reaches these two
    clock.now += 0.4  # 1.1 s after worker 0 read the head, 0.4 s after worker 1
    assert workers[0].get("page") is None
    assert workers[1].get("page") is entry, "stale for at most one interval"
    clock.now += 0.7
    assert workers[1].get("page") is None


def test_an_entry_built_before_the_head_moved_is_not_kept(seed_published: Any) -> None:
    clock = Clock()
    head = ChangeLogHead(interval=1.0, timer=clock, read=selectors.change_log_head_marker)
    memory = WorkerMemory(maxsize=10, head=head)
    import datetime as dt

    entry = hot_document_for(
        body="{}", etag='"x"', last_modified=dt.datetime.now(dt.UTC), cache_control="public"
    )
    before = memory.generation()  # a slow request read the head, then its data...
    _retitle(seed_published)
    clock.now += 2
    assert memory.generation() != before  # ...meanwhile another request saw the change
    memory.put("page", entry, generation=before)
    assert memory.get("page") is None


def test_drafts_never_reach_a_page_or_a_search(
    client: Client, seed_published: Any, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    t = seed_published
    with django_capture_on_commit_callbacks(execute=True):
        services.treatment_replace(
            treatment_id=t.pk,
            content=services.content_validate(
                {**_content(t), "title": "Draft title", "summary": "Zanzibarine draft words."}
            ),
            expected_version=t.version,
            actor=None,
        )
    clock.now += 3600
    assert "Draft title" not in str(_view(client))
    assert client.get(LIST + "?q=zanzibarine").json()["results"] == []
    assert _titles(client.get(LIST)) == ["Bone Marrow Stem Cell Injection"]


def test_bad_queries_are_never_answered_from_memory(
    client: Client, seed_published: Any, clock: Clock
) -> None:
    assert client.get(LIST).status_code == 200
    for path in (
        LIST + "?page_size=0",
        LIST + "?page_size=1&page_size=1",
        LIST + "?cursor=nonsense",
        LIST + "?q=" + "x" * 201,
        LIST + "?q=a%01b",
        LIST + "?colour=red",
    ):
        assert client.get(path).status_code == 400, path
        assert client.get(path).status_code == 400, path
    assert client.get(LIST, headers={"Accept": "text/html"}).status_code == 406
    assert client.post(LIST).status_code == 405


def test_a_search_alone_keeps_the_search_filters_errors(
    client: Client, seed_published: Any
) -> None:
    body = client.get(LIST + "?q=" + "x" * 201).json()
    assert [e["field"] for e in body["errors"]] == ["q"]
    assert "200" in body["errors"][0]["message"]


def test_review_status_pages_depend_on_the_date_and_are_never_kept(
    client: Client, seed_published: Any, clock: Clock, django_assert_num_queries: Any
) -> None:
    client.get(LIST + "?review_status=current")
    with django_assert_num_queries(1):
        assert client.get(LIST + "?review_status=current").status_code == 200


@pytest.mark.parametrize(
    ("path", "view", "kwargs"),
    [
        ("/api/v1/treatments/", "TreatmentListView", {}),
        ("/api/v1/categories/", "CategoryListView", {}),
        (f"/api/v1/treatments/{SLUG}/", "TreatmentDetailView", {"key": SLUG}),
        ("/api/v1/treatments/café/", "TreatmentDetailView", {"key": "café"}),
        (f"/api/v1/treatments/{SLUG}/revisions/", None, None),
        (f"/api/v1/treatments/{SLUG}", None, None),
        ("/api/v1/treatments//", None, None),
        ("/api/v1/treatments", None, None),
        ("/api/v1/sync/", "SyncView", {}),
        ("/api/v1/sync", None, None),
        ("/api/v1/bundle/", None, None),
        ("/api/v1/", None, None),
    ],
)
def test_the_middleware_routes_only_what_the_url_map_routes_to_the_same_view(
    path: str, view: str | None, kwargs: dict[str, Any] | None
) -> None:
    from django.urls import Resolver404, resolve

    from api.v1.hot_reads import hot_route

    route = hot_route(path)
    if view is None:
        assert route is None
        return
    assert route is not None and (route[0].__name__, route[1]) == (view, kwargs)
    try:
        match = resolve(path)
    except Resolver404:  # pragma: no cover - the URL map must route every hot path
        pytest.fail(f"{path} does not resolve")
    assert getattr(match.func, "view_class", None) is route[0] and match.kwargs == kwargs


def test_pages_are_kept_per_host_because_their_links_are_absolute(
    client: Client, seed_published: Any, publish_many: Any, clock: Clock, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "api.example.org"]
    publish_many(2)
    here = client.get(LIST + "?page_size=1").json()["next"]
    there = client.get(LIST + "?page_size=1", headers={"Host": "api.example.org"}).json()["next"]
    assert here.startswith("http://testserver/") and there.startswith("http://api.example.org/")
    forged = client.get(LIST + "?page_size=1", headers={"X-Forwarded-Host": "evil.example"})
    assert forged.json()["next"] == here, "an untrusted proxy header changes nothing"


@pytest.mark.django_db(transaction=True)  # outside a transaction, as requests run
def test_an_unreachable_database_keeps_the_last_head_and_what_the_worker_holds() -> None:
    import datetime as dt

    from django.db import OperationalError

    clock, heads = Clock(), iter([(5, None)])

    def read() -> tuple[int, None]:
        try:
            return next(heads)
        except StopIteration:
            raise OperationalError("connection refused") from None

    memory = WorkerMemory(maxsize=10, head=ChangeLogHead(interval=1.0, timer=clock, read=read))
    entry = hot_document_for(
        body="{}", etag='"x"', last_modified=dt.datetime.now(dt.UTC), cache_control="public"
    )
    memory.put("page", entry, generation=memory.generation())
    clock.now += 5  # the head is due to be re-read, and the database is down
    assert memory.get("page") is entry, "served from memory while the outage lasts"
    assert memory.generation() == (5, None)
