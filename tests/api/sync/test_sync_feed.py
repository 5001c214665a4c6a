"""The delta sync feed and the offline bundle, as an app would use them."""

import gzip
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from treatments import services
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import Publication, Treatment

pytestmark = pytest.mark.django_db
SYNC = "/api/v1/sync/"


@dataclass
class App:
    """A phone's offline replica: documents by id, kept current by the sync feed."""

    client: Client
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    token: str = ""
    calls: int = 0

    def page(self, token: str, **params: Any) -> dict[str, Any]:
        query = {**params, **({"token": token} if token else {})}
        response = self.client.get(SYNC, query)
        self.calls += 1
        assert response.status_code == 200, response.content
        body = response.json()
        for document in body["upserts"]:
            self.documents[document["id"]] = document
        for tombstone in body["deletions"]:
            self.documents.pop(tombstone["id"], None)
        return body

    def sync(self, page_size: int = 2, **scope: Any) -> None:
        """Run a whole sync (full or delta), following page tokens to the end."""
        body = self.page(self.token, page_size=page_size, **({} if self.token else scope))
        seen = {d["id"] for d in body["upserts"]} | {d["id"] for d in body["deletions"]}
        while body["next_page_token"]:
            body = self.page(body["next_page_token"], page_size=page_size)
            ids = {d["id"] for d in body["upserts"]} | {d["id"] for d in body["deletions"]}
            assert not seen & ids, "a treatment appears at most once per sync"
            seen |= ids
        self.token = body["next_sync_token"]
        assert self.token


def live_documents(**scope: str) -> dict[str, int]:
    rows = Publication.objects.live()
    if "category" in scope:
        rows = rows.filter(category_slug=scope["category"])
    return {str(p.treatment_id): p.revision_number for p in rows}


def replica(app: App) -> dict[str, int]:
    return {i: d["revision"] for i, d in app.documents.items()}


def _version(treatment_id: Any) -> int:
    return Treatment.objects.get(pk=treatment_id).version


def _edit_and_publish(treatment_id: Any, **changes: Any) -> None:
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment_id))
    content.update(changes)
    services.treatment_replace(
        treatment_id=treatment_id,
        content=services.content_validate(content),
        expected_version=_version(treatment_id),
        actor=None,
    )
    services.treatment_publish(
        treatment_id=treatment_id, expected_version=_version(treatment_id), actor=None
    )


def _variant(seed_data: dict[str, Any], index: int, category: str = "pain-treatments") -> Any:
    data = {**seed_data, "slug": f"variant-{index}", "title": f"Variant {index}"}
    if category != "pain-treatments":
        data["category"] = {"slug": category, "name": category.replace("-", " ").title()}
    content = services.content_load(content=TreatmentContent.model_validate(data), publish=True)
    return Treatment.objects.get(slug=content.slug)


def test_a_full_sync_pages_through_every_live_document_then_deltas_are_empty(
    client: Client, publish_many: Any
) -> None:
    publish_many(5)
    app = App(client)
    app.sync(page_size=2)
    assert app.calls == 3
    assert replica(app) == live_documents()
    empty = client.get(SYNC, {"token": app.token})
    assert empty.json() == {
        "upserts": [],
        "deletions": [],
        "next_page_token": None,
        "next_sync_token": app.token,
    }
    again = client.get(SYNC, {"token": app.token}, headers={"If-None-Match": empty["ETag"]})
    assert again.status_code == 304 and again["ETag"] == empty["ETag"]
    assert empty["Cache-Control"] == "public, no-cache"


def test_a_delta_carries_upserts_and_tombstones_each_treatment_once_in_its_latest_state(
    client: Client, seed_data: dict[str, Any]
) -> None:
    a, b, c = (_variant(seed_data, i) for i in range(3))
    app = App(client)
    app.sync()
    _edit_and_publish(a.pk, summary="First change.")
    _edit_and_publish(a.pk, summary="Second change.")
    services.treatment_unpublish(treatment_id=b.pk, expected_version=_version(b.pk), actor=None)
    services.treatment_delete(treatment_id=c.pk, expected_version=_version(c.pk), actor=None)
    body = client.get(SYNC, {"token": app.token}).json()
    assert [(d["id"], d["summary"], d["revision"]) for d in body["upserts"]] == [
        (str(a.pk), "Second change.", 3)
    ]
    assert [(t["id"], t["slug"], t["reason"]) for t in body["deletions"]] == [
        (str(b.pk), b.slug, "unpublished"),
        (str(c.pk), c.slug, "deleted"),
    ]
    assert all(t["since"] for t in body["deletions"])
    assert body["upserts"][0]["links"]["self"] == f"/api/v1/treatments/{a.slug}/"


