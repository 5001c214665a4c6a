"""Non-finite numbers and forbidden characters are refused at every door, and nothing public
can ever hold a value a strict JSON parser rejects."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from knox.models import AuthToken

from api.preconditions import working_copy_etag
from tests.editorial.support import approve
from treatments import services
from treatments.models import AuditEntry, ChangeLogEntry, Revision, Treatment

pytestmark = pytest.mark.django_db
EDITOR = "/api/v1/editor"
# 1e400 is a valid JSON number that no IEEE double can hold: Python reads it as infinity.
HUGE = "1e400"


def _strict_json(body: bytes) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in a response body: strict JSON parsers reject it")

    def finite(text: str) -> float:
        value = float(text)
        assert value not in (float("inf"), float("-inf")), f"{text} overflows a double"
        return value

    return json.loads(body, parse_constant=refuse, parse_float=finite)


def _state() -> tuple[int, ...]:
    versions = tuple(Treatment.objects.order_by("pk").values_list("version", flat=True))
    return (
        Treatment.objects.count(),
        Revision.objects.count(),
        AuditEntry.objects.count(),
        ChangeLogEntry.objects.count(),
        *versions,
    )


@pytest.fixture
def publisher(roles: dict[str, Any]) -> Client:
    token = AuthToken.objects.create(user=roles["publisher"])[1]
    return Client(headers={"Authorization": f"Token {token}"})


def _raw_with_huge_quantity(data: dict[str, Any]) -> str:
    """The content as JSON text with the first step's quantity.max written as 1e400."""
    body = copy.deepcopy(data)
    body["procedure"]["steps"][1]["quantity"]["max"] = 123456.5
    return json.dumps(body).replace("123456.5", HUGE)


def _assert_refused(response: Any, pointer: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = _strict_json(response.content)
    assert pointer in [e["pointer"] for e in problem.get("errors", [])], problem


def test_non_finite_numbers_are_refused_by_every_api_door_and_nothing_is_written(
    publisher: Client, seed_published: Any, seed_data: dict[str, Any]
) -> None:
    before = _state()
    item = f"{EDITOR}/treatments/{seed_published.pk}/"
    etag = working_copy_etag(seed_published.pk, seed_published.version)
    pointer = "/procedure/steps/1/quantity/max"
    created = {**seed_data, "slug": "another-treatment"}
    doors = [
        ("post", f"{EDITOR}/treatments/", _raw_with_huge_quantity(created), {}),
        ("put", item, _raw_with_huge_quantity(seed_data), {"If-Match": etag}),
        ("post", f"{EDITOR}/import/", _raw_with_huge_quantity(seed_data), {"If-Match": etag}),
        ("post", f"{EDITOR}/import/?dry_run=true", _raw_with_huge_quantity(created), {}),
    ]
    for method, url, body, headers in doors:
        response = getattr(publisher, method)(
            url, data=body, content_type="application/json", headers=headers
        )
        _assert_refused(response, pointer)
    patch = '{"procedure": {"performer": "x", "steps": [{"title": "t", "detail": "d", '
    patch += '"quantity": {"min": 1, "max": ' + HUGE + ', "unit": "cc"}}]}}'
    response = publisher.patch(
        item, data=patch, content_type="application/merge-patch+json", headers={"If-Match": etag}
    )
    _assert_refused(response, "/procedure/steps/0/quantity/max")
    assert _state() == before


@pytest.mark.parametrize("literal", [".inf", "-.inf", ".nan"])
def test_a_content_file_with_a_non_finite_number_loads_nothing(
    tmp_path: Path, seed_data: dict[str, Any], literal: str
) -> None:
    text = yaml.safe_dump({**seed_data, "slug": "from-a-file"}, sort_keys=False)
    text = text.replace("max: 10.0", f"max: {literal}", 1)
    assert literal in text, "the seed's first quantity is written as `max: 10.0`"
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("load_content", str(path), "--publish")
    assert "procedure.steps.1.quantity.max" in str(error.value)
    assert Treatment.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Bell\x07", "a C0 control character"),
        ("Escape\x1b[31m", "an escape sequence"),
        ("abc\u202edef", "a right-to-left override"),
        ("abc\u2066def", "a left-to-right isolate"),
        ("nul\x00", "NUL"),
    ],
)
def test_forbidden_characters_in_text_are_refused_with_the_field(
    text: str, why: str, seed_data: dict[str, Any]
) -> None:
    data = {**seed_data, "title": text}
    with pytest.raises(services.ContentInvalidError) as error:
        services.content_validate(data)
    assert [e["pointer"] for e in error.value.errors] == ["/title"], why


def test_tabs_and_line_breaks_are_allowed_in_text(seed_data: dict[str, Any]) -> None:
    content = services.content_validate({**seed_data, "overview": "one\ttwo\r\nthree\nfour"})
    assert content.overview == "one\ttwo\r\nthree\nfour"


def test_every_public_response_parses_with_a_strict_json_parser(
    client: Client, publisher: Client, seed_published: Any
) -> None:
    # Publish a second revision with fractional and large finite numbers, then read everything.
    item = f"{EDITOR}/treatments/{seed_published.pk}/"
    etag = working_copy_etag(seed_published.pk, seed_published.version)
    patch = {
        "procedure": {
            "steps": [
                {
                    "title": "t",
                    "detail": "d",
                    "quantity": {"min": 0.1, "max": 1.7976931348623157e308, "unit": "ml"},
                }
            ]
        }
    }
    response = publisher.patch(
        item, data=json.dumps(patch), content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.content
    approve(seed_published)  # a clinical reviewer signs the edit off (four eyes)
    published = publisher.post(
        f"{item}publish/",
        data="{}",
        content_type="application/json",
        headers={"If-Match": response["ETag"]},
    )
    assert published.status_code == 200, published.content
    slug = seed_published.slug
    urls = [
        "/api/v1/categories/",
        "/api/v1/treatments/",
        "/api/v1/treatments/?q=bone",
        f"/api/v1/treatments/{slug}/",
        f"/api/v1/treatments/{seed_published.pk}/",
        f"/api/v1/treatments/{slug}/revisions/",
        f"/api/v1/treatments/{slug}/revisions/1/",
        f"/api/v1/treatments/{slug}/revisions/2/",
        f"/api/v1/treatments/{slug}/revisions/1/diff/2/",
        "/api/v1/schema/treatment-document/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _strict_json(response.content)
    document = _strict_json(client.get(f"/api/v1/treatments/{slug}/").content)
    assert document["procedure"]["steps"][0]["quantity"]["max"] == 1.7976931348623157e308
