"""The stored bundle: parts built by the worker, served from the database with ETag and ranges,
listed by the manifest, and never serving a withdrawn treatment."""

import gzip
import json
from typing import Any

import pytest
from django.test import Client

from api.v1.sync import bundles
from events.models import BundleChunk, BundlePart
from treatments.models import Publication, Treatment

from ...events.support import edit_and_publish, run_tasks
from .bundle_support import PAIN, publish_copy, unpublish

pytestmark = pytest.mark.django_db
BUNDLE = "/api/v1/bundle/"
MANIFEST = "/api/v1/bundle/manifest/"
GZIP = {"Accept-Encoding": "gzip"}


def _publish(seed_data: dict[str, Any], index: int, *, category: str = PAIN) -> Treatment:
    return publish_copy(seed_data, f"part-{index}", category=category)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _slugs(gzipped: bytes) -> set[str]:
    return {d["slug"] for d in json.loads(gzip.decompress(gzipped))["documents"]}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 97 bytes, so that a bundle of a few documents spans many of them."""
    monkeypatch.setattr(bundles, "CHUNK_BYTES", 97)
    monkeypatch.setattr(bundles, "CHUNKS_PER_READ", 2)
    return 97


def test_the_bundle_is_stored_in_chunks_and_the_same_bytes_come_back(
    client: Client, seed_data: dict[str, Any], small_chunks: int
) -> None:
    for index in range(3):
        _publish(seed_data, index)
    zipped = client.get(BUNDLE, headers=GZIP)
    assert zipped.status_code == 200 and zipped.streaming, "streamed, not held whole"
    body = _body(zipped)
    part = BundlePart.objects.get()
    assert int(zipped["Content-Length"]) == len(body) == part.size
    assert BundleChunk.objects.filter(part=part).count() == -(-part.size // small_chunks)
    assert _slugs(body) == {"part-0", "part-1", "part-2"} and part.documents == 3
    plain = client.get(BUNDLE)
    assert "Content-Encoding" not in plain
    assert _body(plain) == gzip.decompress(body)
    assert int(plain["Content-Length"]) == part.raw_size
    assert plain["ETag"][:-1] + '-gzip"' == zipped["ETag"]


def test_a_download_resumes_with_byte_ranges_of_the_gzip_body(
    client: Client, seed_data: dict[str, Any], small_chunks: int
) -> None:
    for index in range(3):
        _publish(seed_data, index)
    whole = client.get(BUNDLE, headers=GZIP)
    body, etag = _body(whole), whole["ETag"]
    assert whole["Accept-Ranges"] == "bytes"
    size = len(body)
    for header, first, last in [
        ("bytes=0-9", 0, 9),
        ("bytes=90-300", 90, 300),  # across chunk boundaries
        (f"bytes={size - 5}-", size - 5, size - 1),
        ("bytes=-7", size - 7, size - 1),
        (f"bytes=10-{size + 1000}", 10, size - 1),
    ]:
        part = client.get(BUNDLE, headers={**GZIP, "Range": header, "If-Range": etag})
        assert part.status_code == 206, header
        assert part["Content-Range"] == f"bytes {first}-{last}/{size}", header
        assert _body(part) == body[first : last + 1], header
        assert int(part["Content-Length"]) == last - first + 1
        assert part["ETag"] == etag and part["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=0-9,20-29"},  # several ranges: ignored
        {"Range": "items=0-9"},  # another unit: ignored
        {"Range": "bytes=9-3"},  # invalid: ignored
        {"Range": "bytes=0-9", "If-Range": '"an-older-bundle-gzip"'},  # changed since
    ],
)
def test_a_range_that_cannot_be_served_as_asked_gets_the_whole_bundle(
    client: Client, seed_published: Any, headers: dict[str, str]
) -> None:
    whole = _body(client.get(BUNDLE, headers=GZIP))
    response = client.get(BUNDLE, headers={**GZIP, **headers})
    assert response.status_code == 200
    assert _body(response) == whole


def test_a_range_past_the_end_is_416_with_the_size(client: Client, seed_published: Any) -> None:
    size = len(_body(client.get(BUNDLE, headers=GZIP)))
    response = client.get(BUNDLE, headers={**GZIP, "Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response["Content-Type"] == "application/problem+json"
    assert response["Content-Range"] == f"bytes */{size}"
    # Compressed like any answer, unless Django's gzip (with its random padding) found it no
    # smaller.
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert json.loads(body)["status"] == 416


def test_without_gzip_a_range_is_ignored(client: Client, seed_published: Any) -> None:
    response = client.get(BUNDLE, headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert json.loads(_body(response))["documents"][0]["slug"] == seed_published.slug


def test_head_answers_the_headers_of_the_stored_part(client: Client, seed_published: Any) -> None:
    response = client.head(BUNDLE, headers=GZIP)
    part = BundlePart.objects.get()
    assert response.status_code == 200
    assert int(response["Content-Length"]) == part.size
    assert response["ETag"] == part.etag[:-1] + '-gzip"'


def test_a_withdrawal_is_never_served_from_a_part_built_before_it(
    client: Client, seed_data: dict[str, Any], settings: Any
) -> None:
    settings.BUNDLE_PREBUILD = True  # stored parts survive updates: only removals void them
    kept, withdrawn = _publish(seed_data, 0), _publish(seed_data, 1)
    before = client.get(BUNDLE, headers=GZIP)
    assert _slugs(_body(before)) == {"part-0", "part-1"}
    edit_and_publish(kept.pk, lambda content: content.update(summary="An edited summary."))
    same = client.get(BUNDLE, headers=GZIP)
    assert same["ETag"] == before["ETag"], "an update alone: the stored part is still served"
    unpublish(withdrawn)
    after = client.get(BUNDLE, headers=GZIP)
    assert _slugs(_body(after)) == {"part-0"}
    assert after["ETag"] != before["ETag"]
    ranged = client.get(BUNDLE, headers={**GZIP, "Range": "bytes=0-", "If-Range": before["ETag"]})
    assert ranged.status_code == 200, "a resumed download of the old part starts over"


def test_a_treatment_moved_to_another_category_leaves_that_categorys_part(
    client: Client, seed_data: dict[str, Any], settings: Any
) -> None:
    settings.BUNDLE_PREBUILD = True
    moving = _publish(seed_data, 0)
    _publish(seed_data, 1)
    url = f"{BUNDLE}?category=pain-treatments"
    assert _slugs(_body(client.get(url, headers=GZIP))) == {"part-0", "part-1"}
    edit_and_publish(
        moving.pk,
        lambda content: content.update(category={"slug": "other-care", "name": "Other care"}),
    )
    assert _slugs(_body(client.get(url, headers=GZIP))) == {"part-1"}


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_parts_a_change_touched_and_requests_build_nothing(
    client: Client, seed_data: dict[str, Any], prebuild: None
) -> None:
    treatment = _publish(seed_data, 0)
    _publish(seed_data, 1, category="other-care")
    run_tasks()
    scopes = set(BundlePart.objects.values_list("category", "language"))
    assert scopes == {
        ("", ""),
        ("", "en"),
        ("pain-treatments", ""),
        ("pain-treatments", "en"),
        ("other-care", ""),
        ("other-care", "en"),
    }
    built = set(BundlePart.objects.values_list("pk", flat=True))
    for url in (BUNDLE, f"{BUNDLE}?category=other-care&language=en", MANIFEST):
        assert client.get(url, headers=GZIP).status_code == 200
    assert set(BundlePart.objects.values_list("pk", flat=True)) == built, "served, not built"

    unpublish(treatment)
    run_tasks()
    rebuilt = BundlePart.objects.filter(complete=True).exclude(pk__in=built)
    assert set(rebuilt.values_list("category", "language")) == {("", ""), ("", "en")}, (
        "only the parts whose scope changed are rebuilt"
    )
    assert not BundlePart.objects.filter(category="pain-treatments").exists(), (
        "the parts of a category with no live treatment left are dropped"
    )
    assert BundlePart.objects.filter(category="other-care").count() == 2, "untouched"
    assert _slugs(_body(client.get(BUNDLE, headers=GZIP))) == {"part-1"}


def test_the_manifest_lists_one_part_per_category_and_a_token_that_continues_from_all(
    client: Client, seed_data: dict[str, Any]
) -> None:
    _publish(seed_data, 0)
    _publish(seed_data, 1, category="other-care")
    manifest = client.get(MANIFEST, {"language": "en"})
    assert manifest.status_code == 200
    body = manifest.json()
    assert body["language"] == "en"
    assert [(p["category"], p["language"], p["documents"]) for p in body["parts"]] == [
        ("other-care", "en", 1),
        ("pain-treatments", "en", 1),
    ]
    documents: dict[str, dict[str, Any]] = {}
    for entry in body["parts"]:
        part = client.get(entry["url"], headers=GZIP)
        assert part["ETag"] == entry["etag"][:-1] + '-gzip"'
        assert int(part["Content-Length"]) == entry["size"]
        again = client.get(entry["url"], headers={**GZIP, "If-None-Match": part["ETag"]})
        assert again.status_code == 304
        for document in json.loads(gzip.decompress(_body(part)))["documents"]:
            documents[document["id"]] = document
    _publish(seed_data, 2)
    delta = client.get("/api/v1/sync/", {"token": body["next_sync_token"]}).json()
    for document in delta["upserts"]:
        documents[document["id"]] = document
    for tombstone in delta["deletions"]:
        documents.pop(tombstone["id"], None)
    live = {str(p.treatment_id) for p in Publication.objects.live()}
    assert set(documents) == live
    cached = client.get(MANIFEST, {"language": "en"}, headers={"If-None-Match": manifest["ETag"]})
    assert cached.status_code == 200, "a new part changed the manifest"
    assert client.get(MANIFEST, headers={"If-None-Match": cached["ETag"]}).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [({"category": "pain-treatments"}, "category"), ({"language": "not a tag"}, "language")],
)
def test_the_manifest_refuses_a_category_or_a_malformed_language(
    client: Client, seed_published: Any, query: dict[str, str], field: str
) -> None:
    response = client.get(MANIFEST, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_worker_remembers_the_chunks_of_a_hot_part_within_its_byte_budget(
    client: Client, seed_published: Any, django_assert_num_queries: Any, settings: Any
) -> None:
    client.get(BUNDLE, headers=GZIP).getvalue()  # builds the part
    first = client.get(BUNDLE, headers=GZIP).getvalue()  # reads its chunks, remembers them
    with django_assert_num_queries(2):  # the part, whether a treatment left it; no chunk read
        assert client.get(BUNDLE, headers=GZIP).getvalue() == first
    settings.BUNDLE_MEMORY_MAX_BYTES = 1  # smaller than any chunk: nothing is kept
    client.get(BUNDLE, headers=GZIP).getvalue()
    with django_assert_num_queries(3):
        assert client.get(BUNDLE, headers=GZIP).getvalue() == first
