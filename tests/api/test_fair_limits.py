"""Fair limits for phones behind one address: answers that cost nothing are not counted."""

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute() -> Any:
    cache.clear()
    current: dict[str, Any] = settings.REST_FRAMEWORK
    rates = {**current["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"}
    with override_settings(
        REST_FRAMEWORK={**current, "DEFAULT_THROTTLE_RATES": rates},
        PUBLIC_MEMORY_TTL=2.0,
    ):
        yield
    cache.clear()


@pytest.mark.parametrize("hot", [False, True], ids=["database", "memory"])
def test_conditional_reads_answered_304_do_not_use_up_the_allowance(
    client: Client, seed_published: Any, three_per_minute: Any, hot: bool
) -> None:
    url = f"/api/v1/treatments/{seed_published.slug}/"
    first = client.get(url)
    assert first.status_code == 200
    if not hot:
        from api.live.memories import hot_documents

        hot_documents().clear()
    for _ in range(10):
        if not hot:
            from api.live.memories import hot_documents

            hot_documents().clear()
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_empty_sync_deltas_do_not_use_up_the_allowance(
    client: Client, seed_published: Any, three_per_minute: Any
) -> None:
    token = client.get("/api/v1/sync/").json()["next_sync_token"]
    for _ in range(10):
        assert client.get("/api/v1/sync/", {"token": token}).status_code == 200
    statuses = [client.get("/api/v1/sync/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429], "a full sync still counts"


def test_full_reads_from_one_address_are_still_limited(
    client: Client, seed_published: Any, three_per_minute: Any
) -> None:
    url = f"/api/v1/treatments/{seed_published.slug}/"
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
