"""PO exchange: export a translation, import it back, refuse files that do not fit."""

import copy
import io
from typing import Any

import polib
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editorial.translations import exchange
from editorial.translations.exchange import PoRefusedError, export_po, import_po
from editorial.translations.models import Translation
from editorial.translations.services import translation_bring_up_to_date, translation_create
from editorial.translations.texts import document_texts, texts_apply
from tests.editorial.translations.support import SPANISH, exchange_source, exchange_spanish
from treatments.documents.build import build_content
from treatments.documents.schema import TreatmentContent
from treatments.errors import ConflictError, ContentInvalidError, StateError
from treatments.models import AuditEntry, Treatment
from treatments.services import (
    content_load,
    content_validate,
    treatment_publish,
    treatment_replace,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def translation(db: Any) -> Translation:
    source = exchange_source()
    content_load(content=TreatmentContent.model_validate(source), publish=True)
    source_row = Treatment.objects.get(slug=source["slug"])
    return translation_create(
        source_id=source_row.pk,
        language="es",
        content=TreatmentContent.model_validate(exchange_spanish(source)),
        actor=None,
    )


def _entries(po_text: str) -> dict[str, polib.POEntry]:
    return {e.msgctxt: e for e in polib.pofile(po_text)}


def _content(translation: Translation) -> dict[str, Any]:
    return build_content(Treatment.objects.get(pk=translation.treatment_id))


def _version(translation: Translation) -> int:
    return Treatment.objects.get(pk=translation.treatment_id).version


def _import(translation: Translation, po_text: str, version: int | None = None) -> Treatment:
    return import_po(
        translation,
        po_text,
        expected_version=_version(translation) if version is None else version,
        actor=None,
    )


def _refusal(translation: Translation, po_text: str) -> PoRefusedError:
    before = (_version(translation), _content(translation))
    with pytest.raises(PoRefusedError) as caught:
        _import(translation, po_text)
    assert (_version(translation), _content(translation)) == before, "nothing may change"
    return caught.value


# --- texts ----------------------------------------------------------------------------------


def test_texts_are_human_language_strings_in_document_order() -> None:
    pointers = [t.pointer for t in document_texts(exchange_source())]
    assert pointers == [
        "/title",
        "/summary",
        "/overview",
        "/procedure/intro",
        "/procedure/steps/0/title",
        "/procedure/steps/0/detail",
        "/procedure/steps/1/title",
        "/procedure/steps/1/detail",
        "/procedure/steps/1/quantity_ucum/of",
        "/risks/statement",
        "/risks/items/0/name",
        "/risks/items/0/description",
        "/risks/items/0/likelihood/wording",
        "/risks/items/1/name",
        "/risks/items/1/description",
        "/safety/contraindication_items/0/text",
        "/attribution",
    ]


def test_identifiers_codes_units_urls_dates_and_names_are_never_texts() -> None:
    content = TreatmentContent.model_validate(exchange_source()).model_dump(mode="json")
    pointers = {t.pointer for t in document_texts(content)}
    # The validated form holds derived 1.0 fields and string lists too: they follow, not lead.
    assert content["procedure"]["steps"][1]["quantity"]["of"] == "fixture fluid"
    assert content["safety"]["contraindications"] == ["A fixture contraindication."]
    for pointer in (
        "/slug",
        "/language",
        "/category/name",
        "/category/slug",
        "/procedure/steps/1/quantity/of",
        "/procedure/steps/1/quantity_ucum/unit",
        "/procedure/steps/1/quantity_ucum/unit_display",
        "/safety/contraindications/0",
        "/safety/contraindication_items/0/kind",
        "/risks/items/0/likelihood/band",
        "/review/reviewer",
        "/review/last_reviewed_on",
        "/sources/0/title",
        "/sources/0/url",
        "/licence/name",
    ):
        assert pointer not in pointers, pointer


def test_applying_texts_rederives_the_fields_that_follow_them() -> None:
    content = TreatmentContent.model_validate(exchange_source()).model_dump(mode="json")
    changed = texts_apply(
        content,
        {"/procedure/steps/1/quantity_ucum/of": "X", "/safety/contraindication_items/0/text": "Y"},
    )
    valid = TreatmentContent.model_validate(changed).model_dump(mode="json")
    assert valid["procedure"]["steps"][1]["quantity"]["of"] == "X"
    assert valid["safety"]["contraindications"] == ["Y"]


# --- export ---------------------------------------------------------------------------------


def test_export_gives_the_source_revision_texts_and_the_translation_where_it_differs(
    translation: Translation,
) -> None:
    po = polib.pofile(export_po(translation))
    assert po.metadata["Language"] == "es"
    assert po.metadata["X-Source-Treatment-Id"] == str(translation.source_id)
    assert po.metadata["X-Source-Treatment-Slug"] == "po-exchange-fixture"
    assert po.metadata["X-Source-Revision"] == "1"
    assert po.metadata["X-Translation-Id"] == str(translation.treatment_id)
    assert po.metadata["X-Translation-Version"] == str(_version(translation))
    entries = {e.msgctxt: e for e in po}
    assert list(entries) == [t.pointer for t in document_texts(exchange_source())]
    assert entries["/title"].msgid == "PO exchange fixture"
    assert entries["/title"].msgstr == SPANISH["/title"]
    assert entries["/risks/items/0/name"].msgstr == "", "identical to the source: untranslated"
    translated = {p for p, e in entries.items() if e.msgstr}
    assert translated == set(SPANISH)


def test_export_uses_the_revision_translated_not_the_source_working_copy(
    translation: Translation,
) -> None:
    source = Treatment.objects.get(pk=translation.source_id)
    content = build_content(source)
    content["title"] = "A changed fixture title"
    changed = treatment_replace(
        treatment_id=source.pk,
        content=content_validate(content),
        expected_version=source.version,
        actor=None,
    )
    treatment_publish(treatment_id=source.pk, expected_version=changed.version, actor=None)
    entries = _entries(export_po(Translation.objects.get(pk=translation.pk)))
    assert entries["/title"].msgid == "PO exchange fixture", "still revision 1's text"


# --- import ---------------------------------------------------------------------------------


def test_import_applies_msgstrs_in_one_audited_write(translation: Translation) -> None:
    version = _version(translation)
    po = polib.pofile(export_po(translation))
    for entry in po:
        if entry.msgctxt == "/risks/items/0/name":
            entry.msgstr = "Riesgo A de la ficha"
        if entry.msgctxt == "/procedure/steps/1/quantity_ucum/of":
            entry.msgstr = "otro líquido"
    saved = _import(translation, str(po))
    assert saved.version == version + 1
    content = _content(translation)
    assert content["risks"]["items"][0]["name"] == "Riesgo A de la ficha"
    assert content["procedure"]["steps"][1]["quantity_ucum"]["of"] == "otro líquido"
    assert content["procedure"]["steps"][1]["quantity"]["of"] == "otro líquido"
    assert content["title"] == SPANISH["/title"], "untouched entries keep their text"
    assert content["slug"] == "po-exchange-fixture-es" and content["language"] == "es"
    entry = AuditEntry.objects.filter(treatment_id=translation.treatment_id).latest("id")
    assert entry.version_after == version + 1 and "PO file" in entry.message


def test_import_with_a_stale_version_is_a_conflict_and_changes_nothing(
    translation: Translation,
) -> None:
    po = polib.pofile(export_po(translation))
    po[0].msgstr = "Otro título"
    before = _content(translation)
    with pytest.raises(ConflictError), transaction.atomic():
        _import(translation, str(po), version=_version(translation) - 1)
    assert _content(translation) == before


def test_an_empty_msgstr_leaves_the_text_and_an_unchanged_file_writes_nothing(
    translation: Translation,
) -> None:
    version = _version(translation)
    po = polib.pofile(export_po(translation))
    for entry in po:
        entry.msgstr = ""
    assert _import(translation, str(po)).version == version
    assert _content(translation)["title"] == SPANISH["/title"]


def _with_header(po_text: str, name: str, value: str) -> str:
    po = polib.pofile(po_text)
    po.metadata[name] = value
    return str(po)


def test_obsolete_entries_are_ignored_as_msgfmt_ignores_them(translation: Translation) -> None:
    po = polib.pofile(export_po(translation))
    po.append(polib.POEntry(msgctxt="/gone", msgid="An old text", msgstr="Viejo", obsolete=True))
    po[0].msgstr = "Título nuevo"
    text = str(po)
    assert '#~ msgctxt "/gone"' in text
    _import(translation, text)
    assert _content(translation)["title"] == "Título nuevo"


def test_a_file_for_another_source_revision_is_refused_as_outdated(
    translation: Translation,
) -> None:
    po_text = _with_header(export_po(translation), "X-Source-Revision", "2")
    po = polib.pofile(po_text)
    po[0].msgstr = "Otro título"
    assert _refusal(translation, str(po)).code == "po_outdated"


@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        ("Language", "fr", "po_other_language"),
        ("X-Translation-Id", "00000000-0000-0000-0000-000000000000", "po_other_translation"),
        ("X-Source-Treatment-Id", "00000000-0000-0000-0000-000000000000", "po_other_translation"),
    ],
)
def test_a_file_for_another_translation_or_language_is_refused(
    translation: Translation, header: str, value: str, code: str
) -> None:
    assert _refusal(translation, _with_header(export_po(translation), header, value)).code == code


