"""PO update files: an outdated translation exported against the source's live revision
(changed texts fuzzy, with their previous msgid), translated, and imported back, which brings
the translation up to that revision in one audited write."""

import copy
import io
from typing import Any

import polib
import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editorial.translations.exchange import PoRefusedError, export_po, import_po
from editorial.translations.exchange_update import HEADER_PREVIOUS_REVISION
from editorial.translations.models import Translation
from editorial.translations.services import translation_create
from editorial.translations.texts import document_texts
from tests.editorial.translations.support import (
    NEW_RISK,
    NEW_SUMMARY,
    SPANISH,
    exchange_source,
    exchange_spanish,
    publish_source_change,
    update_source,
)
from tests.strategies import texts
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.errors import ConflictError, StateError
from treatments.models import AuditEntry, Treatment
from treatments.services import (
    content_load,
    content_validate,
    treatment_publish,
    treatment_replace,
)

pytestmark = pytest.mark.django_db
NEW_RISK_NAME = "/risks/items/2/name"


@pytest.fixture
def translation(db: Any) -> Translation:
    """A Spanish translation of revision 1 of the exchange fixture, published."""
    source = exchange_source()
    content_load(content=TreatmentContent.model_validate(source), publish=True)
    row = translation_create(
        source_id=Treatment.objects.get(slug=source["slug"]).pk,
        language="es",
        content=TreatmentContent.model_validate(exchange_spanish(source)),
        actor=None,
    )
    treatment_publish(treatment_id=row.treatment_id, expected_version=_version(row), actor=None)
    return row


@pytest.fixture
def outdated(translation: Translation) -> Translation:
    """The translation once the source published revision 2 (`update_source`)."""
    assert publish_source_change(translation.source_id, update_source) == 2
    translation.refresh_from_db()
    assert translation.outdated and translation.source_revision == 1
    return translation


def _version(row: Translation) -> int:
    return Treatment.objects.get(pk=row.treatment_id).version


def _content(row: Translation) -> dict[str, Any]:
    return build_content(Treatment.objects.get(pk=row.treatment_id))


def _state(row: Translation) -> tuple[int, dict[str, Any], int | None]:
    return _version(row), _content(row), Translation.objects.get(pk=row.pk).source_revision


def _entries(po: polib.POFile) -> dict[str, polib.POEntry]:
    return {entry.msgctxt: entry for entry in po}


def _update_file(row: Translation) -> polib.POFile:
    return polib.pofile(export_po(row, update=True))


def _confirm_every_fuzzy(po: polib.POFile) -> None:
    for entry in po:
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None


def _import(row: Translation, po: polib.POFile | str, version: int | None = None) -> Treatment:
    return import_po(
        row, str(po), expected_version=_version(row) if version is None else version, actor=None
    )


def _refused(row: Translation, po: polib.POFile | str, error: type[Exception]) -> Exception:
    before = _state(row)
    with pytest.raises(error) as caught, transaction.atomic():
        _import(row, po)
    assert _state(row) == before, "nothing may change"
    return caught.value


# --- export -----------------------------------------------------------------------------------


def test_the_update_file_is_made_for_the_live_revision_with_changed_texts_fuzzy(
    outdated: Translation,
) -> None:
    po = _update_file(outdated)
    assert po.metadata["X-Source-Revision"] == "2"
    assert po.metadata[HEADER_PREVIOUS_REVISION] == "1"
    assert po.metadata["Project-Id-Version"] == "po-exchange-fixture revision 2"
    entries = _entries(po)
    live = Treatment.objects.get(pk=outdated.source_id)
    assert list(entries) == [t.pointer for t in document_texts(build_content(live))]
    summary = entries["/summary"]
    assert summary.msgid == NEW_SUMMARY and summary.fuzzy
    assert summary.previous_msgid == exchange_source()["summary"]
    assert summary.msgstr == SPANISH["/summary"], "the translation of the old text, to check"
    assert '#| msgid "A synthetic treatment for the translator exchange tests."' in str(po)
    reworded = entries["/risks/items/1/description"]
    assert reworded.fuzzy and reworded.msgstr == SPANISH["/risks/items/1/description"]
    new = entries[NEW_RISK_NAME]
    assert (new.msgid, new.msgstr, new.fuzzy) == (NEW_RISK["name"], "", False)
    title = entries["/title"]
    assert (title.msgstr, title.fuzzy) == (SPANISH["/title"], False), "unchanged: as before"
    assert not entries["/risks/items/0/name"].msgstr, "still the source's text: untranslated"
    assert {e.msgctxt for e in po if e.fuzzy} == {"/summary", "/risks/items/1/description"}


