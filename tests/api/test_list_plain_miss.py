"""A plain list page the worker's memory misses is answered before DRF exactly as DRF answers it.

`TreatmentListView.answer_plain_miss` serves a plain catalogue page or search (`cursor`,
`page_size`, `ordering`, `q` only) without DRF's request machinery, and plain pages and searches
are read with queries compiled once per connection (`api.v1.catalogue.catalogue_page` and
`catalogue_search_page`). Each request below is asked from an
empty memory three ways: as before both (DRF answers, the ORM builds the page query as DRF
does), by DRF with the compiled query, and by the plain-miss path; the answers must match byte
for byte, header for header. The cursors are the ones the API hands out, walking every page
forward and back in every ordering, over treatments some of which share a title (offset cursors).
"""

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from api.live.memories import hot_documents, hot_pages, parsed_documents, withdrawn_documents
from api.pagination import page_from_queryset, search_page
from api.partner_keys import forget_all_keys
from api.ratelimit import reset_store
from api.v1 import views
from api.v1.catalogue import catalogue
from api.v1.views import TreatmentListView
from editorial.translations.services import translation_create
from tests.editorial.translations.support import synthetic
from treatments.documents.schema import TreatmentContent
from treatments.models import Treatment
from treatments.services import (
    content_load,
    content_validate,
    treatment_publish,
    treatment_unpublish,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/treatments/"
ORDERINGS = ["title", "-title", "published_at", "-published_at"]
TWIN_TITLE = "Bone Marrow Stem Cell Injection twin"  # shared by three treatments


@pytest.fixture(autouse=True)
def _memory_on(settings: Any) -> Iterator[None]:
    settings.PUBLIC_MEMORY_TTL = 60.0
    forget_all_keys()
    cache.clear()
    yield
    forget_all_keys()
    cache.clear()


@pytest.fixture
def catalogue_data(seed_published: Treatment, seed_data: dict[str, Any], publish_many: Any) -> Any:
    """The seed, five variants, three treatments with one title, a Spanish translation of the
    seed (not listed without `?language=`), one withdrawn variant."""
    publish_many(5)
    for index in range(3):
        twin = copy.deepcopy(seed_data)
        twin.update(slug=f"{seed_data['slug']}-twin-{index}", title=TWIN_TITLE)
        content_load(content=TreatmentContent.model_validate(twin), publish=True)
    spanish = translation_create(
        source_id=seed_published.pk,
        language="es",
        content=content_validate(synthetic(seed_data, "es")),
        actor=None,
    ).treatment
    treatment_publish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)
    withdrawn = Treatment.objects.get(slug=f"{seed_published.slug}-variant-3")
    treatment_unpublish(treatment_id=withdrawn.pk, expected_version=None, actor=None)


def _forget() -> None:
    """Empty the worker's memories and the rate-limit state: the next request is a first."""
    for memory in (hot_documents(), hot_pages(), parsed_documents(), withdrawn_documents()):
        memory.clear()
    forget_all_keys()
    reset_store()
    cache.clear()


def _orm_page(page: Any) -> list[Any]:
    return page_from_queryset(catalogue(every_language=False), page)


def _orm_search_page(searched: Any, page: Any) -> list[Any]:
    return search_page(searched, page)  # every band read built by the ORM


def _as_before(patched: pytest.MonkeyPatch) -> None:
    """The ORM builds every page query and band read, as before issue 22."""
    patched.setattr(views, "catalogue_page", _orm_page)
    patched.setattr(views, "catalogue_search_page", _orm_search_page)


def _three(
    client: Client, monkeypatch: pytest.MonkeyPatch, method: str, path: str, headers: dict
) -> tuple[Any, Any, Any, int]:
    """(as before: DRF and the ORM; DRF and the compiled query; the plain-miss path), and how
    many of them the plain-miss path answered."""
    answered = []
    original = TreatmentListView.answer_plain_miss

    def counted(view: TreatmentListView, request: Any, kwargs: Any) -> Any:
        response = original(view, request, kwargs)
        answered.append(response is not None)
        return response

    call = client.head if method == "HEAD" else client.get
    answers = []
    for plain, compiled in ((False, False), (False, True), (True, True)):
        with monkeypatch.context() as patched:
            patched.setattr(
                TreatmentListView, "answer_plain_miss", counted if plain else lambda *a: None
            )
            if not compiled:
                _as_before(patched)
            _forget()
            answers.append(call(path, headers=headers))
    return answers[0], answers[1], answers[2], sum(answered)


# Differ between any two requests, whichever path answers.
PER_REQUEST_HEADERS = {"X-Request-ID"}


