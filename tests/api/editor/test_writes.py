"""Editor writes: preconditions, validation with JSON Pointers, bad bodies, import/export."""

import json
from typing import Any

import pytest

from tests.editorial.support import approve
from treatments.models import AuditEntry, Revision, Treatment

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher(clients: dict[str, TokenClient]) -> TokenClient:
    return clients["publisher"]


def _item(t: Treatment) -> str:
    return f"{BASE}/treatments/{t.pk}/"


def _unchanged(t: Treatment) -> bool:
    before = t.version
    t.refresh_from_db()
    return t.version == before


def test_missing_if_match_is_428(publisher: TokenClient, seed_published: Any) -> None:
    response = publisher.request("PATCH", _item(seed_published), {"summary": "x"})
    assert response.status_code == 428
    assert _unchanged(seed_published)


def test_stale_if_match_is_412_with_the_current_etag(
    publisher: TokenClient, seed_published: Any
) -> None:
    stale = etag_of(seed_published)
    ok = publisher.request(
        "PATCH", _item(seed_published), {"summary": "First."}, **{"If-Match": stale}
    )
    assert ok.status_code == 200
    response = publisher.request(
        "PATCH", _item(seed_published), {"summary": "Second."}, **{"If-Match": stale}
    )
    assert response.status_code == 412
    assert response["ETag"] == etag_of(seed_published) == ok["ETag"]
    assert Treatment.objects.get().summary == "First."


