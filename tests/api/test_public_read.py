"""The public read API: lists, filters, search, detail, revisions, diffs and the schema."""

import json
from typing import Any

import jsonschema
import pytest
from django.test import Client

from tests.conftest import edit_and_publish, make_variant
from treatments import services

pytestmark = pytest.mark.django_db
BASE = "/api/v1"
SLUG = "bone-marrow-stem-cell-injection"


def _get(client: Client, url: str, **headers: Any) -> Any:
    return client.get(url, headers=headers)


def test_list_returns_compact_summaries(client: Client, seed_published: Any) -> None:
    body = _get(client, f"{BASE}/treatments/").json()
    assert body["next"] is None and len(body["results"]) == 1
    item = body["results"][0]
    assert set(item) == {
        "id",
        "slug",
        "title",
        "summary",
        "category",
        "classification",
        "tissue_source",
        "revision",
        "published_at",
        "language",
        "links",
    }
    assert item["slug"] == SLUG and item["revision"] == 1 and item["language"] == "en"
    assert "procedure" not in item, "lists stay small; the document is at links.self"


def test_detail_serves_every_section_of_the_published_document(
    client: Client, seed_published: Any
) -> None:
    response = _get(client, f"{BASE}/treatments/{SLUG}/")
    assert response.status_code == 200
    document = response.json()
    for section in (
        "procedure",
        "risks",
        "recovery_rules",
        "timeline",
        "course",
        "safety",
        "mechanism",
        "comparisons",
        "review",
        "sources",
        "licence",
        "links",
    ):
        assert section in document
    assert len(document["procedure"]["steps"]) == 4
    schema = _get(client, f"{BASE}/schema/treatment-document/").json()
    jsonschema.validate(document, schema)


def test_detail_by_uuid_and_by_former_slug(client: Client, seed_published: Any) -> None:
    by_id = _get(client, f"{BASE}/treatments/{seed_published.pk}/")
    assert by_id.status_code == 200 and by_id.json()["slug"] == SLUG
    edit_and_publish(seed_published.pk, lambda c: c.update(slug="bmsc-injection"))
    old = _get(client, f"{BASE}/treatments/{SLUG}/")
    assert old.status_code == 200 and old.json()["slug"] == "bmsc-injection"
    assert old["Link"] == '</api/v1/treatments/bmsc-injection/>; rel="canonical"'


def test_drafts_and_unpublished_treatments_are_invisible(client: Client, seed_draft: Any) -> None:
    assert _get(client, f"{BASE}/treatments/").json()["results"] == []
    response = _get(client, f"{BASE}/treatments/{SLUG}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_revisions_history_detail_and_diff(client: Client, seed_published: Any) -> None:
    edit_and_publish(seed_published.pk, lambda c: c["course"].update(text="Changed course text."))
    history = _get(client, f"{BASE}/treatments/{SLUG}/revisions/").json()["results"]
    assert [r["revision"] for r in history] == [2, 1]
    first = _get(client, f"{BASE}/treatments/{SLUG}/revisions/1/")
    assert first.json()["revision"] == 1
    # Not `immutable`: a withdrawn treatment's revisions must leave caches (they answer 410).
    assert first["Cache-Control"] == "public, max-age=300, stale-while-revalidate=60"
    diff = _get(client, f"{BASE}/treatments/{SLUG}/revisions/1/diff/2/").json()
    assert {"op": "replace", "path": "/course/text", "value": "Changed course text."} in (
        diff["patch"]
    )
    assert _get(client, f"{BASE}/treatments/{SLUG}/revisions/9/").status_code == 404


def test_categories_list_only_categories_with_live_treatments(
    client: Client, seed_draft: Any, seed_published: Any
) -> None:
    results = _get(client, f"{BASE}/categories/").json()["results"]
    assert results == [
        {"slug": "pain-treatments", "name": "Pain Treatments", "description": "", "language": "en"}
    ]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("category=pain-treatments", True),
        ("category=other", False),
        ("classification=biological", True),
        ("classification=surgical", False),
        ("tissue_source=autologous", True),
        ("tissue_source=allogeneic", False),
        ("restricted_activity=running", True),
        ("restricted_activity=driving", True),
        ("restricted_activity=alcohol", False),
        ("onset_within_weeks=12", True),
        ("onset_within_weeks=11", False),
        ("review_status=current", True),
        ("review_status=overdue", False),
        ("changed_since=2000-01-01T00:00:00Z", True),
        ("changed_since=2999-01-01T00:00:00Z", False),
        ("changed_since=2000-01-01T00:00:00-21:51", True),
        ("changed_since=2066-12-16T22:03:57%2B23:59", False),
        ("q=hip", True),
        ("q=corticosteroids", True),
        ("q=hip+x-ray", True),
        ("q=chemotherapy", False),
    ],
)
def test_filters_and_search(client: Client, seed_published: Any, query: str, found: bool) -> None:
    response = _get(client, f"{BASE}/treatments/?{query}")
    assert response.status_code == 200, response.content
    assert bool(response.json()["results"]) is found


