"""The manifest's pages: a category's bundle cut into equal ranges of treatment ids, so that a
phone downloads it in pieces and pages from different builds never miss a treatment."""

import datetime as dt
import gzip
import itertools
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from api.v1.sync.bundles import MAX_PAGES, BundleSlice, pages_for
from events.models import BundlePart
from treatments.models import Publication, Treatment
from treatments.selectors import SyncScope

from ...events.support import run_tasks
from .bundle_support import PAIN, publish_copy, unpublish

BUNDLE = "/api/v1/bundle/"
MANIFEST = "/api/v1/bundle/manifest/"
GZIP = {"Accept-Encoding": "gzip"}

page_counts = st.integers(min_value=0, max_value=10).map(lambda power: 2**power)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(ids=st.lists(st.uuids(), min_size=1, max_size=20), pages=page_counts)
def test_every_id_falls_on_exactly_one_page_and_within_its_bounds(
    ids: list[uuid.UUID], pages: int
) -> None:
    for treatment_id in ids:
        holding = [
            n for n in range(1, pages + 1) if BundleSlice(SyncScope(), pages, n).holds(treatment_id)
        ]
        assert len(holding) == 1
        after, below = BundleSlice(SyncScope(), pages, holding[0]).bounds()
        assert after is None or after < treatment_id
        assert below is None or treatment_id < below


@settings(derandomize=True, max_examples=100, deadline=None)
@given(pages=page_counts)
def test_the_pages_bounds_cover_the_id_range_without_gap_or_overlap(pages: int) -> None:
    bounds = [BundleSlice(SyncScope(), pages, n).bounds() for n in range(1, pages + 1)]
    assert bounds[0][0] is None and bounds[-1][1] is None
    for (_, below), (after, _) in itertools.pairwise(bounds):
        assert below is not None and after is not None
        assert after.int + 1 == below.int, "the next page starts where this one stops"
    assert BundleSlice(SyncScope(), pages, 1).holds(uuid.UUID(int=0))
    assert BundleSlice(SyncScope(), pages, pages).holds(uuid.UUID(int=(1 << 128) - 1))


@pytest.mark.parametrize(
    ("documents", "per_page", "pages"),
    [
        (0, 500, 1),
        (500, 500, 1),
        (501, 500, 2),
        (12_614, 500, 32),
        (6, 2, 4),
        (10**9, 1, MAX_PAGES),
    ],
)
def test_the_manifest_cuts_a_category_into_the_fewest_pages_of_at_most_the_setting(
    settings: Any, documents: int, per_page: int, pages: int
) -> None:
    settings.BUNDLE_PAGE_DOCUMENTS = per_page
    assert pages_for(documents) == pages


@pytest.mark.parametrize(("pages", "page"), [(3, 1), (0, 1), (2, 3), (2048, 1), (2, 0)])
def test_a_slice_that_is_no_page_cannot_be_made(pages: int, page: int) -> None:
    with pytest.raises(ValueError):
        BundleSlice(SyncScope(), pages, page)


def _publish(seed_data: dict[str, Any], index: int, *, category: str = PAIN) -> Treatment:
    return publish_copy(seed_data, f"page-{index}", category=category)


def _documents(client: Client, url: str) -> list[dict[str, Any]]:
    response: Any = client.get(url, headers=GZIP)
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(json.loads(gzip.decompress(body))["documents"])


@pytest.fixture
def small_pages(settings: Any) -> int:
    """Pages of two documents at most, so that a few treatments fill several."""
    settings.BUNDLE_PAGE_DOCUMENTS = 2
    return 2


@pytest.mark.django_db
def test_the_manifest_lists_each_page_and_the_pages_hold_the_category_once_each(
    client: Client, seed_data: dict[str, Any], small_pages: int
) -> None:
    for index in range(7):
        _publish(seed_data, index)
    _publish(seed_data, 7, category="other-care")
    body = client.get(MANIFEST, {"language": "en"}).json()
    pain = [p for p in body["parts"] if p["category"] == PAIN]
    assert [(p["page"], p["pages"]) for p in pain] == [(n, 4) for n in range(1, 5)]
    other = [p for p in body["parts"] if p["category"] == "other-care"]
    assert [(p["page"], p["pages"], p["url"]) for p in other] == [
        (1, 1, f"{BUNDLE}?category=other-care&language=en")
    ], "a category that fits one page keeps the URL it always had"
    seen: list[str] = []
    for entry in pain:
        assert entry["url"] == (
            f"{BUNDLE}?category={PAIN}&language=en&pages=4&page={entry['page']}"
        )
        documents = _documents(client, entry["url"])
        assert len(documents) == entry["documents"]
        page = BundleSlice(SyncScope(category=PAIN, language="en"), 4, entry["page"])
        assert all(page.holds(uuid.UUID(d["id"])) for d in documents)
        seen += [d["id"] for d in documents]
    live = Publication.objects.live().filter(category_slug=PAIN)
    assert sorted(seen) == sorted(str(p.treatment_id) for p in live), "each once, none missed"
    whole = _documents(client, f"{BUNDLE}?category={PAIN}&language=en")
    assert sorted(d["id"] for d in whole) == sorted(seen), "the unpaged bundle still has all"