def test_a_changed_text_the_translation_never_translated_is_just_untranslated(
    translation: Translation,
) -> None:
    def change(content: dict[str, Any]) -> None:
        content["risks"]["items"][0]["name"] = "Fixture risk A, renamed"

    publish_source_change(translation.source_id, change)
    translation.refresh_from_db()
    entry = _entries(_update_file(translation))["/risks/items/0/name"]
    assert (entry.msgstr, entry.fuzzy) == ("", False)


def test_a_text_removed_from_the_source_is_not_in_the_update_file(
    translation: Translation,
) -> None:
    def change(content: dict[str, Any]) -> None:
        content["risks"]["items"].pop()  # the last risk

    publish_source_change(translation.source_id, change)
    translation.refresh_from_db()
    entries = _entries(_update_file(translation))
    assert "/risks/items/1/description" not in entries and "/risks/items/0/name" in entries


def test_an_up_to_date_translation_s_update_file_is_its_file(translation: Translation) -> None:
    assert export_po(translation, update=True) == export_po(translation)


# --- import -----------------------------------------------------------------------------------


def test_importing_the_update_file_brings_the_translation_up_to_date_in_one_audited_write(
    outdated: Translation,
) -> None:
    version = _version(outdated)
    audits = AuditEntry.objects.filter(treatment_id=outdated.treatment_id).count()
    po = _update_file(outdated)
    _confirm_every_fuzzy(po)
    entries = _entries(po)
    entries["/summary"].msgstr = "Un resumen sintético cambiado."
    entries[NEW_RISK_NAME].msgstr = "Riesgo C de la ficha"
    saved = _import(outdated, po)
    assert saved.version == version + 1
    row = Translation.objects.get(pk=outdated.pk)
    assert row.source_revision == 2
    assert AuditEntry.objects.filter(treatment_id=outdated.treatment_id).count() == audits + 1
    audit = AuditEntry.objects.filter(treatment_id=outdated.treatment_id).latest("id")
    assert audit.version_after == version + 1
    assert "PO update file" in audit.message and "Translates source revision 2" in audit.message
    content = _content(outdated)
    assert content["summary"] == "Un resumen sintético cambiado."
    assert [r["name"] for r in content["risks"]["items"]] == [
        "Fixture risk A",
        "Fixture risk B",
        "Riesgo C de la ficha",
    ]
    new_risk = content["risks"]["items"][2]
    assert new_risk["description"] == NEW_RISK["description"], "no msgstr: the source's text"
    assert content["risks"]["items"][1]["description"] == SPANISH["/risks/items/1/description"]
    assert content["title"] == SPANISH["/title"], "an unchanged text keeps its translation"
    quantity = content["procedure"]["steps"][1]["quantity_ucum"]
    assert (quantity["min"], quantity["max"]) == (12, 12), "numbers follow the live revision"
    assert quantity["of"] == SPANISH["/procedure/steps/1/quantity_ucum/of"]
    assert (content["slug"], content["language"]) == ("po-exchange-fixture-es", "es")
    # Still outdated for readers until the translation is reviewed and published again.
    assert row.outdated and row.published_source_revision == 1
    treatment_publish(treatment_id=row.treatment_id, expected_version=saved.version, actor=None)
    row.refresh_from_db()
    assert not row.outdated and row.published_source_revision == 2
    again = _update_file(row)
    assert again.metadata["X-Source-Revision"] == "2" and not any(e.fuzzy for e in again)


def test_an_empty_msgstr_keeps_an_unchanged_translation_and_takes_a_changed_source_text(
    outdated: Translation,
) -> None:
    po = _update_file(outdated)
    for entry in po:
        entry.msgstr = ""
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
    _import(outdated, po)
    content = _content(outdated)
    assert content["title"] == SPANISH["/title"]
    assert content["summary"] == NEW_SUMMARY, "never the translation of the old summary"
    assert content["risks"]["items"][1]["description"] == "The second fixture risk, reworded."


