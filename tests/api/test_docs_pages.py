"""The documentation pages answer every method they allow, never a 500."""

import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_options_on_the_documentation_answers_the_allowed_methods(
    client: Client, path: str
) -> None:
    response = client.options(path)
    assert response.status_code == 200
    assert "GET" in response["Allow"]


def test_the_swagger_page_still_renders_and_loads_its_script_from_a_url(client: Client) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert client.get("/api/docs/?script=").status_code == 200
