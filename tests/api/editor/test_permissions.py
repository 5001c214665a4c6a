"""The role × endpoint matrix of the editor API, with exact status codes."""

from typing import Any

import pytest

from treatments import services

from .conftest import BASE, etag_of

pytestmark = pytest.mark.django_db


def _url(treatment: Any, suffix: str) -> str:
    return f"{BASE}/treatments/{treatment.pk}/{suffix}"


# (name, method, path builder, body builder, needs If-Match, setup)
def _content(seed_data: dict[str, Any], treatment: Any) -> dict[str, Any]:
    return {**seed_data, "summary": "Replaced by the matrix test."}


ENDPOINTS: list[tuple[str, str, Any, Any, bool, Any]] = [
    ("list", "GET", lambda t: f"{BASE}/treatments/", None, False, None),
    (
        "create",
        "POST",
        lambda t: f"{BASE}/treatments/",
        lambda d, t: {**d, "slug": "created-by-matrix"},
        False,
        None,
    ),
    ("retrieve", "GET", lambda t: _url(t, ""), None, False, None),
    ("replace", "PUT", lambda t: _url(t, ""), _content, True, None),
    ("patch", "PATCH", lambda t: _url(t, ""), lambda d, t: {"summary": "Patched."}, True, None),
    ("delete", "DELETE", lambda t: _url(t, ""), None, True, None),
    (
        "publish",
        "POST",
        lambda t: _url(t, "publish/"),
        lambda d, t: {"change_note": "matrix"},
        True,
        "edit",
    ),
    ("unpublish", "POST", lambda t: _url(t, "unpublish/"), lambda d, t: {}, True, None),
    ("revert", "POST", lambda t: _url(t, "revert/"), lambda d, t: {"revision": 1}, True, None),
    ("restore", "POST", lambda t: _url(t, "restore/"), lambda d, t: {}, True, "delete"),
    ("preview", "GET", lambda t: _url(t, "preview/"), None, False, None),
    ("audit", "GET", lambda t: _url(t, "audit/"), None, False, None),
    ("export", "GET", lambda t: _url(t, "export/"), None, False, None),
    (
        "import",
        "POST",
        lambda t: f"{BASE}/import/",
        lambda d, t: {**d, "summary": "Imported."},
        True,
        None,
    ),
]
SUCCESS = {"create": 201}
EDITOR_FORBIDDEN = {"delete", "publish", "unpublish", "revert"}


def _expected(role: str, name: str) -> int:
    if role == "anonymous":
        return 401
    if role == "nobody":
        return 403
    if role == "editor" and name in EDITOR_FORBIDDEN:
        return 403
    return SUCCESS.get(name, 200)


@pytest.mark.parametrize("role", ["anonymous", "nobody", "editor", "publisher"])
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "if_match", "setup"),
    ENDPOINTS,
    ids=[e[0] for e in ENDPOINTS],
)
def test_role_endpoint_matrix(
    clients: dict[str, Any],
    seed_published: Any,
    seed_data: dict[str, Any],
    role: str,
    name: str,
    method: str,
    path: Any,
    body: Any,
    if_match: bool,
    setup: Any,
) -> None:
    t = seed_published
    if setup == "delete":
        services.treatment_delete(treatment_id=t.pk, expected_version=t.version, actor=None)
    if setup == "edit":
        t.refresh_from_db()
        services.treatment_replace(
            treatment_id=t.pk,
            expected_version=t.version,
            actor=None,
            content=services.content_validate({**seed_data, "summary": "To publish."}),
        )
    headers = {"If-Match": etag_of(t)} if if_match else {}
    payload = body(seed_data, t) if body else None
    response = clients[role].request(method, path(t), payload, **headers)
    assert response.status_code == _expected(role, name), response.content
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "private, no-store"


def test_session_authentication_works_for_the_browsable_api(
    client: Any, roles: dict[str, Any], seed_published: Any
) -> None:
    client.force_login(roles["editor"])
    assert client.get(f"{BASE}/treatments/").status_code == 200


def test_a_revoked_token_is_refused(clients: dict[str, Any], roles: dict[str, Any]) -> None:
    from knox.models import AuthToken

    assert clients["editor"].request("GET", f"{BASE}/treatments/").status_code == 200
    AuthToken.objects.filter(user=roles["editor"]).delete()
    assert clients["editor"].request("GET", f"{BASE}/treatments/").status_code == 401


def test_tokens_are_stored_hashed(clients: dict[str, Any], roles: dict[str, Any]) -> None:
    from knox.models import AuthToken

    raw = clients["editor"].headers["Authorization"].split()[1]
    stored = AuthToken.objects.get(user=roles["editor"])
    assert raw not in stored.digest and stored.digest != raw


def test_a_malformed_token_is_a_401_not_a_500(seed_published: Any) -> None:
    from django.test import Client

    response = Client().get(f"{BASE}/treatments/", headers={"Authorization": "Token \xff\xfe"})
    assert response.status_code == 401
