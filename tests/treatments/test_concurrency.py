"""Two editors saving from the same version through two real database connections."""

import threading
from typing import Any

import pytest
from django.db import connections

from treatments import services
from treatments.content_files import read_content_file, shipped_content_files
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Treatment

ROUNDS = 25


def _save(
    treatment_id: Any,
    version: int,
    summary: str,
    barrier: threading.Barrier,
    outcomes: dict[str, str],
) -> None:
    try:
        content = build_content(services.treatment_get_for_edit(treatment_id=treatment_id))
        content["summary"] = summary
        validated = services.content_validate(content)
        barrier.wait(timeout=10)
        services.treatment_replace(
            treatment_id=treatment_id, content=validated, expected_version=version, actor=None
        )
        outcomes[summary] = "won"
    except services.ConflictError:
        outcomes[summary] = "conflict"
    except Exception as exc:
        outcomes[summary] = f"error: {exc!r}"
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_from_one_version_give_one_win_and_one_conflict() -> None:
    services.content_load(content=read_content_file(shipped_content_files()[0]))
    treatment_id = Treatment.objects.get().pk
    for round_ in range(ROUNDS):
        version = Treatment.objects.get().version
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}
        summaries = [f"Editor A, round {round_}.", f"Editor B, round {round_}."]
        threads = [
            threading.Thread(target=_save, args=(treatment_id, version, s, barrier, outcomes))
            for s in summaries
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes.values()) == ["conflict", "won"], outcomes
        winner = next(s for s, outcome in outcomes.items() if outcome == "won")
        treatment = Treatment.objects.get()
        assert treatment.summary == winner, "the winner's write must be the one stored"
        assert treatment.version == version + 1
    assert AuditEntry.objects.filter(action="update").count() == ROUNDS