@pytest.mark.parametrize(
    "query",
    [
        "unknown=1",
        "page_size=0",
        "page_size=101",
        "page_size=ten",
        "ordering=summary",
        "classification=magic",
        "onset_within_weeks=-1",
        "onset_within_weeks=abc",
        "changed_since=yesterday",
        "cursor=garbage",
        "q=" + "x" * 201,
        "changed_since=",
        "changed_since=9999-12-31T23:59:00-23:59",
        "category=",
        "classification=biological&classification=surgical",
    ],
)
def test_bad_query_parameters_are_a_400_problem(
    client: Client, seed_published: Any, query: str
) -> None:
    response = _get(client, f"{BASE}/treatments/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["errors"]
    assert problem["errors"][0]["field"] == query.split("=")[0]


def test_cursor_pagination_walks_every_item_once_in_order(
    client: Client, seed_data: dict[str, Any], db: Any
) -> None:
    for index in range(7):
        services.content_load(content=make_variant(seed_data, index), publish=True)
    seen: list[str] = []
    url: str | None = f"{BASE}/treatments/?page_size=3&ordering=-title"
    while url:
        body = _get(client, url).json()
        seen.extend(item["title"] for item in body["results"])
        url = body["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 7


def test_unknown_query_parameter_on_detail_is_rejected(client: Client, seed_published: Any) -> None:
    response = _get(client, f"{BASE}/treatments/{SLUG}/?fields=title")
    assert response.status_code == 400


def test_the_document_schema_endpoint_describes_the_document(client: Client, db: Any) -> None:
    schema = _get(client, f"{BASE}/schema/treatment-document/").json()
    assert schema["$schema"].endswith("2020-12/schema")
    assert "procedure" in schema["properties"]
    assert json.dumps(schema).count("LikelihoodBand") >= 1


def test_throttled_clients_get_a_429_problem_with_retry_after(
    client: Client, seed_published: Any, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "2/minute"},
    }
    statuses = [_get(client, f"{BASE}/treatments/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = _get(client, f"{BASE}/treatments/")
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    cache.clear()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "bone\x1bmarrow"}, "q"),
        ({"q": "right\u202eleft"}, "q"),
        ({"category": "Not a slug"}, "category"),
    ],
)
def test_list_parameters_outside_their_documented_pattern_are_400(
    client: Client, seed_published: Any, query: dict[str, str], field: str
) -> None:
    response = client.get(f"{BASE}/treatments/", query)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_api_root_links_to_everything_that_answers(client: Client, seed_published: Any) -> None:
    body = client.get(f"{BASE}/").json()
    for name, path in body["links"].items():
        if name == "editor":
            assert client.get(path).status_code == 401, "the editor API needs a token"
        else:
            assert client.get(path).status_code == 200, name
    assert client.get("/api/")["Location"] == "/api/v1/"
    assert client.get("/")["Location"] == "/api/docs/"
