"""An outdated translation's PO update file over HTTP: `GET …/po/?source_revision=live`, and
PUT it back to bring the translation up to the source's live revision."""

import copy
from typing import Any

import polib
import pytest

from editorial.translations.exchange import MEDIA_TYPE
from editorial.translations.models import Translation
from editorial.translations.services import translation_create
from tests.editorial.translations.support import (
    NEW_RISK,
    NEW_SUMMARY,
    SPANISH,
    exchange_source,
    exchange_spanish,
    publish_source_change,
    update_source,
)
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import AuditEntry, Treatment
from treatments.services import content_load

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def outdated(db: Any) -> Translation:
    """A Spanish translation of revision 1 whose source then published revision 2."""
    source = exchange_source()
    content_load(content=TreatmentContent.model_validate(source), publish=True)
    row = translation_create(
        source_id=Treatment.objects.get(slug=source["slug"]).pk,
        language="es",
        content=TreatmentContent.model_validate(exchange_spanish(source)),
        actor=None,
    )
    publish_source_change(row.source_id, update_source)
    row.refresh_from_db()
    return row


def _url(row: Translation) -> str:
    return f"{BASE}/treatments/{row.source_id}/translations/{row.treatment_id}/po/"


def _working_copy(row: Translation) -> Treatment:
    return Treatment.objects.get(pk=row.treatment_id)


def _state(row: Translation) -> tuple[int, dict[str, Any], int | None]:
    treatment = _working_copy(row)
    revision = Translation.objects.get(pk=row.pk).source_revision
    return treatment.version, build_content(treatment), revision


def _update_file(client: TokenClient, row: Translation) -> tuple[polib.POFile, str]:
    response = client.request("GET", _url(row) + "?source_revision=live")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    return polib.pofile(response.content.decode()), response["ETag"]


def _confirmed(po: polib.POFile) -> polib.POFile:
    for entry in po:
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
    return po


def _put(client: TokenClient, row: Translation, po: polib.POFile, **headers: Any) -> Any:
    return client.request("PUT", _url(row), str(po).encode(), content_type=MEDIA_TYPE, **headers)


def test_the_update_round_trip_brings_the_translation_up_to_the_live_revision(
    clients: dict[str, TokenClient], outdated: Translation
) -> None:
    editor = clients["editor"]
    po, etag = _update_file(editor, outdated)
    assert etag == etag_of(_working_copy(outdated))
    assert po.metadata["X-Source-Revision"] == "2"
    assert po.metadata["X-Previous-Source-Revision"] == "1"
    entries = {e.msgctxt: e for e in po}
    assert entries["/summary"].fuzzy and entries["/summary"].msgid == NEW_SUMMARY
    entries["/summary"].msgstr = "Un resumen sintético cambiado."
    entries["/risks/items/2/name"].msgstr = "Riesgo C de la ficha"
    version = _working_copy(outdated).version
    response = _put(editor, outdated, _confirmed(po), **{"If-Match": etag})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source_revision"] == 2 and body["source_live_revision"] == 2
    assert body["outdated"], "outdated for readers until the translation is published again"
    after = _working_copy(outdated)
    assert after.version == version + 1 and response["ETag"] == etag_of(after)
    assert response["Write-Outcome"] == "updated"
    content = build_content(after)
    assert content["summary"] == "Un resumen sintético cambiado."
    assert content["risks"]["items"][2]["name"] == "Riesgo C de la ficha"
    assert content["risks"]["items"][2]["description"] == NEW_RISK["description"]
    assert content["title"] == SPANISH["/title"]
    assert AuditEntry.objects.filter(treatment=after, version_after=version + 1).count() == 1
    listed = editor.request("GET", f"{BASE}/treatments/{outdated.source_id}/translations/")
    (row,) = listed.json()["results"]
    assert row["source_revision"] == 2


def test_an_update_file_needs_if_match_and_a_stale_one_is_412(
    clients: dict[str, TokenClient], outdated: Translation
) -> None:
    editor = clients["editor"]
    po, etag = _update_file(editor, outdated)
    _confirmed(po)
    before = _state(outdated)
    assert _put(editor, outdated, po).status_code == 428
    version = before[0]
    stale_tag = etag.replace(f"-v{version}", f"-v{version + 1}")
    stale = _put(editor, outdated, po, **{"If-Match": stale_tag})
    assert stale.status_code == 412, stale.content
    assert stale["Content-Type"] == PROBLEM
    assert _state(outdated) == before


def test_fuzzy_entries_left_and_a_file_for_another_revision_are_400s(
    clients: dict[str, TokenClient], outdated: Translation
) -> None:
    editor = clients["editor"]
    po, etag = _update_file(editor, outdated)
    before = _state(outdated)
    fuzzy = _put(editor, outdated, po, **{"If-Match": etag})
    assert fuzzy.status_code == 400 and fuzzy["Content-Type"] == PROBLEM
    assert fuzzy.json()["code"] == "po_fuzzy"
    assert fuzzy.json()["errors"][0]["pointer"] == "/summary"
    _confirmed(po)
    po.metadata["X-Source-Revision"] = "5"
    other = _put(editor, outdated, po, **{"If-Match": etag})
    assert other.status_code == 400 and other.json()["code"] == "po_outdated"
    assert _state(outdated) == before


def test_a_source_whose_items_moved_is_a_409_on_get_and_on_put(
    clients: dict[str, TokenClient], outdated: Translation
) -> None:
    editor = clients["editor"]
    po, etag = _update_file(editor, outdated)
    _confirmed(po)

    def insert_first(content: dict[str, Any]) -> None:
        content["risks"]["items"].insert(0, {**copy.deepcopy(NEW_RISK), "name": "Risk zero"})

    publish_source_change(outdated.source_id, insert_first)
    refused = editor.request("GET", _url(outdated) + "?source_revision=live")
    assert refused.status_code == 409 and refused["Content-Type"] == PROBLEM
    assert refused.json()["code"] == "structure_not_mappable"
    before = _state(outdated)
    po.metadata["X-Source-Revision"] = "3"  # revision 2's file passed off as revision 3's
    put = _put(editor, outdated, po, **{"If-Match": etag})
    assert put.status_code == 409 and put.json()["code"] == "structure_not_mappable"
    assert _state(outdated) == before


@pytest.mark.parametrize("value", ["latest", "2", "LIVE"])
def test_source_revision_takes_translated_or_live(
    clients: dict[str, TokenClient], outdated: Translation, value: str
) -> None:
    response = clients["editor"].request("GET", _url(outdated) + f"?source_revision={value}")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "source_revision"


def test_source_revision_translated_is_the_default_file(
    clients: dict[str, TokenClient], outdated: Translation
) -> None:
    editor = clients["editor"]
    default = editor.request("GET", _url(outdated))
    translated = editor.request("GET", _url(outdated) + "?source_revision=translated")
    assert default.status_code == translated.status_code == 200
    assert default.content == translated.content
    assert polib.pofile(default.content.decode()).metadata["X-Source-Revision"] == "1"
    assert editor.request("PUT", _url(outdated) + "?source_revision=live").status_code == 400