@pytest.mark.parametrize("header", ["nonsense", '"wc-x-v1', '"a" "b"', "*, *", 'w/"wc-x-v1"'])
def test_malformed_if_match_is_400(
    publisher: TokenClient, seed_published: Any, header: str
) -> None:
    response = publisher.request(
        "PATCH", _item(seed_published), {"summary": "x"}, **{"If-Match": header}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert _unchanged(seed_published)


@pytest.mark.parametrize("header", ['W/"wc-x-v1"', '"a", "b"', '"wc-zz-v1"', '"stale-0"'])
def test_a_well_formed_if_match_that_is_not_the_current_etag_is_412(
    publisher: TokenClient, seed_published: Any, header: str
) -> None:
    response = publisher.request(
        "PATCH", _item(seed_published), {"summary": "x"}, **{"If-Match": header}
    )
    assert response.status_code == 412
    assert response["ETag"] == etag_of(seed_published)
    assert _unchanged(seed_published)


def test_if_match_star_writes_to_the_existing_working_copy(
    publisher: TokenClient, seed_published: Any
) -> None:
    before = seed_published.version
    response = publisher.request(
        "PATCH", _item(seed_published), {"summary": "Star."}, **{"If-Match": "*"}
    )
    assert response.status_code == 200
    assert response["ETag"] == etag_of(seed_published)
    assert seed_published.version == before + 1 and seed_published.summary == "Star."


def test_if_match_of_another_treatment_is_412(
    publisher: TokenClient, seed_published: Any, seed_data: dict[str, Any]
) -> None:
    other = publisher.request("POST", f"{BASE}/treatments/", {**seed_data, "slug": "other"})
    response = publisher.request(
        "PATCH", _item(seed_published), {"summary": "x"}, **{"If-Match": other["ETag"]}
    )
    assert response.status_code == 412
    assert response["ETag"] == etag_of(seed_published)
    assert "another treatment" in response.json()["detail"]


@pytest.mark.parametrize(
    ("patch", "pointer"),
    [
        ({"title": ""}, "/title"),
        ({"slug": "Not A Slug"}, "/slug"),
        ({"course": {"sessions": {"min": 3, "max": 2}}}, "/course/sessions"),
        ({"course": {"sessions": {"min": 0}}}, "/course/sessions/min"),
        ({"course": {"interval": {"min": 1}}}, "/course/interval/unit"),
        (
            {
                "timeline": [
                    {
                        "kind": "onset",
                        "label": "x",
                        "patient_text": "x",
                        "range": {"min": 9, "max": 2, "unit": "week"},
                    }
                ]
            },
            "/timeline/0/range",
        ),
        (
            {
                "timeline": [
                    {
                        "kind": "onset",
                        "label": "x",
                        "patient_text": "x",
                        "range": {"max": 2, "unit": "week", "open_ended": True},
                    }
                ]
            },
            "/timeline/0/range",
        ),
        (
            {
                "recovery_rules": [
                    {
                        "activity": "driving",
                        "activity_label": "driving",
                        "restriction": "avoid",
                        "patient_text": "x",
                        "window": {"start": 3, "end": 1, "unit": "day"},
                    }
                ]
            },
            "/recovery_rules/0/window",
        ),
        (
            {
                "recovery_rules": [
                    {
                        "activity": "driving",
                        "activity_label": "driving",
                        "restriction": "avoid",
                        "patient_text": "x",
                        "window": {"start": 0, "end": 1, "unit": "hour", "calendar_days": True},
                    }
                ]
            },
            "/recovery_rules/0/window",
        ),
        (
            {
                "recovery_rules": [
                    {
                        "activity": "driving",
                        "activity_label": "d",
                        "restriction": "avoid",
                        "patient_text": "x",
                        "window": {"unit": "day"},
                        "condition": {"code": "other"},
                    }
                ]
            },
            "/recovery_rules/0/condition",
        ),
        (
            {
                "recovery_rules": [
                    {
                        "activity": "flying",
                        "activity_label": "d",
                        "restriction": "avoid",
                        "patient_text": "x",
                        "window": {"unit": "day"},
                    }
                ]
            },
            "/recovery_rules/0/activity",
        ),
        (
            {
                "procedure": {
                    "steps": [{"title": "t", "detail": "d", "quantity": {"min": -1, "unit": "cc"}}]
                }
            },
            "/procedure/steps/0/quantity/min",
        ),
        (
            {"procedure": {"steps": [{"title": "t", "detail": "d", "quantity": {"unit": "cc"}}]}},
            "/procedure/steps/0/quantity",
        ),
        (
            {
                "risks": {
                    "items": [{"name": "n", "description": "d", "likelihood": {"band": "often"}}]
                }
            },
            "/risks/items/0/likelihood/band",
        ),
        (
            {"review": {"last_reviewed_on": "2026-05-01", "next_review_due": "2026-01-01"}},
            "/review",
        ),
        ({"sources": [{"title": "t", "url": "not a url"}]}, "/sources/0/url"),
        ({"summary": "nul \u0000 byte"}, "/summary"),
        ({"summary": "x" * 501}, "/summary"),
        ({"procedure": {"steps": [{"title": "t", "detail": "d"}] * 101}}, "/procedure/steps"),
        ({"surprise": 1}, "/surprise"),
        ({"id": "451fd2ca-b287-5ddf-b44a-6e2ba2a29040"}, "/id"),
        ({"revision": 4}, "/revision"),
        ({"published_at": "2026-01-01T00:00:00Z"}, "/published_at"),
    ],
)
def test_each_validation_rule_points_into_the_body(
    publisher: TokenClient, seed_published: Any, patch: dict[str, Any], pointer: str
) -> None:
    response = publisher.request(
        "PATCH", _item(seed_published), patch, **{"If-Match": etag_of(seed_published)}
    )
    assert response.status_code == 400, response.content
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    pointers = [e["pointer"] for e in problem["errors"]]
    assert pointer in pointers, pointers
    assert _unchanged(seed_published)


def test_a_slug_taken_by_another_treatment_is_rejected(
    publisher: TokenClient, seed_published: Any, seed_data: dict[str, Any]
) -> None:
    publisher.request("POST", f"{BASE}/treatments/", {**seed_data, "slug": "taken"})
    response = publisher.request(
        "PATCH", _item(seed_published), {"slug": "taken"}, **{"If-Match": etag_of(seed_published)}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/slug"
    assert _unchanged(seed_published)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"summary": NaN}', "application/json", 400),
        (b"\x00\x01\x02", "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b'{"summary": 5}', "application/json", 400),
        (b'{"course": {"sessions": {"min": "two"}}}', "application/json", 400),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (json.dumps({"a": {"b": {"c": {"d": 1}}}}).encode(), "application/json", 400),
        (b"summary=x", "application/x-www-form-urlencoded", 415),
        (b"<xml/>", "text/xml", 415),
    ],
)
def test_bad_bodies_give_a_4xx_and_change_nothing(
    publisher: TokenClient, seed_published: Any, body: bytes, content_type: str, status: int
) -> None:
    audits = AuditEntry.objects.count()
    response = publisher.client.patch(
        _item(seed_published),
        data=body,
        content_type=content_type,
        headers={**publisher.headers, "If-Match": etag_of(seed_published)},
    )
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert _unchanged(seed_published) and AuditEntry.objects.count() == audits