def _fuzzy(po: polib.POFile) -> None:
    po[1].flags.append("fuzzy")
    po[1].msgstr = "quizá"


def test_unknown_pointers_changed_msgids_duplicates_and_fuzzy_entries_are_refused(
    translation: Translation,
) -> None:
    base = export_po(translation)
    cases = {
        "po_unknown_pointer": lambda po: po.append(
            polib.POEntry(msgctxt="/slug", msgid="po-exchange-fixture", msgstr="otro")
        ),
        "po_msgid_mismatch": lambda po: setattr(po[0], "msgid", "An edited msgid"),
        "po_duplicate_entry": lambda po: po.append(copy.copy(po[0])),
        "po_fuzzy": _fuzzy,
    }
    for code, change in cases.items():
        po = polib.pofile(base)
        change(po)
        refused = _refusal(translation, str(po))
        assert refused.code == code, (code, refused.errors)
        assert refused.errors and refused.errors[0]["message"]


@pytest.mark.parametrize(
    "po_text",
    [
        "not a po file",
        'msgid "unterminated\nmsgstr ""\n',
        "/etc/passwd",
        'msgctxt "/title"\nmsgid "x"\nmsgstr "y"\n\x00',
    ],
)
def test_malformed_files_are_refused(translation: Translation, po_text: str) -> None:
    assert _refusal(translation, po_text).code in ("po_malformed", "po_other_translation")