def _headers(response: HttpResponse) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.items() if k not in PER_REQUEST_HEADERS)


def _assert_same(before: HttpResponse, other: HttpResponse, what: str) -> None:
    assert other.status_code == before.status_code, what
    assert other.content == before.content, what
    assert _headers(other) == _headers(before), what


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _every_cursor_page(
    client: Client, monkeypatch: pytest.MonkeyPatch, ordering: str, page_size: int, query: str = ""
) -> list[str]:
    """Every page's path, following `next` from the first and `previous` from each, as the
    API answered before issue 22 (DRF, the ORM's page query)."""
    paths: list[str] = []
    url: str | None = f"{LIST}?ordering={ordering}&page_size={page_size}{query}"
    with monkeypatch.context() as patched:
        patched.setattr(TreatmentListView, "answer_plain_miss", lambda *a: None)
        _as_before(patched)
        while url:
            assert len(paths) < 60, f"following `next` does not end: {paths[-4:]}"
            paths.append(url)
            _forget()
            body = client.get(url).json()
            if body["previous"]:
                paths.append(_path(body["previous"]))
            url = _path(body["next"]) if body["next"] else None
    return paths


def test_plain_pages_answer_what_drf_answers_byte_for_byte(
    client: Client, catalogue_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [LIST, f"{LIST}?page_size=100", f"{LIST}?page_size=3&ordering=-published_at"]
    paths += [f"{LIST}?q=marrow", f"{LIST}?q=marrow+twin", f"{LIST}?q=%22stem+cell%22+-twin"]
    paths += [f"{LIST}?q=nothing-matches-this", f"{LIST}?page_size=1&q=marrow+or+twin"]
    for ordering in ORDERINGS:
        paths += _every_cursor_page(client, monkeypatch, ordering, page_size=2)
        paths += _every_cursor_page(client, monkeypatch, ordering, 2, query="&q=marrow")
    assert any("cursor=" in p and "q=" in p for p in paths) and len(paths) > 40
    for path in paths:
        before, compiled, plain, answered = _three(client, monkeypatch, "GET", path, {})
        assert answered == 1, f"the plain-miss path should answer {path}"
        assert before.status_code == 200, (path, before.content)
        _assert_same(before, compiled, f"compiled query: {path}")
        _assert_same(before, plain, f"plain-miss path: {path}")
    # Offsets were walked: three treatments share a title, so a page boundary among them
    # needs an offset cursor.
    titles = [item["title"] for item in client.get(f"{LIST}?page_size=100").json()["results"]]
    assert titles.count(TWIN_TITLE) == 3


def test_conditional_and_negotiated_plain_pages_answer_what_drf_answers(
    client: Client, catalogue_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"{LIST}?page_size=2&ordering=-title"
    first = client.get(path)
    cases = [
        {"If-None-Match": first["ETag"]},
        {"If-None-Match": '"stale", ' + first["ETag"]},
        {"If-None-Match": '"stale"'},
        {"If-Modified-Since": first["Last-Modified"]},
        {"Accept": "application/json"},
        {"Accept": "*/*"},
        {"Accept-Language": "es"},
    ]
    for headers in cases:
        before, compiled, plain, answered = _three(client, monkeypatch, "GET", path, headers)
        what = f"{path} {headers}"
        assert answered == 1, f"the plain-miss path should answer {what}"
        assert before.status_code in (200, 304), what
        _assert_same(before, compiled, f"compiled query: {what}")
        _assert_same(before, plain, f"plain-miss path: {what}")


def test_everything_else_is_left_to_drf_and_answers_as_before(
    client: Client, catalogue_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = "cD1Cb25l"  # base64 of "p=Bone", never signed by the API
    others = [
        ("GET", f"{LIST}?q=marrow&category=pain-treatments", {}, 200),
        ("GET", f"{LIST}?q=marrow&language=en", {}, 200),
        ("GET", f"{LIST}?q=%20%20", {}, 400),
        ("GET", f"{LIST}?q={'marrow+' * 40}", {}, 400),
        ("GET", f"{LIST}?q=marrow&q=twin", {}, 400),
        ("GET", f"{LIST}?category=pain-treatments", {}, 200),
        ("GET", f"{LIST}?language=es", {}, 200),
        ("GET", f"{LIST}?language=en&page_size=2", {}, 200),
        ("GET", f"{LIST}?review_status=current", {}, 200),
        ("GET", f"{LIST}?page_size=0", {}, 400),
        ("GET", f"{LIST}?page_size=abc", {}, 400),
        ("GET", f"{LIST}?page_size=", {}, 400),
        ("GET", f"{LIST}?page_size=%20", {}, 400),
        ("GET", f"{LIST}?page_size=2&page_size=3", {}, 400),
        ("GET", f"{LIST}?ordering=colour", {}, 400),
        ("GET", f"{LIST}?cursor={forged}", {}, 400),
        ("GET", f"{LIST}?cursor=%FF", {}, 400),
        ("GET", f"{LIST}?colour=red", {}, 400),
        ("GET", LIST, {"Accept": "text/html"}, 406),
        ("HEAD", f"{LIST}?page_size=2", {}, 200),
    ]
    for method, path, headers, status in others:
        before, compiled, plain, answered = _three(client, monkeypatch, method, path, headers)
        what = f"{method} {path} {headers}"
        assert answered == 0, f"DRF should answer {what}"
        assert before.status_code == status, (what, before.content)
        _assert_same(before, compiled, f"compiled query: {what}")
        _assert_same(before, plain, f"plain-miss path: {what}")


def test_a_forged_date_position_is_a_400_on_every_path(
    client: Client, catalogue_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cursor signed by the API but for a position no date can hold: only the SECRET_KEY
    # could mint it, so the test signs it the way the API does.
    from base64 import b64encode

    from api.pagination import cursor_seal

    ordering = ("published_at", "treatment_id")
    for position in (
        "not-a-date",
        "2026-13-45 25:61:00",
        "2026-01-01 00:00:00+25:00",  # an offset no time zone has (24 hours or more)
        "9999-12-31 23:59:59-23:00",  # after the last representable instant in UTC
    ):
        raw = b64encode(urlencode({"p": position}).encode()).decode()
        cursor = cursor_seal(raw, ordering).replace("+", "%2B").replace("=", "%3D")
        path = f"{LIST}?ordering=published_at&cursor={cursor}"
        before, compiled, plain, _ = _three(client, monkeypatch, "GET", path, {})
        assert before.status_code == 400, (position, before.content)
        _assert_same(before, compiled, f"compiled query: {position}")
        _assert_same(before, plain, f"plain-miss path: {position}")
        # A search orders by its own copy of the date on PostgreSQL (signed as such): a 400 too.
        for field in ("published_at", "search_published_at"):
            for sign in ("", "-"):
                signed = cursor_seal(raw, (f"{sign}{field}", f"{sign}treatment_id"))
                signed = signed.replace("+", "%2B").replace("=", "%3D")
                searched = client.get(f"{LIST}?q=bone&ordering={sign}published_at&cursor={signed}")
                assert searched.status_code == 400, (position, field, sign, searched.content)
                assert searched["Content-Type"] == "application/problem+json"


def test_keyed_plain_pages_answer_what_drf_answers(
    client: Client, catalogue_data: Any, monkeypatch: pytest.MonkeyPatch, raw_key: str
) -> None:
    path = f"{LIST}?page_size=2"
    before, compiled, plain, answered = _three(
        client, monkeypatch, "GET", path, {"X-API-Key": raw_key}
    )
    assert answered == 1 and before.status_code == 200
    _assert_same(before, compiled, "keyed, compiled")
    _assert_same(before, plain, "keyed, plain")
    # A server key from a browser origin is refused by DRF as documented (403).
    headers = {"X-API-Key": raw_key, "Origin": "https://clinic.example"}
    before, compiled, plain, answered = _three(client, monkeypatch, "GET", path, headers)
    assert answered == 0 and before.status_code == 403
    _assert_same(before, plain, "a server key in a browser")
    before, compiled, plain, answered = _three(
        client, monkeypatch, "GET", path, {"X-API-Key": "tk_wrong"}
    )
    assert answered == 0 and before.status_code in (400, 401, 403)
    _assert_same(before, plain, "an invalid key")


def test_a_rate_limited_plain_page_is_a_429_charged_once(
    client: Client, catalogue_data: Any, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "3/minute"},
    }
    cache.clear()
    statuses = []
    for size in range(1, 5):
        hot_pages().clear()  # every request misses the memory
        statuses.append(client.get(f"{LIST}?page_size={size}").status_code)
    assert statuses == [200, 200, 200, 429]


def test_with_the_memory_off_a_plain_page_is_one_query(
    client: Client, catalogue_data: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 0.0
    first = client.get(f"{LIST}?page_size=2").json()
    for path in (f"{LIST}?page_size=2", _path(first["next"])):
        with django_assert_num_queries(1):
            assert client.get(path).status_code == 200
