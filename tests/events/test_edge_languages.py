"""Languages at the edge: a translation's publish or withdrawal purges its source's keys (the
source's URL answers in the translation's language), and a source's change purges its
translations' (their `outdated` note). The PURGE requests are received by a real HTTP server.
Varnish itself (Vary: Accept-Language): test_edge_varnish.py."""

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from events import edge
from tests.events.support import run_tasks
from tests.processes import free_port
from treatments import services
from treatments.documents.build import build_content
from treatments.models import Treatment

pytestmark = pytest.mark.django_db(transaction=True)


class _PurgeLog(http.server.BaseHTTPRequestHandler):
    purged: list[set[str]] = []

    def do_PURGE(self) -> None:
        type(self).purged.append(set(self.headers.get(edge.PURGE_HEADER, "").split()))
        self.send_response(200, "Purged 1 objects")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def purges(settings: Any) -> Iterator[list[set[str]]]:
    """A cache that accepts every PURGE and records its keys; registered as the edge."""
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _PurgeLog)
    _PurgeLog.purged = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EDGE_PURGE_URL = f"http://127.0.0.1:{port}/"
    settings.EDGE_MAX_AGE = 600
    edge.edge_register()
    yield _PurgeLog.purged
    server.shutdown()
    settings.EDGE_PURGE_URL = ""
    edge.edge_register()


def _edit_and_publish(treatment_id: Any, summary: str) -> None:
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment_id))
    content["summary"] = summary
    changed = services.treatment_replace(
        treatment_id=treatment_id,
        content=services.content_validate(content),
        expected_version=Treatment.objects.get(pk=treatment_id).version,
        actor=None,
    )
    services.treatment_publish(
        treatment_id=changed.pk, expected_version=changed.version, actor=None
    )


def _source_keys(bilingual: Any) -> set[str]:
    return {f"treatment:{bilingual.source.pk}", f"treatment:{bilingual.source.slug}"}


def _spanish_keys(bilingual: Any) -> set[str]:
    return {f"treatment:{bilingual.spanish.pk}", f"treatment:{bilingual.spanish.slug}"}


def test_the_family_of_a_translation_is_its_source_and_of_a_source_its_translations(
    bilingual: Any, seed_published: Any
) -> None:
    assert set(edge.language_family_keys(str(bilingual.spanish.pk))) == _source_keys(bilingual)
    assert set(edge.language_family_keys(str(bilingual.source.pk))) == _spanish_keys(bilingual)
    assert edge.language_family_keys(str(seed_published.pk)) == []


def test_withdrawing_a_translation_purges_its_source_too(
    bilingual: Any, purges: list[set[str]]
) -> None:
    run_tasks()
    purges.clear()
    services.treatment_unpublish(
        treatment_id=bilingual.spanish.pk, expected_version=None, actor=None
    )
    run_tasks()
    assert purges, "the withdrawal sent a purge"
    assert _spanish_keys(bilingual) | _source_keys(bilingual) <= purges[0]


def test_publishing_a_translation_purges_its_source_too(
    bilingual: Any, purges: list[set[str]]
) -> None:
    run_tasks()
    purges.clear()
    _edit_and_publish(bilingual.spanish.pk, "[es] A newer test summary.")
    run_tasks()
    assert purges and _spanish_keys(bilingual) | _source_keys(bilingual) <= purges[0]


def test_a_new_source_revision_purges_its_translations(
    bilingual: Any, purges: list[set[str]]
) -> None:
    run_tasks()
    purges.clear()
    _edit_and_publish(bilingual.source.pk, "A newer test summary.")
    run_tasks()
    assert purges and _source_keys(bilingual) | _spanish_keys(bilingual) <= purges[0]
