"""A translation as a PO file over HTTP: GET it, PUT it back, and the files that are refused."""

from typing import Any

import polib
import pytest

from editorial.translations.exchange import MEDIA_TYPE
from editorial.translations.models import Translation
from editorial.translations.services import translation_create
from tests.editorial.translations.support import SPANISH, exchange_source, exchange_spanish
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.models import AuditEntry, Treatment
from treatments.services import content_load

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def translation(db: Any) -> Translation:
    source = exchange_source()
    content_load(content=TreatmentContent.model_validate(source), publish=True)
    return translation_create(
        source_id=Treatment.objects.get(slug=source["slug"]).pk,
        language="es",
        content=TreatmentContent.model_validate(exchange_spanish(source)),
        actor=None,
    )


def _url(row: Translation) -> str:
    return f"{BASE}/treatments/{row.source_id}/translations/{row.treatment_id}/po/"


def _working_copy(row: Translation) -> Treatment:
    return Treatment.objects.get(pk=row.treatment_id)


def _get(client: TokenClient, row: Translation) -> Any:
    return client.request("GET", _url(row))


def _put(client: TokenClient, row: Translation, po_text: str, **headers: Any) -> Any:
    headers.setdefault("content_type", MEDIA_TYPE)
    return client.request("PUT", _url(row), po_text.encode(), **headers)


def _file(clients: dict[str, TokenClient], row: Translation) -> polib.POFile:
    response = _get(clients["editor"], row)
    assert response.status_code == 200, response.content
    return polib.pofile(response.content.decode())


def _unchanged(row: Translation, before: tuple[int, dict[str, Any]]) -> None:
    treatment = _working_copy(row)
    assert (treatment.version, build_content(treatment)) == before, "nothing may be written"


def _state(row: Translation) -> tuple[int, dict[str, Any]]:
    treatment = _working_copy(row)
    return treatment.version, build_content(treatment)