def test_an_update_file_with_fuzzy_entries_left_is_refused(outdated: Translation) -> None:
    po = _update_file(outdated)
    _entries(po)[NEW_RISK_NAME].msgstr = "Riesgo C de la ficha"
    refused = _refused(outdated, po, PoRefusedError)
    assert isinstance(refused, PoRefusedError) and refused.code == "po_fuzzy"
    assert {e["pointer"] for e in refused.errors} == {"/summary", "/risks/items/1/description"}


def test_a_file_for_neither_the_translated_nor_the_live_revision_is_outdated(
    outdated: Translation,
) -> None:
    po = _update_file(outdated)
    _confirm_every_fuzzy(po)
    po.metadata["X-Source-Revision"] = "7"
    refused = _refused(outdated, po, PoRefusedError)
    assert isinstance(refused, PoRefusedError) and refused.code == "po_outdated"
    assert "revision 7" in refused.detail and "live revision is 2" in refused.detail


def test_an_update_file_is_outdated_once_the_source_publishes_again(
    outdated: Translation,
) -> None:
    po = _update_file(outdated)
    _confirm_every_fuzzy(po)

    def change(content: dict[str, Any]) -> None:
        content["title"] = "PO exchange fixture, revision 3"

    assert publish_source_change(outdated.source_id, change) == 3
    refused = _refused(outdated, po, PoRefusedError)
    assert isinstance(refused, PoRefusedError) and refused.code == "po_outdated"


def test_the_translated_revision_s_file_still_imports_as_before(outdated: Translation) -> None:
    po = polib.pofile(export_po(outdated))
    assert po.metadata["X-Source-Revision"] == "1"
    _entries(po)["/risks/statement"].msgstr = "Riesgos de la ficha."
    _import(outdated, po)
    assert Translation.objects.get(pk=outdated.pk).source_revision == 1
    assert _content(outdated)["risks"]["statement"] == "Riesgos de la ficha."


def test_an_update_with_a_stale_version_is_a_conflict_and_changes_nothing(
    outdated: Translation,
) -> None:
    po = _update_file(outdated)
    _confirm_every_fuzzy(po)
    before = _state(outdated)
    with pytest.raises(ConflictError), transaction.atomic():
        _import(outdated, po, version=_version(outdated) - 1)
    assert _state(outdated) == before


def test_an_update_that_changes_no_text_still_brings_the_translation_up_to_date(
    translation: Translation,
) -> None:
    def change(content: dict[str, Any]) -> None:
        content["procedure"]["steps"][1]["quantity_ucum"]["max"] = 11  # a number only
        content["procedure"]["steps"][1]["quantity"] = None

    publish_source_change(translation.source_id, change)
    translation.refresh_from_db()
    version = _version(translation)
    po = _update_file(translation)
    assert not any(entry.fuzzy for entry in po)
    saved = _import(translation, po)
    assert saved.version == version + 1
    assert Translation.objects.get(pk=translation.pk).source_revision == 2
    assert _content(translation)["procedure"]["steps"][1]["quantity_ucum"]["max"] == 11


# --- what cannot be mapped is refused, not guessed ----------------------------------------------


def test_a_list_item_inserted_before_others_cannot_be_mapped_409(
    translation: Translation,
) -> None:
    file_of_revision_1 = _update_file(translation)  # up to date: revision 1's file

    def change(content: dict[str, Any]) -> None:
        content["risks"]["items"].insert(0, copy.deepcopy(NEW_RISK))

    publish_source_change(translation.source_id, change)
    translation.refresh_from_db()
    with pytest.raises(StateError) as caught:
        export_po(translation, update=True)
    assert caught.value.code == "structure_not_mappable"
    assert "Fixture risk C" in caught.value.detail and "position 1" in caught.value.detail
    # A hand-made update file (revision 1's texts as revision 2's) is refused the same way.
    file_of_revision_1.metadata["X-Source-Revision"] = "2"
    refused = _refused(translation, file_of_revision_1, StateError)
    assert isinstance(refused, StateError) and refused.code == "structure_not_mappable"