def test_draft_edits_do_not_appear_in_a_delta(client: Client, seed_data: dict[str, Any]) -> None:
    treatment = _variant(seed_data, 0)
    app = App(client)
    app.sync()
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = "An unpublished draft edit."
    services.treatment_replace(
        treatment_id=treatment.pk,
        content=services.content_validate(content),
        expected_version=_version(treatment.pk),
        actor=None,
    )
    assert client.get(SYNC, {"token": app.token}).json()["upserts"] == []


def test_a_client_that_dies_between_pages_resumes_without_gap_or_duplicate(
    client: Client, publish_many: Any
) -> None:
    publish_many(5)
    first = client.get(SYNC, {"page_size": 2}).json()
    # The app dies before storing page 2, restarts, and asks for the same page again.
    second = client.get(SYNC, {"token": first["next_page_token"], "page_size": 2}).json()
    retried = client.get(SYNC, {"token": first["next_page_token"], "page_size": 2}).json()
    assert retried == second
    third = client.get(SYNC, {"token": second["next_page_token"], "page_size": 2}).json()
    ids = [d["id"] for page in (first, second, third) for d in page["upserts"]]
    assert len(ids) == len(set(ids)) == 5


def test_a_changed_token_is_refused(client: Client, seed_published: Any) -> None:
    token = client.get(SYNC).json()["next_sync_token"]
    payload, signature = str(token).split(":", 1)
    for forged in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + signature, "x"):
        response = client.get(SYNC, {"token": forged})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "token"


def test_the_scope_is_bound_into_the_token(client: Client, seed_data: dict[str, Any]) -> None:
    _variant(seed_data, 0, "pain-treatments")
    moved = _variant(seed_data, 1, "sports-medicine")
    app = App(client)
    app.sync(category="sports-medicine")
    assert replica(app) == live_documents(category="sports-medicine") == {str(moved.pk): 1}
    refused = client.get(SYNC, {"token": app.token, "category": "pain-treatments"})
    assert refused.status_code == 400
    # Moving the treatment to another category takes it out of this app's scope.
    _edit_and_publish(moved.pk, category={"slug": "pain-treatments", "name": "Pain Treatments"})
    body = client.get(SYNC, {"token": app.token}).json()
    assert [(t["id"], t["reason"]) for t in body["deletions"]] == [(str(moved.pk), "out_of_scope")]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"category": "Not A Slug"}, "category"),
        ({"language": "english!"}, "language"),
        ({"cursor": "x"}, "cursor"),
    ],
)
def test_bad_sync_parameters_are_400_naming_the_field(
    client: Client, seed_published: Any, query: dict[str, str], field: str
) -> None:
    response = client.get(SYNC, query)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_token_older_than_the_kept_changes_is_410_gone(
    client: Client, seed_data: dict[str, Any]
) -> None:
    treatment = _variant(seed_data, 0)
    token = client.get(SYNC).json()["next_sync_token"]
    _edit_and_publish(treatment.pk, summary="Changed after the app synced.")
    with override_settings(SYNC_LOG_RETENTION_DAYS=0):
        response = client.get(SYNC, {"token": token})
    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    assert "full sync" in response.json()["detail"]


