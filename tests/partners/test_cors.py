"""CORS: the public read API answers any origin without credentials; editor and admin never."""

import http.client
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from partners.models import Partner
from partners.services import api_key_issue

from .conftest import CLINIC

pytestmark = pytest.mark.django_db

SLUG = "bone-marrow-stem-cell-injection"
PUBLIC = [
    "/api/v1/",
    "/api/v1/treatments/",
    f"/api/v1/treatments/{SLUG}/",
    "/api/v1/categories/",
    "/api/v1/sync/",
    "/api/schema/",
    "/api/oembed/",  # not built in this branch: even its 404 is readable cross-origin
]
NEVER = [
    "/api/v1/editor/treatments/",
    "/api/v1/editor/",
    "/admin/",
    "/admin/login/",
]
REQUEST_HEADERS = ["authorization", "x-api-key", "if-none-match", "if-modified-since"]
EXPOSED = ["ETag", "Last-Modified", "Link", "Retry-After", "RateLimit", "RateLimit-Policy"]
EXPOSED += ["Location"]


def _preflight(client: Client, url: str, **headers: Any) -> Any:
    return client.options(
        url,
        HTTP_ORIGIN="https://anywhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key, if-none-match",
        **headers,
    )


def _cors_headers(response: Any) -> list[str]:
    return [name for name in response.headers if name.lower().startswith("access-control-")]


def _vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("url", PUBLIC)
def test_public_reads_are_readable_from_any_origin_without_credentials(
    client: Client, seed_published: Any, url: str
) -> None:
    response = client.get(url, HTTP_ORIGIN="https://anywhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {h.lower() for h in EXPOSED} <= exposed
    assert "origin" in _vary(response)


@pytest.mark.parametrize("url", PUBLIC)
def test_public_preflights_allow_the_key_and_conditional_headers_and_are_cached(
    client: Client, seed_published: Any, url: str
) -> None:
    response = _preflight(client, url)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert set(REQUEST_HEADERS) <= allowed
    assert set(response["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    assert int(response["Access-Control-Max-Age"]) >= 600
    assert "Access-Control-Allow-Credentials" not in response


def test_a_request_without_origin_gets_no_cors_headers_but_varies_on_origin(
    client: Client, seed_published: Any
) -> None:
    response = client.get(f"/api/v1/treatments/{SLUG}/")
    assert _cors_headers(response) == []
    assert "origin" in _vary(response), "a shared cache must not reuse it for a browser"


def test_errors_of_the_public_api_are_readable_cross_origin(client: Client, db: Any) -> None:
    response = client.get("/api/v1/treatments/no-such-thing/", HTTP_ORIGIN=CLINIC)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    response = client.get(
        "/api/v1/treatments/", HTTP_ORIGIN=CLINIC, HTTP_X_API_KEY="tks_aaaaaaaaaa." + "a" * 43
    )
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("url", NEVER)
def test_the_editor_api_and_the_admin_never_answer_cors(
    client: Client, superuser: Any, url: str
) -> None:
    client.force_login(superuser)
    for response in (
        client.get(url, HTTP_ORIGIN="https://anywhere.example"),
        _preflight(client, url),
    ):
        assert _cors_headers(response) == [], (url, response.headers)
        assert "origin" not in _vary(response)


def test_a_lookalike_of_the_editor_path_is_still_public(client: Client, db: Any) -> None:
    # Only the editor/ segment is excluded, not every path that starts with "editor".
    response = client.get("/api/v1/editorial/", HTTP_ORIGIN=CLINIC)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


def _live(url: str, method: str, headers: dict[str, str]) -> tuple[int, http.client.HTTPMessage]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


def test_over_real_http_a_browser_flow_works_with_a_publishable_key(
    live_server: Any, seed_published: Any, partner: Partner
) -> None:
    _, raw = api_key_issue(partner, name="website", publishable=True)
    url = f"{live_server.url}/api/v1/treatments/{SLUG}/"
    status, headers = _live(
        url,
        "OPTIONS",
        {
            "Origin": CLINIC,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert "x-api-key" in headers["Access-Control-Allow-Headers"]
    assert headers["Access-Control-Max-Age"]

    status, headers = _live(url, "GET", {"Origin": CLINIC, "X-Api-Key": raw})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in headers["Access-Control-Expose-Headers"]

    status, headers = _live(url, "GET", {"Origin": "https://evil.example", "X-Api-Key": raw})
    assert status == 403 and headers["Content-Type"] == "application/problem+json"
    assert headers["Access-Control-Allow-Origin"] == "*", "the refusal is readable by the page"

    editor = f"{live_server.url}/api/v1/editor/treatments/"
    status, headers = _live(
        editor, "OPTIONS", {"Origin": CLINIC, "Access-Control-Request-Method": "GET"}
    )
    assert not [h for h in headers if h.lower().startswith("access-control-")]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/"])
def test_the_docs_pages_never_answer_cors(client: Client, url: str) -> None:
    response = client.get(url, HTTP_ORIGIN="https://anywhere.example")
    assert _cors_headers(response) == [], (url, response.headers)
