"""Deprecations: the headers on the answers they concern, the aliases, and the OpenAPI marks."""

import copy
import datetime as dt
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from api.deprecation import (
    DEPRECATIONS,
    Deprecated,
    DeprecationHeadersMiddleware,
    deprecation_headers,
    mark_deprecated,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_LINK = '</api/v1/changelog/#2026-12-05-bundle-sync-token>; rel="deprecation"'
PAGES_LINK = '</api/v1/changelog/#2026-12-05-page-absolute-links>; rel="deprecation"'
DEPRECATED_AT = "@1796428800"  # 2026-12-05T00:00:00Z
SUNSET = "Tue, 05 Dec 2028 00:00:00 GMT"


def _announced(response: Any, link: str) -> None:
    assert response["Deprecation"] == DEPRECATED_AT
    assert response["Sunset"] == SUNSET
    assert link in response["Link"]


def _not_announced(response: Any) -> None:
    assert not response.has_header("Deprecation")
    assert not response.has_header("Sunset")


@pytest.mark.django_db
def test_the_bundle_sends_next_sync_token_and_the_deprecated_alias_with_its_headers(
    client: Client, seed_published: Any
) -> None:
    response = client.get("/api/v1/bundle/")
    assert response.status_code == 200
    body = json.loads(response.getvalue())  # streamed from the stored part
    assert body["next_sync_token"] == body["sync_token"]
    _announced(response, BUNDLE_LINK)
    # The token continues with the sync feed, under the name the feed gives it.
    delta = client.get("/api/v1/sync/", {"token": body["next_sync_token"]})
    assert delta.status_code == 200
    assert delta.json()["upserts"] == []
    # Compressed, and revalidated: the same headers.
    compressed = client.get("/api/v1/bundle/", headers={"Accept-Encoding": "gzip"})
    assert json.loads(gzip.decompress(compressed.getvalue()))["sync_token"] == body["sync_token"]
    _announced(compressed, BUNDLE_LINK)
    revalidated = client.get("/api/v1/bundle/", headers={"If-None-Match": response["ETag"]})
    assert revalidated.status_code == 304
    _announced(revalidated, BUNDLE_LINK)


@pytest.mark.django_db
def test_an_error_of_a_deprecated_operation_announces_nothing(client: Client) -> None:
    response = client.get("/api/v1/bundle/", {"category": "no spaces allowed"})
    assert response.status_code == 400
    _not_announced(response)


@pytest.mark.django_db
def test_list_pages_send_relative_links_beside_the_deprecated_absolute_ones(
    client: Client, publish_many: Any
) -> None:
    publish_many(3)
    first = client.get("/api/v1/treatments/", {"page_size": 2})
    assert first.status_code == 200
    page = first.json()
    _announced(first, PAGES_LINK)
    assert page["next"].startswith("http://testserver/api/v1/treatments/?")
    assert page["links"]["next"] == page["next"].removeprefix("http://testserver")
    assert page["links"]["previous"] is None and page["previous"] is None
    # The relative link is followed like every other link: against the URL called.
    second = client.get(page["links"]["next"])
    assert second.status_code == 200
    assert second.json()["links"]["previous"] == second.json()["previous"].removeprefix(
        "http://testserver"
    )
    _announced(second, PAGES_LINK)
    # Answered again from the worker's memory (the fast path): still announced.
    again = client.get("/api/v1/treatments/", {"page_size": 2})
    assert again.content == first.content
    _announced(again, PAGES_LINK)


@pytest.mark.django_db
def test_categories_and_revisions_pages_have_links_too(client: Client, seed_published: Any) -> None:
    categories = client.get("/api/v1/categories/")
    assert categories.json()["links"] == {"next": None, "previous": None}
    _announced(categories, PAGES_LINK)
    slug = seed_published.slug
    revisions = client.get(f"/api/v1/treatments/{slug}/revisions/")
    assert revisions.json()["links"] == {"next": None, "previous": None}
    _announced(revisions, PAGES_LINK)


@pytest.mark.django_db
def test_the_editor_list_has_relative_links_and_announces_the_absolute_ones(
    client: Client, publish_many: Any, roles: dict[str, User]
) -> None:
    publish_many(3)
    client.force_login(roles["editor"])
    response = client.get("/api/v1/editor/treatments/", {"page_size": 1})
    assert response.status_code == 200
    page = response.json()
    assert page["links"]["next"] == page["next"].removeprefix("http://testserver")
    _announced(response, PAGES_LINK)


@pytest.mark.django_db
def test_a_document_that_is_not_deprecated_carries_no_deprecation(
    client: Client, seed_published: Any
) -> None:
    response = client.get(f"/api/v1/treatments/{seed_published.pk}/")
    assert response.status_code == 200
    _not_announced(response)
    assert 'rel="canonical"' in response["Link"]


def _entry(**changes: Any) -> Deprecated:
    fields = {
        "operation_id": "treatments_list",
        "method": "GET",
        "path": r"/api/v1/treatments/$",
        "change": "2026-12-05-page-absolute-links",
        "deprecated_at": dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        "sunset": dt.datetime(2028, 12, 5, tzinfo=dt.UTC),
    }
    return Deprecated(**{**fields, **changes})


def _answer(entries: tuple[Deprecated, ...], url: str, status: int = 200, **headers: str) -> Any:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(status=status)
        for name, value in headers.items():
            response[name] = value
        return response

    return DeprecationHeadersMiddleware(view, entries)(RequestFactory().get(url))


def test_a_deprecated_parameter_is_announced_only_when_the_request_uses_it() -> None:
    entries = (_entry(parameter="onset_within_weeks"),)
    _announced(_answer(entries, "/api/v1/treatments/?onset_within_weeks=2"), PAGES_LINK)
    _announced(_answer(entries, "/api/v1/treatments/?onset_within_weeks=x", 400), PAGES_LINK)
    _not_announced(_answer(entries, "/api/v1/treatments/?q=knee"))
    _not_announced(_answer(entries, "/api/v1/categories/?onset_within_weeks=2"))


def test_a_deprecated_operation_is_announced_on_success_and_304_only() -> None:
    entries = (_entry(),)
    _announced(_answer(entries, "/api/v1/treatments/"), PAGES_LINK)
    _announced(_answer(entries, "/api/v1/treatments/", 304), PAGES_LINK)
    _not_announced(_answer(entries, "/api/v1/treatments/", 429))
    _not_announced(_answer(entries, "/api/v1/treatments/knee/"))


def test_a_link_already_set_is_kept_and_several_deprecations_give_the_earliest_dates() -> None:
    later = _entry(
        change="2026-12-05-bundle-sync-token",
        deprecated_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        sunset=dt.datetime(2029, 1, 1, tzinfo=dt.UTC),
    )
    response = _answer((_entry(), later), "/api/v1/treatments/", Link='</x/>; rel="canonical"')
    assert response["Link"] == f'</x/>; rel="canonical", {PAGES_LINK}, {BUNDLE_LINK}'
    assert response["Deprecation"] == DEPRECATED_AT
    assert response["Sunset"] == SUNSET
    assert deprecation_headers([]) == {}


def test_an_entry_must_end_after_it_starts_and_name_one_kind() -> None:
    with pytest.raises(AssertionError):
        _entry(sunset=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(AssertionError):
        _entry(parameter="q", fields=("TreatmentSummary.title",))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.load((ROOT / "openapi.yaml").read_text(), Loader=yaml.CSafeLoader)


def _operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }


def test_openapi_marks_exactly_the_registered_fields_deprecated(spec: dict[str, Any]) -> None:
    marked = {
        f"{component}.{name}"
        for component, schema in spec["components"]["schemas"].items()
        for name, prop in schema.get("properties", {}).items()
        if prop.get("deprecated")
    }
    assert marked == {f for d in DEPRECATIONS for f in d.fields}
    operations = _operations(spec)
    for entry in DEPRECATIONS:
        _, _, operation = operations[entry.operation_id]
        assert {"Deprecation", "Sunset", "Link"} <= set(operation["responses"]["200"]["headers"])


def test_each_entry_matches_the_path_of_its_operation_and_no_other(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    for entry in DEPRECATIONS:
        method, path, _ = operations[entry.operation_id]
        assert method == entry.method
        for other_id, (other_method, other_path, _) in operations.items():
            sample = re.sub(r"\{[^}]+\}", "some-key", other_path)
            matches = bool(entry.pattern.match(sample)) and other_method == entry.method
            assert matches == (other_id == entry.operation_id), (
                f"api/deprecation.py: the path of {entry.operation_id} must match {path} only"
            )


def test_the_openapi_hook_refuses_an_entry_the_document_does_not_have(
    spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = copy.deepcopy({"paths": spec["paths"], "components": spec["components"]})
    monkeypatch.setattr(
        "api.deprecation.DEPRECATIONS", (_entry(fields=("TreatmentSummary.no_such_field",)),)
    )
    with pytest.raises(AssertionError, match=r"no TreatmentSummary\.no_such_field"):
        mark_deprecated(document, None, None, True)
    # Beside a real entry: a document with none of the registry's operations (a test's own
    # generator over a few routes) is left as it is.
    monkeypatch.setattr("api.deprecation.DEPRECATIONS", (_entry(), _entry(operation_id="no_such")))
    with pytest.raises(AssertionError, match="no operation 'no_such'"):
        mark_deprecated(document, None, None, True)
    monkeypatch.setattr("api.deprecation.DEPRECATIONS", (_entry(operation_id="no_such"),))
    assert mark_deprecated(document, None, None, True) is document
