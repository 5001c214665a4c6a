"""openapi.yaml and the published JSON Schema are what client generators need.

Generated clients trust `required` (a required key is typed as always there), the declared
response headers, `info.version` (a package version) and component names (class names). These
tests hold the contract to what the server actually sends, by calling it.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from django.test import Client

from api.pagination import CURSOR_PATTERN
from tests.conftest import make_variant
from treatments.documents.schema import EARLIER_VERSIONS, document_json_schema
from treatments.services import content_load

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
# Headers a client reads. Transport headers (Vary, Content-Type, Content-Length, X-Request-ID,
# Allow) are left out of the contract on purpose.
CONTRACT_HEADERS = {
    "etag",
    "last-modified",
    "cache-control",
    "content-language",
    "link",
    "location",
    "retry-after",
    "write-outcome",
    "content-disposition",
    "www-authenticate",
}


def test_info_version_is_a_semantic_version_and_the_api_version_stays_visible() -> None:
    assert SEMVER.match(SPEC["info"]["version"]), (
        f"info.version {SPEC['info']['version']!r} is not a semantic version; generators use it "
        "as the package version (see api.openapi.postprocess_for_client_generators)"
    )
    assert SPEC["info"]["x-api-version"] == "v1"
    # Every path is versioned but the oEmbed provider, whose URL oEmbed consumers configure once.
    unversioned = [path for path in SPEC["paths"] if not path.startswith("/api/v1/")]
    assert unversioned == ["/api/oembed/"]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_ref_names_a_component_and_every_component_is_used() -> None:
    refs = _refs(SPEC)
    dangling = sorted({r for r in refs if r.removeprefix("#/components/schemas/") not in SCHEMAS})
    assert not dangling, f"$refs to missing components: {dangling}"
    assert all(r.startswith("#/components/schemas/") for r in refs)
    # Reachable from the paths (components refer to each other), not merely declared.
    reachable: set[str] = set()
    todo = [r.rsplit("/", 1)[-1] for r in _refs(SPEC["paths"])]
    while todo:
        name = todo.pop()
        if name not in reachable:
            reachable.add(name)
            todo += [r.rsplit("/", 1)[-1] for r in _refs(SCHEMAS[name])]
    unused = sorted(set(SCHEMAS) - reachable)
    assert not unused, f"components no operation uses: {unused}"


def test_component_names_and_titles_do_not_collide() -> None:
    # Generators name classes after `title` when there is one, and some fold case.
    folded: dict[str, str] = {}
    for name, schema in SCHEMAS.items():
        assert schema.get("title", name) == name, (
            f"component {name} is titled {schema['title']!r}: two classes would share a name"
        )
        other = folded.setdefault(name.lower(), name)
        assert other == name, f"components {other} and {name} differ only in case"


def test_a_patch_body_is_one_named_component_for_every_media_type() -> None:
    body = SPEC["paths"]["/api/v1/editor/treatments/{treatment_id}/"]["patch"]["requestBody"]
    schemas = [media["schema"] for media in body["content"].values()]
    assert len(schemas) == 2
    assert all(
        s == {"$ref": "#/components/schemas/PatchedTreatmentContentRequest"} for s in schemas
    )


def test_request_bodies_keep_defaults_optional_and_responses_require_them() -> None:
    request, response = SCHEMAS["TreatmentContentRequest"], SCHEMAS["TreatmentContent"]
    assert set(request["required"]) == {"slug", "title", "category", "summary", "classification"}
    assert set(response["required"]) == set(response["properties"])
    # A nested part with defaults has a request shape of its own; one without is shared.
    assert SCHEMAS["StepPartRequest"]["required"] == ["title", "detail"]
    assert "CategoryRefRequest" not in SCHEMAS


# -- what the server sends, against what the contract says -------------------------------------


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        path = schema["$ref"].removeprefix("#/").split("/")
        node: Any = root
        for part in path:
            node = node[part]
        schema = node
    return schema


def _branch(schema: dict[str, Any], value: Any, root: dict[str, Any]) -> dict[str, Any]:
    """The branch of an anyOf/oneOf that describes a non-null value."""
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [_resolve(s, root) for s in schema[key] if s.get("type") != "null"]
            wanted = (
                "object"
                if isinstance(value, dict)
                else "array"
                if isinstance(value, list)
                else None
            )
            for kind in kinds:
                if wanted is None or kind.get("type") == wanted or wanted in kind.get("type", []):
                    return kind
            return kinds[0]
    return schema


def added_later(schema: dict[str, Any]) -> set[str]:
    """Properties added to a part after the version that introduced it: optional (revisions
    frozen under that version lack them)."""
    title = schema.get("title")
    for version in EARLIER_VERSIONS:
        baseline: dict[str, Any] = dict(document_json_schema(version))
        old = baseline if title == baseline["title"] else baseline["$defs"].get(title)
        if old is not None:
            return set(schema.get("properties", {})) - set(old["properties"])
    return set()


def missing_required(
    value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = ""
) -> list[str]:
    """JSON Pointers of every key the server sent that the schema does not require.

    Exempt: what a later version added to a part an earlier one had (see `version_history`).
    """
    if value is None:
        return []
    schema = _branch(schema, value, root)
    found: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        required = set(schema.get("required", [])) | added_later(schema)
        for key, item in value.items():
            if key not in required:
                found.append(f"{where}/{key}")
            if key in schema["properties"]:
                found += missing_required(item, schema["properties"][key], root, f"{where}/{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += missing_required(item, schema["items"], root, f"{where}/{index}")
    return found


def test_the_published_json_schema_requires_every_key_of_the_seed_document(
    client: Client, seed_published: Any
) -> None:
    schema = client.get("/api/v1/schema/treatment-document/").json()
    document = client.get(f"/api/v1/treatments/{seed_published.slug}/").json()
    assert missing_required(document, schema, schema) == []
    added = added_later(schema)
    assert added >= {"codes", "medications", "eligibility"}
    assert set(schema["required"]) == set(schema["properties"]) - added


@pytest.mark.parametrize("fixture", ["every-1-1-field.yaml", "every-1-2-field.yaml"])
def test_the_published_json_schema_requires_every_key_of_the_fixture_documents(
    client: Client, fixture: str
) -> None:
    from treatments import services
    from treatments.content_files import read_content_file

    content = read_content_file(Path(__file__).parents[1] / "content" / fixture)
    services.content_load(content=content, publish=True)
    schema = client.get("/api/v1/schema/treatment-document/").json()
    document = client.get(f"/api/v1/treatments/{content.slug}/").json()
    assert missing_required(document, schema, schema) == []
    medication = schema["$defs"]["MedicationPart"]
    assert added_later(medication) == {"dose_per_session"}, "1.1 revisions lack it"


@dataclass(frozen=True)
class Call:
    """One call of a documented operation and the status it should answer with."""

    path: str  # as in openapi.yaml
    method: str
    url: Callable[[Any], str]
    status: int = 200
    headers: Callable[[Any], dict[str, str]] = lambda t: {}
    body: Callable[[Any], Any] | None = None
    content_type: str = "application/json"


def _wc(t: Any) -> str:
    return f"/api/v1/editor/treatments/{t.pk}/"


def _if_match(t: Any) -> dict[str, str]:
    from api.preconditions import working_copy_etag
    from treatments.models import Treatment

    return {"If-Match": working_copy_etag(t.pk, Treatment.objects.get(pk=t.pk).version)}


def _new_content(t: Any) -> Any:
    from treatments.documents.build import build_content

    content = build_content(t)
    content["slug"] = "another-treatment"
    content["title"] = "Another treatment"
    return content


PLAN = "?procedure_at=2026-03-08T09:30&tz=America/New_York"
CALLS = [
    Call("/api/v1/", "get", lambda t: "/api/v1/"),
    Call("/api/v1/treatments/", "get", lambda t: "/api/v1/treatments/"),
    Call("/api/v1/treatments/", "get", lambda t: "/api/v1/treatments/", 304, lambda t: {}),
    Call("/api/v1/categories/", "get", lambda t: "/api/v1/categories/"),
    Call("/api/v1/treatments/{key}/", "get", lambda t: f"/api/v1/treatments/{t.slug}/"),
    Call("/api/v1/treatments/{key}/", "get", lambda t: f"/api/v1/treatments/{t.pk}/"),
    Call("/api/v1/treatments/{key}/", "get", lambda t: f"/api/v1/treatments/{t.slug}/", 304),
    Call(
        "/api/v1/treatments/{key}/revisions/",
        "get",
        lambda t: f"/api/v1/treatments/{t.slug}/revisions/",
    ),
    Call(
        "/api/v1/treatments/{key}/revisions/{number}/",
        "get",
        lambda t: f"/api/v1/treatments/{t.slug}/revisions/1/",
    ),
    Call(
        "/api/v1/treatments/{key}/revisions/{number}/diff/{other}/",
        "get",
        lambda t: f"/api/v1/treatments/{t.slug}/revisions/1/diff/1/",
    ),
    Call(
        "/api/v1/treatments/{key}/recovery-plan/",
        "get",
        lambda t: f"/api/v1/treatments/{t.slug}/recovery-plan/{PLAN}",
    ),
    Call(
        "/api/v1/treatments/{key}/recovery-plan.ics",
        "get",
        lambda t: f"/api/v1/treatments/{t.slug}/recovery-plan.ics{PLAN}",
    ),
    Call("/api/v1/sync/", "get", lambda t: "/api/v1/sync/"),
    Call("/api/v1/bundle/", "get", lambda t: "/api/v1/bundle/"),
    Call(
        "/api/v1/schema/treatment-document/", "get", lambda t: "/api/v1/schema/treatment-document/"
    ),
    Call("/api/v1/editor/treatments/", "get", lambda t: "/api/v1/editor/treatments/"),
    Call("/api/v1/editor/treatments/{treatment_id}/", "get", _wc),
    Call("/api/v1/editor/treatments/{treatment_id}/preview/", "get", lambda t: _wc(t) + "preview/"),
    Call("/api/v1/editor/treatments/{treatment_id}/export/", "get", lambda t: _wc(t) + "export/"),
    Call("/api/v1/editor/treatments/{treatment_id}/audit/", "get", lambda t: _wc(t) + "audit/"),
    Call(
        "/api/v1/editor/treatments/{treatment_id}/",
        "patch",
        _wc,
        headers=_if_match,
        body=lambda t: {"summary": "A changed summary."},
        content_type="application/merge-patch+json",
    ),
    Call(
        "/api/v1/editor/treatments/{treatment_id}/",
        "put",
        _wc,
        412,
        headers=lambda t: {"If-Match": '"stale-0"'},
        body=lambda t: {},
    ),
    Call(
        "/api/v1/editor/treatments/{treatment_id}/publish/",
        "post",
        lambda t: _wc(t) + "publish/",
        headers=_if_match,
        body=lambda t: {"change_note": "Checked."},
    ),
    Call(
        "/api/v1/editor/treatments/",
        "post",
        lambda t: "/api/v1/editor/treatments/",
        201,
        body=_new_content,
    ),
    Call(
        "/api/v1/editor/import/",
        "post",
        lambda t: "/api/v1/editor/import/?dry_run=true",
        body=_new_content,
    ),
    Call("/api/v1/editor/treatments/", "get", lambda t: "/api/v1/editor/treatments/", 401),
]


def _declared_response(call: Call) -> dict[str, Any]:
    operation = SPEC["paths"][call.path][call.method]
    assert str(call.status) in operation["responses"], (
        f"{call.method.upper()} {call.path} does not document {call.status}"
    )
    return operation["responses"][str(call.status)]


@pytest.fixture
def publisher_client(client: Client, roles: dict[str, Any]) -> Client:
    from knox.models import AuthToken

    token = AuthToken.objects.create(user=roles["publisher"])[1]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def _call(client: Client, call: Call, treatment: Any) -> Any:
    url = call.url(treatment)
    headers = {key: value for key, value in call.headers(treatment).items()}
    if call.status == 304:
        first = client.get(url)
        headers["If-None-Match"] = first["ETag"]
    if call.status == 401:
        client.defaults.pop("HTTP_AUTHORIZATION", None)
    if call.body is None:
        return getattr(client, call.method)(url, headers=headers)
    return getattr(client, call.method)(
        url, data=json.dumps(call.body(treatment)), content_type=call.content_type, headers=headers
    )


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.path} {c.status}")
def test_every_key_sent_is_required_and_every_header_sent_is_declared(
    publisher_client: Client, seed_published: Any, call: Call
) -> None:
    response = _call(publisher_client, call, seed_published)
    assert response.status_code == call.status, response.content[:500]
    declared = _declared_response(call)
    headers = {name.lower(): spec for name, spec in declared.get("headers", {}).items()}
    sent = {name.lower() for name in response.headers} & CONTRACT_HEADERS
    undeclared = sorted(sent - set(headers))
    assert not undeclared, f"{call.method.upper()} {call.path} {call.status} sends {undeclared}"
    for name, spec in headers.items():
        if spec.get("required"):
            assert name in {n.lower() for n in response.headers}, f"declared {name} not sent"
    if response.status_code in (200, 201) and response["Content-Type"].startswith(
        "application/json"
    ):
        content = declared["content"]["application/json"]["schema"]
        # The bundle streams its stored parts (a StreamingHttpResponse has no .content).
        body = b"".join(response.streaming_content) if response.streaming else response.content
        missing = missing_required(json.loads(body), content, SPEC)
        assert not missing, f"sent but not required in openapi.yaml: {missing}"


def _cursor(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def test_minted_cursors_match_the_documented_pattern(client: Client, seed_data: Any) -> None:
    for index in range(3):
        content_load(content=make_variant(seed_data, index), publish=True)
    parameters = SPEC["paths"]["/api/v1/treatments/"]["get"]["parameters"]
    documented = next(p for p in parameters if p["name"] == "cursor")["schema"]["pattern"]
    assert documented == CURSOR_PATTERN
    for ordering in ("title", "-title", "published_at", "-published_at"):
        page = client.get(f"/api/v1/treatments/?page_size=1&ordering={ordering}").json()
        following = client.get(page["next"])
        assert following.status_code == 200
        for link in (page["next"], following.json()["previous"]):
            assert re.fullmatch(documented, _cursor(link)), link


def test_a_well_formed_cursor_the_api_did_not_mint_is_a_clear_400(client: Client) -> None:
    forged = "bz14"  # base64 of "o=x": the pattern holds, the offset is not a number
    assert re.fullmatch(CURSOR_PATTERN, forged)
    response = client.get(f"/api/v1/treatments/?cursor={forged}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"
