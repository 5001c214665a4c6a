"""Content-Security-Policy on the HTML pages (admin, Swagger UI, ReDoc), and pages that obey it."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

HTML_PAGES = [
    "/api/docs/",
    "/api/redoc/",
    "/admin/login/",
    "/admin/",
    "/admin/treatments/treatment/",
    "/admin/treatments/treatment/add/",
]


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def staff_client(db: Any) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("csp-admin", "csp@example.org", "pw-csp-1"))
    return client


def _get(staff_client: Client, path: str) -> Any:
    # The sign-in page is for those not signed in (others are sent on to /admin/).
    return (Client() if path == "/admin/login/" else staff_client).get(path)


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_carry_a_policy_that_allows_only_this_origin(
    staff_client: Client, path: str
) -> None:
    response = _get(staff_client, path)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline or eval'd script
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for values in policy.values():
        assert not any(value.startswith(("http:", "https:", "*")) for value in values), policy


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_load_nothing_from_elsewhere_and_run_no_inline_script(
    staff_client: Client, path: str
) -> None:
    page = _get(staff_client, path).content.decode()
    urls = re.findall(r'(?:src|href|spec-url)="([^"]*)"', page)
    assert urls
    external = [url for url in urls if re.match(r"(?:[a-z]+:)?//", url, re.IGNORECASE)]
    assert external == []
    assert "fonts.googleapis" not in page and "fonts.gstatic" not in page
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts)
    assert not re.search(r"\son[a-z]+=", page), "inline event handlers need 'unsafe-inline'"


def test_swagger_ui_start_up_script_is_a_same_origin_file(client: Client) -> None:
    page = client.get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', page)
    assert script_url is not None
    script = client.get(script_url.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_json_responses_carry_no_policy(client: Client) -> None:
    assert "Content-Security-Policy" not in client.get("/api/v1/categories/")
    assert "Content-Security-Policy" not in client.get("/api/v1/nothing-here/")
