"""HTTP semantics over a real HTTP connection: validators, caching, methods, errors."""

import gzip
import socket
from typing import Any, NamedTuple

import pytest
import requests
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from api.compression import StrongETagGZipMiddleware

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "bone-marrow-stem-cell-injection"


@pytest.fixture
def api(live_server: Any, seed_published: Any) -> str:
    return f"{live_server.url}/api/v1"


def test_detail_has_strong_etag_last_modified_and_public_cache_control(api: str) -> None:
    response = requests.get(f"{api}/treatments/{SLUG}/", timeout=10)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/"), "strong validator"
    assert response.headers["Last-Modified"].endswith("GMT")
    cache_control = response.headers["Cache-Control"]
    assert "public" in cache_control and "max-age=" in cache_control
    assert "stale-while-revalidate=" in cache_control
    assert "Accept-Encoding" in response.headers["Vary"]


def test_if_none_match_returns_304_without_a_body(api: str) -> None:
    first = requests.get(f"{api}/treatments/{SLUG}/", timeout=10)
    again = requests.get(
        f"{api}/treatments/{SLUG}/", headers={"If-None-Match": first.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    stale = requests.get(
        f"{api}/treatments/{SLUG}/", headers={"If-None-Match": '"old"'}, timeout=10
    )
    assert stale.status_code == 200


def test_if_modified_since_returns_304(api: str) -> None:
    first = requests.get(f"{api}/treatments/{SLUG}/", timeout=10)
    again = requests.get(
        f"{api}/treatments/{SLUG}/",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
        timeout=10,
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "treatments/",
        "categories/",
        f"treatments/{SLUG}/revisions/",
        f"treatments/{SLUG}/revisions/1/",
        f"treatments/{SLUG}/revisions/1/diff/1/",
        "schema/treatment-document/",
    ],
)
def test_every_get_has_validators_and_answers_conditional_requests(api: str, path: str) -> None:
    response = requests.get(f"{api}/{path}", timeout=10)
    assert response.status_code == 200
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "Cache-Control" in response.headers
    again = requests.get(
        f"{api}/{path}", headers={"If-None-Match": response.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304


def test_gzip_when_asked_with_a_distinct_strong_etag(api: str) -> None:
    plain = requests.get(
        f"{api}/treatments/{SLUG}/", headers={"Accept-Encoding": "identity"}, timeout=10
    )
    zipped = requests.get(
        f"{api}/treatments/{SLUG}/", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    raw = zipped.raw.read()
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content)
    assert not zipped.headers["ETag"].startswith("W/")
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    revalidate = requests.get(
        f"{api}/treatments/{SLUG}/",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
        timeout=10,
    )
    assert revalidate.status_code == 304


def _gzip_get(url: str, **headers: str) -> tuple[requests.Response, bytes]:
    response = requests.get(
        url, headers={"Accept-Encoding": "gzip", **headers}, stream=True, timeout=10
    )
    return response, response.raw.read()


@pytest.mark.parametrize(
    "path", [f"treatments/{SLUG}/", "treatments/", f"treatments/{SLUG}/revisions/1/"]
)
def test_gzip_bodies_are_byte_identical_under_one_strong_etag(api: str, path: str) -> None:
    # The first GET of a document builds it, the next ones come from the hot path: all equal.
    answers = [_gzip_get(f"{api}/{path}") for _ in range(3)]
    assert {r.headers["Content-Encoding"] for r, _ in answers} == {"gzip"}
    assert len({body for _, body in answers}) == 1, "a strong ETag promises identical bytes"
    assert len({r.headers["ETag"] for r, _ in answers}) == 1
    etag = answers[0][0].headers["ETag"]
    assert etag.startswith('"') and etag.endswith('-gzip"')
    body = answers[0][1]
    # No random file name (FNAME flag) and mtime 0: nothing in the bytes varies per response.
    assert body[3] == 0 and body[4:8] == b"\0\0\0\0"


def test_a_304_for_the_gzip_etag_names_the_gzip_variant(api: str) -> None:
    zipped, _ = _gzip_get(f"{api}/treatments/{SLUG}/")
    etag = zipped.headers["ETag"]
    for _ in range(2):  # built once, then from the hot path
        again, body = _gzip_get(f"{api}/treatments/{SLUG}/", **{"If-None-Match": etag})
        assert again.status_code == 304 and body == b""
        assert again.headers["ETag"] == etag
    plain = requests.get(f"{api}/treatments/{SLUG}/", headers={"If-None-Match": etag}, timeout=10)
    assert plain.status_code == 304, "either variant's tag revalidates (weak comparison)"


def test_responses_without_a_strong_etag_keep_djangos_breach_padding(
    live_server: Any, db: Any
) -> None:
    # The admin's login page carries a CSRF token and no ETag: Django's padding stays.
    response, body = _gzip_get(f"{live_server.url}/admin/login/")
    assert response.headers["Content-Encoding"] == "gzip"
    assert "ETag" not in response.headers
    assert body[3] == gzip.FNAME, "Django's random-length file name is still there"


class _Fake(NamedTuple):
    """A response the gzip middleware sees, and what it must do with it."""

    why: str
    body: bytes
    accept_encoding: str
    headers: dict[str, str]
    compressed: bool


BIG = b'{"text": "' + b"a gzip-worthy body " * 20 + b'"}'
FAKES = [
    _Fake("a strong ETag is compressed", BIG, "gzip, br", {"ETag": '"abc"'}, True),
    _Fake("no gzip in Accept-Encoding", BIG, "br", {"ETag": '"abc"'}, False),
    _Fake("bodies under 200 bytes stay as they are", b"{}", "gzip", {"ETag": '"abc"'}, False),
    _Fake("already encoded", BIG, "gzip", {"ETag": '"abc"', "Content-Encoding": "br"}, False),
    _Fake("no ETag: Django's gzip", BIG, "gzip", {}, True),
]


@pytest.mark.parametrize("fake", FAKES, ids=[f.why for f in FAKES])
def test_the_gzip_middleware_keeps_djangos_rules(fake: _Fake) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(fake.body, content_type="application/json")
        for name, value in fake.headers.items():
            response[name] = value
        return response

    middleware = StrongETagGZipMiddleware(view)
    request = RequestFactory().get("/", headers={"Accept-Encoding": fake.accept_encoding})
    response = middleware(request)
    assert isinstance(response, HttpResponse)
    assert (response.get("Content-Encoding") == "gzip") is fake.compressed, fake.why
    if fake.compressed:
        assert gzip.decompress(response.content) == fake.body
        assert response["Content-Length"] == str(len(response.content))
    if len(fake.body) >= 200 and "Content-Encoding" not in fake.headers:
        assert "Accept-Encoding" in response["Vary"]
    if "ETag" in fake.headers:
        expected = '"abc-gzip"' if fake.compressed else '"abc"'
        assert response["ETag"] == expected, "a strong ETag stays strong, per encoding"


def test_a_streaming_response_with_a_strong_etag_compresses_deterministically() -> None:
    chunks = [b"[", b'"chunk", ' * 100, b'"end"]']

    def view(request: HttpRequest) -> StreamingHttpResponse:
        response = StreamingHttpResponse(iter(chunks), content_type="application/json")
        response["ETag"] = '"stream"'
        return response

    middleware = StrongETagGZipMiddleware(view)
    bodies = []
    for _ in range(2):
        response = middleware(RequestFactory().get("/", headers={"Accept-Encoding": "gzip"}))
        assert isinstance(response, StreamingHttpResponse)
        assert response["ETag"] == '"stream-gzip"'
        bodies.append(b"".join(response.streaming_content))  # type: ignore[arg-type]
    assert bodies[0] == bodies[1]
    assert gzip.decompress(bodies[0]) == b"".join(chunks)


def test_head_and_options(api: str) -> None:
    head = requests.head(f"{api}/treatments/{SLUG}/", timeout=10)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"]
    options = requests.options(f"{api}/treatments/", timeout=10)
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS"


PER_RESPONSE = {"Date", "X-Request-ID"}


@pytest.mark.parametrize(
    "path", [f"/treatments/{SLUG}/", "/treatments/", "/categories/", "/treatments/?q=knee"]
)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_head_answers_the_headers_of_get_also_from_worker_memory(
    api: str, path: str, encoding: str
) -> None:
    headers = {"Accept-Encoding": encoding}
    get = requests.get(f"{api}{path}", headers=headers, timeout=10, stream=True)
    raw = get.raw.read(decode_content=False)
    # The GET put the answer in the worker's memory: this HEAD is answered from there.
    head = requests.head(f"{api}{path}", headers=headers, timeout=10)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(raw) > 0
    same = {k: v for k, v in get.headers.items() if k not in PER_RESPONSE}
    assert {k: v for k, v in head.headers.items() if k not in PER_RESPONSE} == same


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_405_with_allow(api: str, method: str) -> None:
    response = requests.request(method, f"{api}/treatments/{SLUG}/", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 405


def test_unacceptable_media_type_is_a_406_problem(api: str) -> None:
    response = requests.get(f"{api}/treatments/", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json"


def test_unknown_api_url_is_a_404_problem_not_html(api: str) -> None:
    response = requests.get(f"{api}/nothing-here/", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("not-found")


def test_oversized_body_is_a_413_problem(api: str) -> None:
    response = requests.post(f"{api}/treatments/", data=b"x" * (2 * 1024 * 1024), timeout=10)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


def test_bad_host_header_is_a_400_problem(live_server: Any, seed_published: Any) -> None:
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"GET /api/v1/treatments/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/problem+json" in head
    assert b'"status": 400' in body


def test_docs_and_schema_are_served_from_local_assets(live_server: Any, db: Any) -> None:
    import re

    # Every asset the pages load is a path on this server (a CDN would be an absolute URL).
    # Not a substring test for "cdn": the page embeds a random CSRF token that may contain it.
    for page, attributes in (("docs", "src|href"), ("redoc", "src|href")):
        response = requests.get(f"{live_server.url}/api/{page}/", timeout=10)
        assert response.status_code == 200
        assets = re.findall(rf'(?:{attributes})="([^"]+)"', response.text)
        assert assets, "the page loads assets"
        assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets
        assert "sidecar" in response.text
    schema = requests.get(f"{live_server.url}/api/schema/", timeout=30)
    assert schema.status_code == 200 and schema.text.startswith("openapi: 3.1")
    cached = requests.get(
        f"{live_server.url}/api/schema/",
        headers={"If-None-Match": schema.headers["ETag"]},
        timeout=10,
    )
    assert cached.status_code == 304
