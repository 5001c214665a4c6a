"""A document read the worker's memory misses is answered before DRF exactly as DRF answers it.

`TreatmentDetailView.answer_plain_miss` serves a plain read of a live slug without DRF's request
machinery. Each request below is asked twice from an empty memory, once with that path and once
without it (DRF answers), and the two answers must match byte for byte, header for header.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from api.live.memories import hot_documents, hot_pages, parsed_documents, withdrawn_documents
from api.partner_keys import forget_all_keys
from api.ratelimit import reset_store
from api.v1.views import TreatmentDetailView
from editorial.translations.services import translation_create
from tests.editorial.translations.support import synthetic
from treatments.models import Treatment
from treatments.services import content_validate, treatment_publish, treatment_unpublish

pytestmark = pytest.mark.django_db

SEED = "bone-marrow-stem-cell-injection"


@pytest.fixture(autouse=True)
def _memory_on(settings: Any) -> Iterator[None]:
    settings.PUBLIC_MEMORY_TTL = 60.0
    forget_all_keys()
    cache.clear()
    yield
    forget_all_keys()
    cache.clear()


@pytest.fixture
def catalogue(seed_published: Treatment, seed_data: dict[str, Any], publish_many: Any) -> Any:
    """The seed, three variants, a Spanish translation of the seed, one withdrawn variant."""
    publish_many(4)
    spanish = translation_create(
        source_id=seed_published.pk,
        language="es",
        content=content_validate(synthetic(seed_data, "es")),
        actor=None,
    ).treatment
    treatment_publish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)
    withdrawn = Treatment.objects.get(slug=f"{SEED}-variant-3")
    treatment_unpublish(treatment_id=withdrawn.pk, expected_version=None, actor=None)
    return {"seed": seed_published, "spanish": Treatment.objects.get(pk=spanish.pk)}


def _forget() -> None:
    """Empty the worker's memories and the rate-limit state: the next request is a first."""
    for memory in (hot_documents(), hot_pages(), parsed_documents(), withdrawn_documents()):
        memory.clear()
    forget_all_keys()
    reset_store()
    cache.clear()


def _both(
    client: Client, monkeypatch: pytest.MonkeyPatch, method: str, path: str, headers: dict
) -> tuple[Any, Any, int]:
    """(DRF's answer, the plain-miss path's answer, how many the plain-miss path answered)."""
    answered = []
    original = TreatmentDetailView.answer_plain_miss

    def counted(view: TreatmentDetailView, request: Any, kwargs: Any) -> Any:
        response = original(view, request, kwargs)
        answered.append(response is not None)
        return response

    call = client.head if method == "HEAD" else client.get
    with monkeypatch.context() as patched:
        patched.setattr(TreatmentDetailView, "answer_plain_miss", lambda *a: None)
        _forget()
        by_drf = call(path, headers=headers)
    with monkeypatch.context() as patched:
        patched.setattr(TreatmentDetailView, "answer_plain_miss", counted)
        _forget()
        by_miss = call(path, headers=headers)
    return by_drf, by_miss, sum(answered)


# Differ between any two requests, whichever path answers.
PER_REQUEST_HEADERS = {"X-Request-ID"}


def _headers(response: HttpResponse) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.items() if k not in PER_REQUEST_HEADERS)


def _assert_same(by_drf: HttpResponse, by_miss: HttpResponse, what: str) -> None:
    assert by_miss.status_code == by_drf.status_code, what
    assert by_miss.content == by_drf.content, what
    assert _headers(by_miss) == _headers(by_drf), what


