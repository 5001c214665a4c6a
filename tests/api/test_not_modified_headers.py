"""Every 304 of the public API is a bare revalidation: its validators and caching headers, and
no representation metadata of another type.

A 304 updates the headers a cache stored with the 200 (RFC 9111, 4.3.4): one that claims
`text/html` could relabel a stored JSON answer. The sync feed and the bundle used to build
their 304s as `HttpResponse(status=304)`, which carries Django's default `text/html` and
therefore also got the HTML pages' Content-Security-Policy.
"""

from typing import Any

import pytest
from django.test import Client

SEED = "bone-marrow-stem-cell-injection"


def _sync_token(client: Client) -> str:
    body = client.get("/api/v1/sync/", {"page_size": 100}).json()
    while body["next_sync_token"] is None:
        body = client.get("/api/v1/sync/", {"token": body["next_page_token"]}).json()
    return str(body["next_sync_token"])


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/treatments/{SEED}/",
        f"/api/v1/treatments/{SEED}/revisions/1/",
        f"/api/v1/treatments/{SEED}/fhir/",
        f"/api/v1/treatments/{SEED}/jsonld/",
        "/api/v1/treatments/",
        "/api/v1/treatments/?q=marrow",
        "/api/v1/categories/",
        "/api/v1/bundle/manifest/",
        "/api/v1/bundle/",
        "sync",
    ],
)
@pytest.mark.parametrize("memory_ttl", [0.0, 60.0], ids=["from the view", "from memory"])
def test_a_304_carries_no_content_type_and_no_page_policy(
    client: Client, seed_published: Any, settings: Any, path: str, memory_ttl: float
) -> None:
    settings.PUBLIC_MEMORY_TTL = memory_ttl
    query: dict[str, str] = {}
    if path == "sync":
        path, query = "/api/v1/sync/", {"token": _sync_token(client)}
    first = client.get(path, query)
    assert first.status_code == 200, first.content
    assert first["Content-Type"].startswith("application/")
    again = client.get(path, query, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == first["Cache-Control"]
    assert again["Vary"] == first["Vary"]
    assert "Content-Type" not in again, again.headers
    assert "Content-Security-Policy" not in again
    assert again.content == b""