def test_a_working_copy_whose_structure_is_its_own_is_refused_409(
    outdated: Translation,
) -> None:
    content = _content(outdated)
    content["procedure"]["steps"][1]["quantity_ucum"]["max"] = 99  # neither revision says 99
    content["procedure"]["steps"][1]["quantity"] = None
    treatment_replace(
        treatment_id=outdated.treatment_id,
        content=content_validate(content),
        expected_version=_version(outdated),
        actor=None,
    )
    with pytest.raises(StateError) as caught:
        export_po(outdated, update=True)
    assert caught.value.code == "translation_structure_differs"
    assert "/procedure/steps/1/quantity_ucum" in caught.value.detail


def test_a_working_copy_already_following_the_live_structure_updates(
    outdated: Translation,
) -> None:
    """An editor added the new risk on the change page before asking for the file."""
    content = _content(outdated)
    content["risks"]["items"].append({**copy.deepcopy(NEW_RISK), "name": "Riesgo C"})
    content["procedure"]["steps"][1]["quantity_ucum"].update(min=12, max=12)
    content["procedure"]["steps"][1]["quantity"] = None
    treatment_replace(
        treatment_id=outdated.treatment_id,
        content=content_validate(content),
        expected_version=_version(outdated),
        actor=None,
    )
    po = _update_file(outdated)
    entry = _entries(po)[NEW_RISK_NAME]
    assert (entry.msgstr, entry.fuzzy) == ("Riesgo C", False)
    _confirm_every_fuzzy(po)
    _import(outdated, po)
    assert _content(outdated)["risks"]["items"][2]["name"] == "Riesgo C"


# --- the command ------------------------------------------------------------------------------


def test_the_command_exports_the_update_and_imports_it(
    outdated: Translation, tmp_path: Any
) -> None:
    path = tmp_path / "es.po"
    err = io.StringIO()
    call_command(
        "translation_po",
        "export",
        str(outdated.treatment_id),
        "--update",
        "--output",
        str(path),
        stderr=err,
    )
    assert "source revision 2" in err.getvalue()
    po = polib.pofile(str(path))
    assert po.metadata[HEADER_PREVIOUS_REVISION] == "1"
    _confirm_every_fuzzy(po)
    po.save(str(path))
    out = io.StringIO()
    call_command("translation_po", "import", str(outdated.treatment_id), str(path), stdout=out)
    assert "translates source revision 2" in out.getvalue()


# --- the round trip, for any texts --------------------------------------------------------------

_TEXT = texts(120, min_size=1)  # any text the contract takes


@settings(
    derandomize=True,
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_an_update_round_trip_carries_every_translation_it_may_and_no_other(
    outdated: Translation, data: st.DataObject
) -> None:
    """Any translated texts, any confirmation: after the import each live text is the file's
    msgstr, or the kept translation of an unchanged text, or the source's new text."""
    with transaction.atomic():
        po = _update_file(outdated)
        before = {e.msgctxt: e.previous_msgid for e in po if e.fuzzy}
        written: dict[str, str] = {}
        for entry in po:
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
            if data.draw(st.booleans(), label=f"translate {entry.msgctxt}"):
                entry.msgstr = written[entry.msgctxt] = data.draw(_TEXT, label=entry.msgctxt)
            elif data.draw(st.booleans(), label=f"empty {entry.msgctxt}"):
                entry.msgstr = ""
        _import(outdated, polib.pofile(str(po)))  # as a tool writes it back
        texts = {t.pointer: t.text for t in document_texts(_content(outdated), empty=True)}
        for entry in po:
            pointer = entry.msgctxt
            if pointer in written:
                assert texts[pointer] == written[pointer]
            elif entry.msgstr:  # confirmed by the translator: the carried translation
                assert texts[pointer] == entry.msgstr
            elif pointer in before:  # emptied: never the old translation of a changed text
                assert texts[pointer] == entry.msgid
            else:  # emptied: an unchanged text keeps its translation, a new one is the source's
                assert texts[pointer] == SPANISH.get(pointer, entry.msgid)
        row = Translation.objects.get(pk=outdated.pk)
        assert row.source_revision == 2
        # Up to date now: its file is the live revision's, with nothing fuzzy.
        assert export_po(row, update=True) == export_po(row)
        assert not any(entry.fuzzy for entry in polib.pofile(export_po(row)))
        transaction.set_rollback(True)