def test_plain_misses_answer_what_drf_answers_byte_for_byte(
    client: Client, catalogue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_etag = client.get(f"/api/v1/treatments/{SEED}/")["ETag"]
    last_modified = client.get(f"/api/v1/treatments/{SEED}/")["Last-Modified"]
    spanish_slug = catalogue["spanish"].slug
    plain = [
        ("GET", f"/api/v1/treatments/{SEED}/", {}),
        ("GET", f"/api/v1/treatments/{SEED}-variant-0/", {}),
        ("GET", f"/api/v1/treatments/{SEED}-variant-2/", {}),
        ("GET", f"/api/v1/treatments/{spanish_slug}/", {}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept": "application/json"}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"If-None-Match": seed_etag}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"If-None-Match": '"stale", ' + seed_etag}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"If-None-Match": '"stale"'}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"If-Modified-Since": last_modified}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept-Language": "es"}),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept-Language": "fr, de;q=0.5"}),
        ("GET", f"/api/v1/treatments/{SEED}-variant-0/", {"Accept-Language": "en"}),
    ]
    for method, path, headers in plain:
        by_drf, by_miss, answered = _both(client, monkeypatch, method, path, headers)
        what = f"{method} {path} {headers}"
        assert answered == 1, f"the plain-miss path should answer {what}"
        assert by_drf.status_code in (200, 304), what
        _assert_same(by_drf, by_miss, what)


def test_everything_else_is_left_to_drf_and_answers_as_before(
    client: Client, catalogue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_id = catalogue["seed"].pk
    others = [
        ("GET", f"/api/v1/treatments/{SEED}-variant-3/", {}, 410),  # withdrawn
        ("GET", "/api/v1/treatments/no-such-treatment/", {}, 404),
        ("GET", f"/api/v1/treatments/{seed_id}/", {}, 200),  # by id: a canonical link
        ("GET", f"/api/v1/treatments/{SEED}/?lang=es", {}, 200),
        ("GET", f"/api/v1/treatments/{SEED}/?fields=title", {}, 400),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept": "application/fhir+json"}, 200),
        ("GET", f"/api/v1/treatments/{SEED}/", {"Accept": "text/html"}, 406),
        # HEAD: DRF's answer carries the GET's Content-Length, a memory answer 0.
        ("HEAD", f"/api/v1/treatments/{SEED}-variant-1/", {}, 200),
    ]
    for method, path, headers, status in others:
        by_drf, by_miss, answered = _both(client, monkeypatch, method, path, headers)
        what = f"{method} {path} {headers}"
        assert answered == 0, f"DRF should answer {what}"
        assert by_drf.status_code == status, (what, by_drf.content)
        _assert_same(by_drf, by_miss, what)


def test_a_withdrawn_treatment_known_to_the_worker_is_left_to_drf(
    client: Client, catalogue: Any, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    path = f"/api/v1/treatments/{SEED}-variant-3/"
    first = client.get(path)
    with django_assert_num_queries(0):  # a known withdrawn key costs no query, on either path
        again = client.get(path)
    assert first.status_code == again.status_code == 410
    assert first["Content-Type"] == again["Content-Type"] == "application/problem+json"
    assert again.content == first.content


def test_keyed_misses_answer_what_drf_answers(
    client: Client, catalogue: Any, monkeypatch: pytest.MonkeyPatch, raw_key: str
) -> None:
    path = f"/api/v1/treatments/{SEED}-variant-2/"
    by_drf, by_miss, answered = _both(client, monkeypatch, "GET", path, {"X-API-Key": raw_key})
    assert answered == 1 and by_drf.status_code == 200
    _assert_same(by_drf, by_miss, "keyed")
    # A server key from a browser origin is refused by DRF as documented (403).
    headers = {"X-API-Key": raw_key, "Origin": "https://clinic.example"}
    by_drf, by_miss, answered = _both(client, monkeypatch, "GET", path, headers)
    assert answered == 0 and by_drf.status_code == 403
    _assert_same(by_drf, by_miss, "a server key in a browser")
    by_drf, by_miss, answered = _both(
        client, monkeypatch, "GET", f"/api/v1/treatments/{SEED}/", {"X-API-Key": "tk_wrong"}
    )
    assert answered == 0 and by_drf.status_code in (400, 401, 403)
    _assert_same(by_drf, by_miss, "an invalid key")


def test_a_rate_limited_miss_is_a_429_charged_once(
    client: Client, catalogue: Any, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "3/minute"},
    }
    cache.clear()
    statuses = []
    for index in range(4):
        hot_documents().clear()  # every request misses the memory
        statuses.append(client.get(f"/api/v1/treatments/{SEED}-variant-{index % 3}/").status_code)
    assert statuses == [200, 200, 200, 429]
