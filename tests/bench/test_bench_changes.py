"""The benchmark's change command publishes real changes: a sync delta of exactly those."""

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from bench.management.commands.bench_changes import Command as BenchChanges
from bench.management.commands.bench_changes import changed_overview
from bench.management.commands.bench_generate import Command as BenchGenerate
from treatments.models import Publication

pytestmark = pytest.mark.django_db(transaction=True)

SEED_SLUG = "bone-marrow-stem-cell-injection"


def _changes(count: int) -> dict[str, Any]:
    out = io.StringIO()
    call_command(BenchChanges(), "--count", str(count), stdout=out)
    return json.loads(out.getvalue())


def _sync_token(client: Client) -> str:
    body = client.get("/api/v1/sync/?page_size=100").json()
    assert body["next_page_token"] is None
    return body["next_sync_token"]


def test_changes_are_published_and_are_the_delta_of_an_earlier_token(client: Client) -> None:
    call_command(BenchGenerate(), "--count", "6", stdout=io.StringIO())
    token = _sync_token(client)
    seed_etag = Publication.objects.get(slug=SEED_SLUG).etag

    result = _changes(3)

    assert len(result["changed"]) == 3 and SEED_SLUG not in result["changed"]
    assert result["head_after"] > result["head_before"]
    changed = Publication.objects.filter(slug__in=result["changed"])
    assert {p.revision_number for p in changed} == {2}
    assert Publication.objects.get(slug=SEED_SLUG).etag == seed_etag, "the limit's bytes"
    delta = client.get("/api/v1/sync/", {"token": token}).json()
    assert sorted(d["slug"] for d in delta["upserts"]) == sorted(result["changed"])
    assert delta["deletions"] == []
    for document in delta["upserts"]:
        assert document["overview"].endswith("(Benchmark revision 2.)")


def test_changing_again_changes_the_same_treatments_again(client: Client) -> None:
    call_command(BenchGenerate(), "--count", "4", stdout=io.StringIO())
    first = _changes(2)
    token = _sync_token(client)
    second = _changes(2)
    assert second["changed"] == first["changed"]
    assert {p.revision_number for p in Publication.objects.filter(slug__in=first["changed"])} == {3}
    delta = client.get("/api/v1/sync/", {"token": token}).json()
    assert len(delta["upserts"]) == 2


def test_the_marker_is_replaced_not_appended() -> None:
    once = changed_overview("Text.", 2)
    assert once == "Text. (Benchmark revision 2.)"
    assert changed_overview(once, 3) == "Text. (Benchmark revision 3.)"
    assert changed_overview("", 2) == " (Benchmark revision 2.)"


def test_with_fewer_treatments_all_but_the_seed_change(client: Client) -> None:
    from django.core.management.base import CommandError

    call_command(BenchGenerate(), "--count", "3", stdout=io.StringIO())
    assert len(_changes(10)["changed"]) == 2
    with pytest.raises(CommandError, match="besides the seed"):
        Publication.objects.exclude(slug=SEED_SLUG).update(withdrawn_at=timezone.now())
        _changes(1)
