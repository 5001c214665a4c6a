"""Over real HTTP, a plain miss answered before URL resolution is what the full view answers.

`api.v1.hot_reads.HotReadMiddleware` answers a plain GET of a live document, of a plain
catalogue page or of a plain search that the worker's memory misses, before URL resolution and
DRF (the views' own `answer_plain_miss`). Each request below is sent twice to a live server from
an empty memory: once as it is served, once with the early answers turned off (the full view
answers), and the status, every header (but the date and the request id) and the bytes must be
the same. The requests the early path must leave alone (a query it does not know, HEAD, JSON-LD,
a refused key, a draft, a former key) must reach DRF and answer as it answers them.
"""

import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from api.live.memories import hot_documents, hot_pages, parsed_documents, withdrawn_documents
from api.partner_keys import forget_all_keys
from api.ratelimit import reset_store
from api.v1.base import PublicView
from api.v1.views import TreatmentDetailView, TreatmentListView
from treatments.documents.schema import TreatmentContent
from treatments.models import Treatment
from treatments.services import content_load

pytestmark = pytest.mark.django_db(transaction=True)

SEED = "bone-marrow-stem-cell-injection"
# Differ between any two requests, whichever path answers.
PER_REQUEST_HEADERS = {"date", "x-request-id"}


@pytest.fixture(autouse=True)
def _memory_on(settings: Any) -> Iterator[None]:
    settings.PUBLIC_MEMORY_TTL = 60.0
    _forget()
    yield
    _forget()


def _forget() -> None:
    """Empty the worker's memories and the rate-limit state: the next request is a first."""
    for memory in (hot_documents(), hot_pages(), parsed_documents(), withdrawn_documents()):
        memory.clear()
    forget_all_keys()
    reset_store()
    cache.clear()


@pytest.fixture
def site(live_server: Any, seed_published: Treatment, publish_many: Any) -> str:
    publish_many(3)
    return str(live_server.url)


def _fetch(base: str, method: str, path: str, headers: dict[str, str]) -> tuple[Any, ...]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=20)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        kept = sorted(
            (name.lower(), value)
            for name, value in response.getheaders()
            if name.lower() not in PER_REQUEST_HEADERS
        )
        return response.status, kept, body
    finally:
        connection.close()


def _both(
    base: str, monkeypatch: pytest.MonkeyPatch, method: str, path: str, headers: dict[str, str]
) -> tuple[tuple[Any, ...], tuple[Any, ...], bool]:
    """(the full view's answer, the answer as served, whether DRF was skipped for it)."""
    with monkeypatch.context() as patched:
        for view in (TreatmentDetailView, TreatmentListView):
            patched.setattr(view, "answer_plain_miss", lambda *a: None)
        _forget()
        full = _fetch(base, method, path, headers)
    reached_drf = []
    original = PublicView.initial

    def counted(view: Any, request: Any, *args: Any, **kwargs: Any) -> None:
        reached_drf.append(True)
        original(view, request, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(PublicView, "initial", counted)
        _forget()
        served = _fetch(base, method, path, headers)
    return full, served, not reached_drf


def _pages(base: str) -> list[str]:
    """A first page, its next page and a page back, at a small page size, both orderings."""
    import json

    paths = []
    for query in ("page_size=2", "page_size=2&ordering=-published_at"):
        first = f"/api/v1/treatments/?{query}"
        status, _, body = _fetch(base, "GET", first, {})
        assert status == 200
        following = json.loads(body)["next"]
        assert following
        second = following[following.index("/api/") :]
        _forget()
        _, _, body = _fetch(base, "GET", second, {})
        back = json.loads(body)["previous"]
        paths += [first, second, back[back.index("/api/") :]]
    return paths


def test_plain_misses_answered_early_are_byte_for_byte_the_full_views(
    site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = [
        ("GET", f"/api/v1/treatments/{SEED}/", {}),
        ("GET", f"/api/v1/treatments/{SEED}-variant-0/", {}),
        ("GET", f"/api/v1/treatments/{SEED}-variant-2/", {"Accept": "application/json"}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept-Language": "de, en;q=0.5"}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept-Encoding": "gzip"}),
        ("GET", "/api/v1/treatments/", {}),
        ("GET", "/api/v1/treatments/", {"Accept": "*/*"}),
        ("GET", "/api/v1/treatments/?q=marrow", {}),
        ("GET", "/api/v1/treatments/?q=marrow&page_size=2&ordering=-title", {}),
        *(("GET", path, {}) for path in _pages(site)),
    ]
    for method, path, headers in requests:
        full, served, early = _both(site, monkeypatch, method, path, headers)
        what = f"{method} {path} {headers}"
        assert full[0] == 200, what
        assert early, f"{what} should be answered before DRF"
        assert served == full, what


def test_conditional_requests_answer_as_the_full_view(
    site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/api/v1/treatments/{SEED}/"
    _, headers, _ = _fetch(site, "GET", path, {})
    etag = dict(headers)["etag"]
    last_modified = dict(headers)["last-modified"]
    for conditional in (
        {"If-None-Match": etag},
        {"If-None-Match": '"stale"'},
        {"If-Modified-Since": last_modified},
    ):
        full, served, _ = _both(site, monkeypatch, "GET", path, conditional)
        assert served == full, conditional
    assert _both(site, monkeypatch, "GET", path, {"If-None-Match": etag})[0][0] == 304


def test_requests_the_early_path_leaves_alone_reach_drf_and_answer_as_before(
    site: str,
    monkeypatch: pytest.MonkeyPatch,
    seed_published: Treatment,
    seed_data: dict[str, Any],
    raw_key: str,
) -> None:
    draft_content = {**seed_data, "slug": "a-draft-only", "title": "A draft only"}
    content_load(content=TreatmentContent.model_validate(draft_content))
    draft = Treatment.objects.get(slug="a-draft-only")
    detail = f"/api/v1/treatments/{SEED}/"
    requests = [
        ("HEAD", detail, {}, 200),
        ("GET", f"{detail}?lang=en", {}, 200),
        ("GET", f"{detail}?unknown=1", {}, 400),
        ("GET", detail, {"Accept": "application/ld+json"}, 200),
        ("GET", detail, {"Accept": "text/html"}, 406),
        ("GET", detail, {"X-API-Key": raw_key, "Origin": "https://clinic.example"}, 403),
        ("GET", f"/api/v1/treatments/{draft.slug}/", {}, 404),
        ("GET", f"/api/v1/treatments/{seed_published.pk}/", {}, 200),
        ("GET", "/api/v1/treatments/no-such-treatment/", {}, 404),
        ("GET", "/api/v1/treatments/?page_size=abc", {}, 400),
        ("GET", "/api/v1/treatments/?cursor=forged", {}, 400),
        ("GET", "/api/v1/treatments/?q=marrow&language=en", {}, 200),
        ("GET", "/api/v1/treatments/?q=%20", {}, 400),
        ("GET", "/api/v1/treatments/?page_size=2&page_size=3", {}, 400),
        ("HEAD", "/api/v1/treatments/", {}, 200),
    ]
    for method, path, headers, status in requests:
        full, served, early = _both(site, monkeypatch, method, path, headers)
        what = f"{method} {path} {headers}"
        assert full[0] == status, what
        assert not early, f"{what} should reach DRF"
        assert served == full, what
