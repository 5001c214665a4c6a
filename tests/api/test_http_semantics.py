"""HTTP semantics over a real HTTP connection: validators, caching, methods, errors."""

import gzip
import socket
from typing import Any

import pytest
import requests

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


def test_head_and_options(api: str) -> None:
    head = requests.head(f"{api}/treatments/{SLUG}/", timeout=10)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"]
    options = requests.options(f"{api}/treatments/", timeout=10)
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS"


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
    docs = requests.get(f"{live_server.url}/api/docs/", timeout=10)
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "sidecar" in docs.text
    redoc = requests.get(f"{live_server.url}/api/redoc/", timeout=10)
    assert redoc.status_code == 200 and "sidecar" in redoc.text
    schema = requests.get(f"{live_server.url}/api/schema/", timeout=30)
    assert schema.status_code == 200 and schema.text.startswith("openapi: 3.1")
    cached = requests.get(
        f"{live_server.url}/api/schema/",
        headers={"If-None-Match": schema.headers["ETag"]},
        timeout=10,
    )
    assert cached.status_code == 304