def test_an_over_size_file_is_refused_before_it_is_parsed(translation: Translation) -> None:
    po_text = export_po(translation) + "#" * exchange.MAX_PO_BYTES + "\n"
    assert _refusal(translation, po_text).code == "po_too_large"


def test_text_the_contract_refuses_is_refused_with_its_pointer(translation: Translation) -> None:
    po = polib.pofile(export_po(translation))
    po[0].msgstr = "x" * 201  # a title is at most 200 characters
    before = _content(translation)
    with pytest.raises(ContentInvalidError) as caught:
        _import(translation, str(po))
    assert caught.value.errors[0]["pointer"] == "/title"
    assert _content(translation) == before


def test_a_text_where_the_translation_has_none_is_refused(translation: Translation) -> None:
    content = _content(translation)
    content["procedure"]["steps"][1]["quantity_ucum"] = None
    content["procedure"]["steps"][1]["quantity"] = None
    treatment_replace(
        treatment_id=translation.treatment_id,
        content=content_validate(content),
        expected_version=_version(translation),
        actor=None,
    )
    po = polib.pofile(export_po(translation))
    entry = next(e for e in po if e.msgctxt == "/procedure/steps/1/quantity_ucum/of")
    assert entry.msgstr == ""
    entry.msgstr = "líquido"
    assert _refusal(translation, str(po)).code == "po_structure_differs"


# --- round trip -----------------------------------------------------------------------------

# Any text the contract takes (no control characters but tab, LF and CR; no bidi controls).
_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],
        exclude_characters=[chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
        + [chr(c) for c in range(0x7F, 0xA0)]
        + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))],
    ),
    min_size=1,
    max_size=150,
)


@settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(_TEXT, min_size=17, max_size=17))
def test_export_then_import_is_lossless(translation: Translation, texts: list[str]) -> None:
    pointers = [t.pointer for t in document_texts(exchange_source())]
    with transaction.atomic():
        content = texts_apply(_content(translation), dict(zip(pointers, texts, strict=True)))
        treatment_replace(
            treatment_id=translation.treatment_id,
            content=content_validate(content),
            expected_version=_version(translation),
            actor=None,
        )
        before_version, before = _version(translation), _content(translation)
        po_text = export_po(translation)
        # Import the file as a translator's tool would write it back: parsed and saved again.
        saved = _import(translation, str(polib.pofile(po_text)))
        assert saved.version == before_version, "an unchanged file writes nothing"
        assert _content(translation) == before
        # And the file carries every text: importing it onto the source's own texts restores them.
        reset = texts_apply(before, {t.pointer: t.text for t in document_texts(exchange_source())})
        treatment_replace(
            treatment_id=translation.treatment_id,
            content=content_validate(reset),
            expected_version=before_version,
            actor=None,
        )
        after_reset = _version(translation)
        fresh_file = _with_header(po_text, "X-Translation-Version", str(after_reset))
        _import(translation, fresh_file)
        assert _content(translation) == before
        transaction.set_rollback(True)


# --- management command ---------------------------------------------------------------------


def test_the_command_exports_and_imports_with_the_file_version_as_precondition(
    translation: Translation, tmp_path: Any
) -> None:
    path = tmp_path / "es.po"
    call_command("translation_po", "export", str(translation.treatment_id), "--output", str(path))
    po = polib.pofile(str(path))
    assert po.metadata["X-Translation-Id"] == str(translation.treatment_id)
    entry = next(e for e in po if e.msgctxt == "/risks/statement")
    entry.msgstr = "Riesgos de la ficha, solo en palabras."
    po.save(str(path))
    version = _version(translation)
    out = io.StringIO()
    call_command("translation_po", "import", str(translation.treatment_id), str(path), stdout=out)
    assert f"now version {version + 1}" in out.getvalue()
    assert _content(translation)["risks"]["statement"] == "Riesgos de la ficha, solo en palabras."
    # The same file again was made before that write: refused, not written over.
    entry.msgstr = "Otra cosa"
    po.save(str(path))
    with pytest.raises(CommandError, match="changed by someone else"):
        call_command("translation_po", "import", str(translation.treatment_id), str(path))
    assert _content(translation)["risks"]["statement"] == "Riesgos de la ficha, solo en palabras."


def test_the_command_reports_a_refused_file_with_its_reason(
    translation: Translation, tmp_path: Any
) -> None:
    path = tmp_path / "es.po"
    po = polib.pofile(export_po(translation))
    po[0].flags.append("fuzzy")
    po[0].msgstr = "Quizá"
    po.save(str(path))
    with pytest.raises(CommandError, match=r"Refused \(po_fuzzy\)[\s\S]*/title"):
        call_command("translation_po", "import", str(translation.treatment_id), str(path))


# --- the source moves on ---------------------------------------------------------------------


def _publish_source_change(translation: Translation) -> int:
    source = Treatment.objects.get(pk=translation.source_id)
    content = build_content(source)
    content["summary"] = "A changed synthetic summary."
    changed = treatment_replace(
        treatment_id=source.pk,
        content=content_validate(content),
        expected_version=source.version,
        actor=None,
    )
    return treatment_publish(
        treatment_id=source.pk, expected_version=changed.version, actor=None
    ).revision.number


def test_a_file_of_the_old_source_revision_is_refused_once_the_translation_moved_on(
    translation: Translation,
) -> None:
    old_file = polib.pofile(export_po(translation))
    old_file[0].msgstr = "Otro título"
    revision = _publish_source_change(translation)
    translation.refresh_from_db()
    assert translation.outdated and translation.source_revision == 1
    translation_bring_up_to_date(
        translation_id=translation.treatment_id,
        source_revision=revision,
        expected_version=_version(translation),
        actor=None,
    )
    translation.refresh_from_db()
    refused = _refusal(translation, str(old_file))
    assert refused.code == "po_outdated" and "export again" in refused.detail
    new_file = {e.msgctxt: e for e in polib.pofile(export_po(translation))}
    assert new_file["/summary"].msgid == "A changed synthetic summary."
    assert new_file["/summary"].msgstr == SPANISH["/summary"], "the old translation, to review"


def test_export_of_a_translation_of_a_never_published_source_is_refused(db: Any) -> None:
    source = exchange_source()
    source["slug"] = "po-exchange-draft-fixture"
    content_load(content=TreatmentContent.model_validate(source))
    row = translation_create(
        source_id=Treatment.objects.get(slug=source["slug"]).pk,
        language="es",
        content=TreatmentContent.model_validate(exchange_spanish(source)),
        actor=None,
    )
    with pytest.raises(StateError) as caught:
        export_po(row)
    assert caught.value.code == "source_not_published"
