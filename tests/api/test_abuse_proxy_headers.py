"""X-Forwarded-Proto (and -Host, -Port) are believed only from TRUSTED_PROXIES.

With `SECURE_PROXY_SSL_HEADER` set (as in production), a client that sends
`X-Forwarded-Proto: https` itself must not pass for a secure request: it is redirected to HTTPS
like any plain-HTTP request, and absolute links keep the scheme it really used.
"""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"
JSONLD = f"{DETAIL}jsonld/"
PROXY, OUTSIDER = "10.0.0.2", "203.0.113.9"


@pytest.fixture
def behind_proxy(settings: Any) -> Any:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = [PROXY]
    return settings


def test_a_client_claiming_https_is_still_redirected(
    seed_published: Any, behind_proxy: Any
) -> None:
    behind_proxy.SECURE_SSL_REDIRECT = True
    response = Client(REMOTE_ADDR=OUTSIDER).get(DETAIL, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{DETAIL}"


def test_the_trusted_proxy_saying_https_is_believed(seed_published: Any, behind_proxy: Any) -> None:
    behind_proxy.SECURE_SSL_REDIRECT = True
    response = Client(REMOTE_ADDR=PROXY).get(
        DETAIL, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=OUTSIDER
    )
    assert response.status_code == 200


@pytest.mark.parametrize(("peer", "scheme"), [(OUTSIDER, "http"), (PROXY, "https")])
def test_absolute_links_use_the_scheme_only_a_trusted_proxy_may_change(
    seed_published: Any, behind_proxy: Any, peer: str, scheme: str
) -> None:
    response = Client(REMOTE_ADDR=peer).get(JSONLD, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.json()["@id"].startswith(f"{scheme}://testserver"), response.json()["@id"]


@pytest.mark.parametrize(("peer", "host"), [(OUTSIDER, "testserver"), (PROXY, "api.example")])
def test_forwarded_host_is_believed_only_from_a_trusted_proxy(
    seed_published: Any, behind_proxy: Any, peer: str, host: str
) -> None:
    behind_proxy.USE_X_FORWARDED_HOST = True
    behind_proxy.ALLOWED_HOSTS = ["testserver", "api.example"]
    response = Client(REMOTE_ADDR=peer).get(JSONLD, HTTP_X_FORWARDED_HOST="api.example")
    assert response.status_code == 200
    assert response.json()["@id"].startswith(f"http://{host}/"), response.json()["@id"]


def test_without_trusted_proxies_no_one_is_believed(seed_published: Any, behind_proxy: Any) -> None:
    behind_proxy.TRUSTED_PROXIES = []
    behind_proxy.SECURE_SSL_REDIRECT = True
    response = Client(REMOTE_ADDR=PROXY).get(DETAIL, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
