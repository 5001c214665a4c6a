"""/api/schema/ serves the OpenAPI document as YAML by default and as JSON when asked."""

import json

import pytest
import yaml
from django.http import HttpResponseBase
from django.test import Client

YAML_TYPES = ("application/vnd.oai.openapi", "application/yaml")
JSON_TYPES = ("application/json", "application/vnd.oai.openapi+json")


def _media_type(response: HttpResponseBase) -> str:
    return str(response["Content-Type"]).split(";")[0]


@pytest.mark.parametrize("accept", [None, "*/*", "text/html,*/*;q=0.8", *YAML_TYPES])
def test_yaml_stays_the_default_and_answers_yaml_types(client: Client, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/api/schema/", headers=headers)
    assert response.status_code == 200
    expected = accept if accept in YAML_TYPES else "application/vnd.oai.openapi"
    assert _media_type(response) == expected
    assert yaml.safe_load(response.content)["openapi"].startswith("3.1")


@pytest.mark.parametrize("accept", JSON_TYPES)
def test_accept_json_answers_json(client: Client, accept: str) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert _media_type(response) == accept
    assert json.loads(response.content)["openapi"].startswith("3.1")


def test_format_json_answers_json_with_the_same_content_as_the_yaml(client: Client) -> None:
    as_json = client.get("/api/schema/?format=json")
    as_yaml = client.get("/api/schema/?format=yaml")
    assert _media_type(as_json) == "application/json"
    assert _media_type(as_yaml) == "application/vnd.oai.openapi"
    assert json.loads(as_json.content) == yaml.safe_load(as_yaml.content)


def test_each_form_has_its_own_etag_and_revalidates(client: Client) -> None:
    as_json = client.get("/api/schema/?format=json")
    as_yaml = client.get("/api/schema/")
    assert as_json["ETag"] != as_yaml["ETag"]
    assert "Accept" in as_json["Vary"]
    again = client.get("/api/schema/?format=json", HTTP_IF_NONE_MATCH=as_json["ETag"])
    assert again.status_code == 304
    assert client.get("/api/schema/", HTTP_IF_NONE_MATCH=as_json["ETag"]).status_code == 200


def test_a_type_it_cannot_serve_is_a_406_problem(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"