@pytest.mark.django_db
def test_a_page_keeps_its_treatments_across_builds_so_mixed_downloads_miss_nothing(
    client: Client, seed_data: dict[str, Any], small_pages: int
) -> None:
    treatments = [_publish(seed_data, index) for index in range(7)]
    url = f"{BUNDLE}?category={PAIN}&pages=4&page="
    old = {n: {d["id"] for d in _documents(client, f"{url}{n}")} for n in range(1, 5)}
    unpublish(treatments[0])  # a withdrawal voids every stored page of the category
    _publish(seed_data, 8)
    new = {n: {d["id"] for d in _documents(client, f"{url}{n}")} for n in range(1, 5)}
    gone, added = str(treatments[0].pk), str(Treatment.objects.get(slug="page-8").pk)
    for n in range(1, 5):
        assert new[n] - {added} == old[n] - {gone}, "the others stay on their page"
    mixed = old[1] | old[2] | new[3] | new[4]
    assert mixed >= {str(t.pk) for t in treatments[1:]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": "1"}, "pages"),
        ({"pages": "4"}, "page"),
        ({"pages": "3", "page": "1"}, "pages"),
        ({"pages": "4", "page": "5"}, "page"),
        ({"pages": "0", "page": "1"}, "pages"),
        ({"pages": "4", "page": "\u0662"}, "page"),
        ({"pages": "2048", "page": "1"}, "pages"),
    ],
)
def test_a_malformed_page_is_a_400_and_builds_nothing(
    client: Client, seed_published: Any, query: dict[str, str], field: str
) -> None:
    response = client.get(BUNDLE, {"category": PAIN, **query})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not BundlePart.objects.exists()


@pytest.mark.django_db
def test_only_a_category_comes_in_pages(client: Client, seed_published: Any) -> None:
    response = client.get(BUNDLE, {"pages": "2", "page": "1"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["pages"]
    assert client.get(BUNDLE, {"pages": "1", "page": "1"}).status_code == 200, "1 of 1: whole"


@pytest.mark.django_db
def test_a_cut_the_manifest_does_not_use_is_a_404_and_builds_nothing(
    client: Client, seed_data: dict[str, Any], small_pages: int
) -> None:
    for index in range(3):
        _publish(seed_data, index)  # 3 documents: 2 pages of 2
    for pages in (4, 8):
        response = client.get(f"{BUNDLE}?category={PAIN}&pages={pages}&page=1")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert "manifest" in response.json()["detail"]
    response = client.get(f"{BUNDLE}?category=no-such-care&pages=2&page=1")
    assert response.status_code == 404
    assert not BundlePart.objects.exists()
    assert client.get(f"{BUNDLE}?category={PAIN}&pages=2&page=2").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_the_manifests_pages_and_drops_a_cut_it_no_longer_uses(
    client: Client, seed_data: dict[str, Any], prebuild: None, small_pages: int
) -> None:
    for index in range(3):
        _publish(seed_data, index)
    run_tasks()
    cuts = set(BundlePart.objects.filter(category=PAIN).values_list("language", "pages"))
    assert cuts == {("", 2), ("en", 2)}, "each category scope in the manifest's pages"
    built = set(BundlePart.objects.values_list("pk", flat=True))
    assert client.get(MANIFEST).status_code == 200
    assert set(BundlePart.objects.values_list("pk", flat=True)) == built, "served, not built"

    for index in range(3, 6):
        _publish(seed_data, index)  # 6 documents: now 4 pages
    run_tasks()
    cuts = set(BundlePart.objects.filter(category=PAIN).values_list("language", "pages"))
    assert cuts == {("", 4), ("en", 4)}, "the pages of the old cut are dropped"
    assert client.get(f"{BUNDLE}?category={PAIN}&pages=2&page=1").status_code == 404
    pages = [p["url"] for p in client.get(MANIFEST).json()["parts"]]
    assert len(pages) == 4 and all("pages=4" in url for url in pages)


@pytest.mark.django_db
def test_a_part_older_than_half_the_logs_retention_is_rebuilt_though_nothing_changed(
    client: Client, seed_data: dict[str, Any], settings: Any
) -> None:
    _publish(seed_data, 0)
    _publish(seed_data, 1, category="other-care")
    manifest = client.get(MANIFEST).json()
    _publish(seed_data, 2, category="other-care")  # other-care changes; pain does not
    settings.SYNC_LOG_RETENTION_DAYS = 10
    aged = timezone.now() - dt.timedelta(days=6)
    BundlePart.objects.filter(category=PAIN).update(built_at=aged)
    again = client.get(MANIFEST).json()
    pain = [p for p in again["parts"] if p["category"] == PAIN]
    assert BundlePart.objects.filter(category=PAIN, built_at__gt=aged).count() == len(pain) == 1
    assert again["next_sync_token"] != manifest["next_sync_token"], "it starts at the new build"
    whole = client.get(f"{BUNDLE}?category={PAIN}")
    assert whole.status_code == 200
    assert BundlePart.objects.filter(category=PAIN, built_at=aged).count() <= 1, "kept: 1 back"