def test_a_deeply_nested_body_is_refused(publisher: TokenClient, seed_published: Any) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"k": deep}
    response = publisher.request(
        "PATCH", _item(seed_published), {"overview": deep}, **{"If-Match": etag_of(seed_published)}
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_a_huge_body_is_413(publisher: TokenClient, seed_published: Any) -> None:
    body = json.dumps({"overview": "x" * (2 * 1024 * 1024)})
    response = publisher.request(
        "PATCH", _item(seed_published), body, **{"If-Match": etag_of(seed_published)}
    )
    assert response.status_code == 413
    assert _unchanged(seed_published)


def test_put_replaces_everything_atomically_and_audits_user_and_request_id(
    publisher: TokenClient, seed_published: Any, seed_data: dict[str, Any]
) -> None:
    seed_data["procedure"]["steps"] = seed_data["procedure"]["steps"][:2]
    seed_data["recovery_rules"] = []
    response = publisher.request(
        "PUT",
        _item(seed_published),
        seed_data,
        **{"If-Match": etag_of(seed_published), "X-Request-ID": "req-42"},
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["content"]["procedure"]["steps"]) == 2
    assert body["content"]["recovery_rules"] == []
    assert body["state"] == "live" and body["has_unpublished_changes"] is True
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert (entry.action, entry.actor_label, entry.request_id) == ("update", "publisher", "req-42")
    assert response["X-Request-ID"] == "req-42"
    trail = publisher.request("GET", f"{_item(seed_published)}audit/").json()["results"]
    assert trail[0]["request_id"] == "req-42" and trail[0]["actor"] == "publisher"


def test_drafts_stay_private_until_published(
    publisher: TokenClient, seed_published: Any, client: Any
) -> None:
    publisher.request(
        "PATCH",
        _item(seed_published),
        {"overview": "CANARY-editor-draft"},
        **{"If-Match": etag_of(seed_published)},
    )
    public = client.get(f"/api/v1/treatments/{seed_published.slug}/")
    assert b"CANARY-editor-draft" not in public.content
    preview = publisher.request("GET", f"{_item(seed_published)}preview/")
    assert preview.json()["overview"] == "CANARY-editor-draft"
    assert preview.json()["revision"] == 2
    assert preview["Cache-Control"] == "private, no-store"
    approve(seed_published)  # a clinical reviewer signs the draft off (four eyes)
    outcome = publisher.request(
        "POST",
        f"{_item(seed_published)}publish/",
        {"change_note": "go"},
        **{"If-Match": etag_of(seed_published)},
    )
    assert outcome.status_code == 200 and outcome.json()["created"] is True
    assert (
        b"CANARY-editor-draft" in client.get(f"/api/v1/treatments/{seed_published.slug}/").content
    )


def test_publish_refused_without_review_is_409(publisher: TokenClient, seed_published: Any) -> None:
    publisher.request(
        "PATCH",
        _item(seed_published),
        {"review": {"reviewer": ""}},
        **{"If-Match": etag_of(seed_published)},
    )
    response = publisher.request(
        "POST", f"{_item(seed_published)}publish/", {}, **{"If-Match": etag_of(seed_published)}
    )
    assert response.status_code == 409
    assert "review.reviewer" in response.json()["detail"]
    assert Revision.objects.count() == 1


def test_delete_is_soft_and_restore_brings_it_back(
    publisher: TokenClient, seed_published: Any, client: Any
) -> None:
    deleted = publisher.request(
        "DELETE", _item(seed_published), **{"If-Match": etag_of(seed_published)}
    )
    assert deleted.status_code == 200 and deleted.json()["state"] == "deleted"
    assert client.get(f"/api/v1/treatments/{seed_published.slug}/").status_code == 410
    listed = publisher.request("GET", f"{BASE}/treatments/?state=deleted").json()["results"]
    assert [item["id"] for item in listed] == [str(seed_published.pk)]
    restored = publisher.request(
        "POST", f"{_item(seed_published)}restore/", {}, **{"If-Match": etag_of(seed_published)}
    )
    assert restored.status_code == 200 and restored.json()["state"] == "unpublished"
    assert client.get(f"/api/v1/treatments/{seed_published.slug}/").status_code == 410


def test_revert_via_the_api(publisher: TokenClient, seed_published: Any) -> None:
    publisher.request(
        "PATCH",
        _item(seed_published),
        {"summary": "Second."},
        **{"If-Match": etag_of(seed_published)},
    )
    approve(seed_published)
    publisher.request(
        "POST", f"{_item(seed_published)}publish/", {}, **{"If-Match": etag_of(seed_published)}
    )
    response = publisher.request(
        "POST",
        f"{_item(seed_published)}revert/",
        {"revision": 1},
        **{"If-Match": etag_of(seed_published)},
    )
    assert response.status_code == 200 and response.json()["revision"] == 3
    missing = publisher.request(
        "POST",
        f"{_item(seed_published)}revert/",
        {"revision": 9},
        **{"If-Match": etag_of(seed_published)},
    )
    assert missing.status_code == 404


def test_export_then_import_round_trips_losslessly(
    publisher: TokenClient, seed_published: Any
) -> None:
    exported = publisher.request("GET", f"{_item(seed_published)}export/").json()
    dry = publisher.request("POST", f"{BASE}/import/?dry_run=true", exported)
    assert dry.json()["action"] == "unchanged"
    # A copy of its own: without the id (with it, the import would rename this treatment).
    renamed = {key: value for key, value in exported.items() if key != "id"}
    renamed["slug"] = "imported-copy"
    created = publisher.request("POST", f"{BASE}/import/", renamed)
    assert created.status_code == 201 and created.json()["action"] == "created"
    copy_id = created.json()["working_copy"]["id"]
    again = publisher.request("GET", f"{BASE}/treatments/{copy_id}/export/").json()
    assert again == {"id": copy_id, **renamed}
    changed = {**exported, "summary": "Changed by import."}
    needs_etag = publisher.request("POST", f"{BASE}/import/", changed)
    assert needs_etag.status_code == 428
    planned = publisher.request("POST", f"{BASE}/import/?dry_run=true", changed)
    assert planned.json()["action"] == "updated"
    assert Treatment.objects.get(pk=seed_published.pk).summary != "Changed by import."
    updated = publisher.request(
        "POST", f"{BASE}/import/", changed, **{"If-Match": etag_of(seed_published)}
    )
    assert updated.status_code == 200 and updated.json()["action"] == "updated"


def test_create_returns_201_location_and_etag(
    publisher: TokenClient, seed_data: dict[str, Any], db: Any
) -> None:
    response = publisher.request("POST", f"{BASE}/treatments/", seed_data)
    assert response.status_code == 201
    treatment = Treatment.objects.get()
    assert response["Location"] == f"{BASE}/treatments/{treatment.pk}/"
    assert response["ETag"] == etag_of(treatment)
    assert response.json()["state"] == "draft"
    duplicate = publisher.request("POST", f"{BASE}/treatments/", seed_data)
    assert duplicate.status_code == 400 and duplicate.json()["errors"][0]["pointer"] == "/slug"


@pytest.mark.parametrize(
    ("category", "message"),
    [
        ({"slug": "pain-treatments", "name": "Renamed"}, "is named 'Pain Treatments'"),
        ({"slug": "new-category", "name": "Pain Treatments"}, "already named"),
    ],
)
def test_category_conflicts_are_400_not_500(
    publisher: TokenClient,
    seed_published: Any,
    seed_data: dict[str, Any],
    category: dict[str, str],
    message: str,
) -> None:
    response = publisher.request(
        "POST", f"{BASE}/treatments/", {**seed_data, "slug": "other", "category": category}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/category/name" and message in error["message"]
    assert Treatment.objects.count() == 1


def test_a_null_action_body_is_rejected(publisher: TokenClient, seed_published: Any) -> None:
    response = publisher.request(
        "POST",
        f"{_item(seed_published)}unpublish/",
        b"null",
        **{"If-Match": etag_of(seed_published)},
    )
    assert response.status_code == 400
    assert _unchanged(seed_published)
