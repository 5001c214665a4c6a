"""Two HTTP clients write with the same If-Match against a live server: exactly one wins."""

import threading
from typing import Any

import pytest
import requests
from knox.models import AuthToken

from treatments.models import AuditEntry, Treatment

from .conftest import BASE, etag_of

ROUNDS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_with_one_etag_never_both_win(
    live_server: Any, seed_published: Any, roles: dict[str, Any]
) -> None:
    _, token = AuthToken.objects.create(user=roles["editor"])
    url = f"{live_server.url}{BASE}/treatments/{seed_published.pk}/"
    for round_ in range(ROUNDS):
        etag = etag_of(seed_published)
        barrier = threading.Barrier(2)
        statuses: dict[str, int] = {}

        def write(
            summary: str,
            etag: str = etag,
            barrier: threading.Barrier = barrier,
            statuses: dict[str, int] = statuses,
        ) -> None:
            with requests.Session() as session:
                barrier.wait(timeout=10)
                response = session.patch(
                    url,
                    json={"summary": summary},
                    headers={"Authorization": f"Token {token}", "If-Match": etag},
                    timeout=30,
                )
                statuses[summary] = response.status_code

        summaries = [f"Client A, round {round_}.", f"Client B, round {round_}."]
        threads = [threading.Thread(target=write, args=(s,)) for s in summaries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(statuses.values()) == [200, 412], statuses
        winner = next(s for s, code in statuses.items() if code == 200)
        assert Treatment.objects.get().summary == winner, "the winning write is the one kept"
    assert AuditEntry.objects.filter(action="update").count() == ROUNDS