def test_get_answers_the_po_file_with_the_translation_etag(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    response = _get(clients["editor"], translation)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    assert response["ETag"] == etag_of(_working_copy(translation))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="po-exchange-fixture.es.po"'
    po = polib.pofile(response.content.decode())
    assert po.metadata["Language"] == "es" and po.metadata["X-Source-Revision"] == "1"
    entries = {e.msgctxt: e for e in po}
    assert entries["/title"].msgid == "PO exchange fixture"
    assert entries["/title"].msgstr == SPANISH["/title"]


def test_put_imports_the_translated_file_in_one_audited_write(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    po = _file(clients, translation)
    for entry in po:
        if entry.msgctxt == "/risks/items/0/description":
            entry.msgstr = "El primer riesgo de la ficha."
    before = _working_copy(translation)
    response = _put(
        clients["editor"],
        translation,
        str(po),
        content_type=f"{MEDIA_TYPE}; charset=utf-8",
        **{"If-Match": etag_of(before)},
    )
    assert response.status_code == 200, response.content
    after = _working_copy(translation)
    assert after.version == before.version + 1
    assert response["ETag"] == etag_of(after) and response["Write-Outcome"] == "updated"
    assert response.json()["id"] == str(translation.treatment_id)
    detail = clients["editor"].request("GET", f"{BASE}/treatments/{after.pk}/").json()
    assert detail["content"]["risks"]["items"][0]["description"] == "El primer riesgo de la ficha."
    audit = AuditEntry.objects.filter(treatment=after).latest("id")
    assert audit.actor_label and "PO file" in audit.message


def test_putting_back_the_file_unchanged_writes_nothing(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    response = _get(clients["editor"], translation)
    before = _state(translation)
    again = _put(
        clients["editor"], translation, response.content.decode(), **{"If-Match": response["ETag"]}
    )
    assert again.status_code == 200, again.content
    assert again["Write-Outcome"] == "unchanged" and again["ETag"] == response["ETag"]
    _unchanged(translation, before)


def test_put_needs_if_match_and_a_stale_one_is_412(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    po = _file(clients, translation)
    po[0].msgstr = "Otro título"
    before = _state(translation)
    missing = _put(clients["editor"], translation, str(po))
    assert missing.status_code == 428, missing.content
    stale_tag = etag_of(_working_copy(translation)).replace(f"-v{before[0]}", f"-v{before[0] - 1}")
    stale = _put(clients["editor"], translation, str(po), **{"If-Match": stale_tag})
    assert stale.status_code == 412, stale.content
    assert stale["Content-Type"] == "application/problem+json"
    assert stale["ETag"] == etag_of(_working_copy(translation))
    _unchanged(translation, before)


def test_put_of_another_media_type_is_415(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    po = _file(clients, translation)
    before = _state(translation)
    response = _put(
        clients["editor"],
        translation,
        str(po),
        content_type="application/json",
        **{"If-Match": etag_of(_working_copy(translation))},
    )
    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/problem+json"
    _unchanged(translation, before)


def _refused(clients: dict[str, TokenClient], row: Translation, po_text: str) -> dict[str, Any]:
    before = _state(row)
    response = _put(clients["editor"], row, po_text, **{"If-Match": etag_of(_working_copy(row))})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    _unchanged(row, before)
    body: dict[str, Any] = response.json()
    assert body["status"] == 400 and body["detail"]
    return body


def test_a_file_for_another_source_revision_is_a_400_saying_it_is_outdated(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    po = _file(clients, translation)
    po.metadata["X-Source-Revision"] = "2"
    po[0].msgstr = "Otro título"
    body = _refused(clients, translation, str(po))
    assert body["code"] == "po_outdated" and "export again" in body["detail"]


def test_fuzzy_entries_unknown_pointers_and_changed_msgids_are_400s_naming_the_entry(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    po = _file(clients, translation)
    po[1].flags.append("fuzzy")
    po[1].msgstr = "Resumen dudoso"
    body = _refused(clients, translation, str(po))
    assert body["code"] == "po_fuzzy"
    assert body["errors"][0]["pointer"] == "/summary"

    po = _file(clients, translation)
    po.append(polib.POEntry(msgctxt="/category/slug", msgid="test-fixtures", msgstr="x"))
    assert _refused(clients, translation, str(po))["code"] == "po_unknown_pointer"

    po = _file(clients, translation)
    po[0].msgid = "Not the source's title"
    assert _refused(clients, translation, str(po))["code"] == "po_msgid_mismatch"


def test_a_malformed_or_non_utf8_file_is_a_400(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    assert _refused(clients, translation, 'msgid "open\nmsgstr\n')["code"] in (
        "po_malformed",
        "po_other_translation",
    )
    before = _state(translation)
    response = clients["editor"].request(
        "PUT",
        _url(translation),
        b'msgid ""\nmsgstr "\xff"\n',
        content_type=MEDIA_TYPE,
        **{"If-Match": etag_of(_working_copy(translation))},
    )
    assert response.status_code == 400, response.content
    assert "UTF-8" in response.json()["detail"]
    _unchanged(translation, before)


def test_an_over_size_file_is_413(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    before = _state(translation)
    po_text = str(_file(clients, translation)) + "#" * (1024 * 1024) + "\n"
    response = _put(
        clients["editor"], translation, po_text, **{"If-Match": etag_of(_working_copy(translation))}
    )
    assert response.status_code == 413, response.content
    _unchanged(translation, before)


def test_permissions_are_those_of_the_other_editor_translation_routes(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    assert _get(clients["anonymous"], translation).status_code == 401
    assert _get(clients["nobody"], translation).status_code == 403
    po_text = str(_file(clients, translation))
    tag = etag_of(_working_copy(translation))
    assert _put(clients["anonymous"], translation, po_text, **{"If-Match": tag}).status_code == 401
    assert _put(clients["nobody"], translation, po_text, **{"If-Match": tag}).status_code == 403


def test_a_translation_of_another_source_is_404(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    url = (
        f"{BASE}/treatments/{translation.treatment_id}/translations/{translation.treatment_id}/po/"
    )
    response = clients["editor"].request("GET", url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_asking_for_json_is_406_and_query_parameters_are_refused(
    clients: dict[str, TokenClient], translation: Translation
) -> None:
    json_only = clients["editor"].request("GET", _url(translation), Accept="application/json")
    assert json_only.status_code == 406
    assert json_only["Content-Type"] == "application/problem+json"
    po = clients["editor"].request("GET", _url(translation), Accept=MEDIA_TYPE)
    assert po.status_code == 200 and po["Content-Type"].startswith(MEDIA_TYPE)
    assert clients["editor"].request("GET", _url(translation) + "?lang=es").status_code == 400


def test_an_empty_body_is_a_400(clients: dict[str, TokenClient], translation: Translation) -> None:
    before = _state(translation)
    response = _put(
        clients["editor"], translation, "", **{"If-Match": etag_of(_working_copy(translation))}
    )
    assert response.status_code == 400 and "empty" in response.json()["detail"]
    _unchanged(translation, before)