def test_an_app_that_installs_the_bundle_then_syncs_converges(
    client: Client, publish_many: Any, seed_data: dict[str, Any]
) -> None:
    publish_many(3)
    response = client.get("/api/v1/bundle/", headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    bundle = json.loads(gzip.decompress(response.getvalue()))
    app = App(
        client, documents={d["id"]: d for d in bundle["documents"]}, token=bundle["sync_token"]
    )
    assert replica(app) == live_documents()
    extra = _variant(seed_data, 99)
    first = Treatment.objects.exclude(pk=extra.pk).order_by("slug").first()
    assert first is not None
    services.treatment_unpublish(
        treatment_id=first.pk, expected_version=_version(first.pk), actor=None
    )
    app.sync()
    assert replica(app) == live_documents()


def test_the_bundle_is_built_once_per_change_with_strong_etags(
    client: Client, seed_data: dict[str, Any]
) -> None:
    from events.models import BundlePart

    treatment = _variant(seed_data, 0)
    first = client.get("/api/v1/bundle/")
    built = BundlePart.objects.get()
    client.get("/api/v1/bundle/")
    assert list(BundlePart.objects.all()) == [built], "no rebuild without a change"
    again = client.get("/api/v1/bundle/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    zipped = client.get("/api/v1/bundle/", headers={"Accept-Encoding": "gzip"})
    assert zipped["ETag"] == first["ETag"][:-1] + '-gzip"'
    assert (
        client.get("/api/v1/bundle/", headers={"Accept-Encoding": "gzip"}).getvalue()
        == zipped.getvalue()
    ), "the same bytes each time: a strong ETag holds"
    _edit_and_publish(treatment.pk, summary="Changed.")
    changed = client.get("/api/v1/bundle/")
    assert changed["ETag"] != first["ETag"]
    assert json.loads(changed.getvalue())["documents"][0]["summary"] == "Changed."


def test_a_withdrawn_treatment_answers_410_at_its_document_and_revision_urls(
    client: Client, seed_published: Any
) -> None:
    slug = seed_published.slug
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=_version(seed_published.pk), actor=None
    )
    for url in (
        f"/api/v1/treatments/{slug}/",
        f"/api/v1/treatments/{seed_published.pk}/",
        f"/api/v1/treatments/{slug}/revisions/",
        f"/api/v1/treatments/{slug}/revisions/1/",
    ):
        response = client.get(url)
        assert response.status_code == 410, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["withdrawn_at"]
    assert client.get("/api/v1/treatments/never-published/").status_code == 404


def test_documents_say_their_language(client: Client, seed_published: Any) -> None:
    response = client.get(f"/api/v1/treatments/{seed_published.slug}/")
    assert response["Content-Language"] == "en"
    assert response.json()["language"] == "en"


def test_an_up_to_date_token_is_answered_from_memory_and_a_local_publish_is_seen_at_once(
    client: Client,
    seed_data: dict[str, Any],
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    treatment = _variant(seed_data, 0)
    token = client.get(SYNC).json()["next_sync_token"]
    with override_settings(PUBLIC_MEMORY_TTL=60.0):
        first = client.get(SYNC, {"token": token})  # reads the head, remembers it
        with django_assert_num_queries(0):
            again = client.get(SYNC, {"token": token}, headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 304 and again["ETag"] == first["ETag"]
        with django_capture_on_commit_callbacks(execute=True):  # as if committed
            _edit_and_publish(treatment.pk, summary="Published in this process.")
        body = client.get(SYNC, {"token": token}).json()
        assert [d["summary"] for d in body["upserts"]] == ["Published in this process."]
        refused = client.get(SYNC, {"token": token + "x"})
        assert refused.status_code == 400, "a changed token still goes through validation"


def test_an_up_to_date_poll_is_answered_before_url_resolution_as_the_view_answers_it(
    client: Client, seed_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.v1.hot_reads import HotReadMiddleware
    from api.v1.sync.views import SyncView

    token = client.get(SYNC).json()["next_sync_token"]
    dispatched: list[str] = []
    original = SyncView.dispatch

    def counted(view: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        dispatched.append(request.get_full_path())
        return original(view, request, *args, **kwargs)

    monkeypatch.setattr(SyncView, "dispatch", counted)
    with override_settings(PUBLIC_MEMORY_TTL=60.0):
        early = [client.get(SYNC, {"token": token})]
        tag = {"If-None-Match": early[0]["ETag"]}
        early.append(client.get(SYNC, {"token": token}, headers=tag))
        assert dispatched == [], "the middleware answers an up-to-date poll itself"
        assert [r.status_code for r in early] == [200, 304]
        # Without the middleware's early answer, the view's own dispatch answers the same.
        monkeypatch.setattr(HotReadMiddleware, "__call__", lambda self, r: self.get_response(r))
        late = [client.get(SYNC, {"token": token})]
        late.append(client.get(SYNC, {"token": token}, headers=tag))
        assert len(dispatched) == 2
    for a, b in zip(early, late, strict=True):
        assert (a.status_code, a.content) == (b.status_code, b.content)
        assert {k: v for k, v in a.items() if k.lower() != "x-request-id"} == {
            k: v for k, v in b.items() if k.lower() != "x-request-id"
        }
    assert json.loads(early[0].content) == {
        "upserts": [],
        "deletions": [],
        "next_page_token": None,
        "next_sync_token": token,
    }
