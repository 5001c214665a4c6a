"""Exchange with translators as gettext PO files: export a translation, import it back.

One entry per translatable text of the source revision the translation translates (see
`texts.py`), in document order:

- `msgctxt`: the text's JSON Pointer into the document (`/risks/items/2/description`);
- `msgid`: the source's text at that revision (never the source's working copy);
- `msgstr`: the translation's working-copy text at the same pointer, or empty when it is
  still identical to the source's (or the translation has no text there): empty means
  "not translated yet", as every PO tool shows it.

The header says what the file is for: `Language` (the translation's), `X-Source-Language`,
`X-Source-Treatment-Id`, `X-Source-Treatment-Slug`, `X-Source-Revision` (the revision the
msgids come from), `X-Translation-Id` and `X-Translation-Version` (the working copy's version
when exported; the management command uses it as the precondition).

Importing applies every non-empty msgstr through `treatment_replace` (one atomic
compare-and-set write, audited); an empty msgstr leaves the text as it is, and entries left
out of the file are left alone, so exporting and importing again changes nothing. A file is
refused whole, nothing written, when it is malformed or larger than MAX_PO_BYTES, made for
another translation, language or source revision (outdated: export again), has an entry for
a pointer the source revision has no text at, a msgid that is not the source's text, a
plural, a duplicate msgctxt, or a fuzzy entry: a fuzzy entry is a guess a tool or translator
has not confirmed, so it is never applied silently; resolve it (or empty its msgstr) and
import again. Obsolete entries (`#~`) are ignored, as `msgfmt` ignores them.

An outdated translation (its source published a newer revision) can also be exported against
the source's live revision (`update=True`): the update file, whose changed texts are fuzzy
with their previous msgid, and whose import brings the translation up to that revision
(`exchange_update`). A file is imported for the revision its header names: the one the
translation translates, or the live one; any other is outdated.
"""

import json
import os
from collections.abc import Mapping
from typing import Any

import polib
from django.db import transaction

from treatments.documents.build import build_content, content_of
from treatments.errors import ContentInvalidError, StateError
from treatments.models import Revision, Treatment
from treatments.services import content_validate, treatment_get_for_edit, treatment_replace

from . import services
from .exchange_update import (
    HEADER_PREVIOUS_REVISION,
    SourceUpdate,
    live_source_revision,
    source_update,
    update_content,
    update_entries,
)
from .models import Translation
from .texts import Text, document_texts, texts_apply

MEDIA_TYPE = "text/x-gettext-translation"
MAX_PO_BYTES = 1024 * 1024
CHARSET = "UTF-8"
HEADER_SOURCE_LANGUAGE = "X-Source-Language"
HEADER_SOURCE_ID = "X-Source-Treatment-Id"
HEADER_SOURCE_SLUG = "X-Source-Treatment-Slug"
HEADER_SOURCE_REVISION = "X-Source-Revision"
HEADER_TRANSLATION_ID = "X-Translation-Id"
HEADER_TRANSLATION_VERSION = "X-Translation-Version"


class PoRefusedError(ContentInvalidError):
    """A PO file that cannot be imported; `code` says why, `errors` point at its entries."""

    title = "PO file refused"

    def __init__(self, errors: list[dict[str, Any]], *, code: str, detail: str) -> None:
        super().__init__(errors, detail)
        self.code = code


def _refuse(code: str, message: str, pointer: str = "") -> PoRefusedError:
    field = pointer.strip("/").replace("/", ".") or "(file)"
    return PoRefusedError(
        [{"field": field, "pointer": pointer, "message": message}], code=code, detail=message
    )


def source_texts(translation: Translation) -> list[Text]:
    """The texts of the source revision the translation translates, in document order."""
    if translation.source_revision is None:
        raise StateError(
            "The source was not published when this translation was made, so there is no "
            "source revision to translate; publish the source and bring the translation up to "
            "date with it (translates/), then export.",
            code="source_not_published",
        )
    revision = Revision.objects.get(
        treatment_id=translation.source_id, number=translation.source_revision
    )
    return document_texts(content_of(json.loads(revision.document_json)))


def _working_copy(translation: Translation) -> Treatment:
    return treatment_get_for_edit(treatment_id=translation.treatment_id)


def export_po(translation: Translation, *, update: bool = False) -> str:
    """The PO file of `translation`: the source revision's texts and the translation's own.

    `update`: against the source's live revision, when the translation translates an older
    one (the update file, `exchange_update`); the same file as without it otherwise.
    """
    treatment = _working_copy(translation)
    content = build_content(treatment)
    current = {t.pointer: t.text for t in document_texts(content)}
    revision = translation.source_revision
    changes: SourceUpdate | None = None
    if update and revision is not None and live_source_revision(translation) != revision:
        changes = source_update(translation, content)
        revision = changes.live
        entries = update_entries(changes, current)
    else:
        entries = [
            polib.POEntry(msgctxt=pointer, msgid=text, msgstr=_carried(current, pointer, text))
            for pointer, text in source_texts(translation)
        ]
    po = polib.POFile(wrapwidth=78)
    po.metadata = {
        "Project-Id-Version": f"{translation.source.slug} revision {revision}",
        "Language": translation.language,
        "MIME-Version": "1.0",
        "Content-Type": f"text/plain; charset={CHARSET}",
        "Content-Transfer-Encoding": "8bit",
        HEADER_SOURCE_LANGUAGE: translation.source_language,
        HEADER_SOURCE_ID: str(translation.source_id),
        HEADER_SOURCE_SLUG: translation.source.slug,
        HEADER_SOURCE_REVISION: str(revision),
        HEADER_TRANSLATION_ID: str(translation.treatment_id),
        HEADER_TRANSLATION_VERSION: str(treatment.version),
    }
    if changes is not None:
        po.metadata[HEADER_PREVIOUS_REVISION] = str(changes.translated)
    po.extend(entries)
    return str(po)


def _carried(current: Mapping[str, str], pointer: str, text: str) -> str:
    """The translation's text as a msgstr: empty while it is still the source's text."""
    translated = current.get(pointer, "")
    return "" if translated == text else translated


def parse_po(po_text: str) -> polib.POFile:
    """The parsed file, or PoRefusedError saying why it is not a PO file we take."""
    if len(po_text.encode("utf-8", "surrogatepass")) > MAX_PO_BYTES:
        raise _refuse(
            "po_too_large",
            f"The file is larger than {MAX_PO_BYTES} bytes; no translation needs more. Send "
            "the file export gave.",
        )
    # polib reads a *path* when given a string naming an existing file: a PO text always
    # has several lines, so a one-line string is refused before polib sees it.
    if "\n" not in po_text or "\x00" in po_text or os.path.exists(po_text):
        raise _refuse("po_malformed", "This is not a PO file: send the text export gave.")
    try:
        po = polib.pofile(po_text, encoding="utf-8")
    except (OSError, ValueError, IndexError, KeyError, UnicodeError) as exc:
        raise _refuse("po_malformed", f"The PO file cannot be read: {exc}") from None
    charset = po.metadata.get("Content-Type", "").partition("charset=")[2].strip()
    if charset and charset.upper() not in ("UTF-8", "UTF8"):
        raise _refuse(
            "po_malformed", f"The file says charset={charset}; save it as UTF-8 and say so."
        )
    return po


def _check_headers(po: polib.POFile, translation: Translation) -> int | None:
    """The source revision the file is for, once it is this translation's file for the revision
    the translation translates or the source's live one; else PoRefusedError."""
    meta = po.metadata
    said = meta.get(HEADER_TRANSLATION_ID, "").strip()
    if said != str(translation.treatment_id):
        raise _refuse(
            "po_other_translation",
            f"This file was exported for translation {said or '(none)'}, not "
            f"{translation.treatment_id}; export this translation's own file.",
        )
    if meta.get(HEADER_SOURCE_ID, "").strip() != str(translation.source_id):
        raise _refuse(
            "po_other_translation",
            "This file translates another source treatment; export this translation's own file.",
        )
    language = meta.get("Language", "").strip().replace("_", "-")
    if language.lower() != translation.language.lower():
        raise _refuse(
            "po_other_language",
            f"The file's Language is '{language or '(none)'}' but the translation is into "
            f"'{translation.language}'; export this translation's own file.",
        )
    revision = meta.get(HEADER_SOURCE_REVISION, "").strip()
    if revision == str(translation.source_revision):
        return translation.source_revision
    live = live_source_revision(translation)
    if live is not None and translation.source_revision is not None and revision == str(live):
        return live
    live_said = f"the source's live revision is {live}" if live else "the source is not live"
    raise _refuse(
        "po_outdated",
        f"The file translates source revision {revision or '(none)'}, but the translation "
        f"translates revision {translation.source_revision} and {live_said}; export again "
        "(the update file, against the live revision, carries your translations over and "
        "marks the texts the source changed fuzzy).",
    )


def po_texts(po: polib.POFile, translation: Translation) -> dict[str, str]:
    """The texts a parsed file sets (pointer -> text), or PoRefusedError with every problem."""
    _check_headers(po, translation)
    return entry_texts(po, dict(source_texts(translation)), translation.source_revision)


def entry_texts(
    po: polib.POFile, source: Mapping[str, str], revision: int | None
) -> dict[str, str]:
    """The texts a file for source revision `revision` (whose texts are `source`) sets."""
    errors: list[dict[str, Any]] = []
    codes: list[str] = []
    seen: set[str] = set()
    texts: dict[str, str] = {}

    def problem(code: str, pointer: str, message: str) -> None:
        codes.append(code)
        field = pointer.strip("/").replace("/", ".") or "(file)"
        errors.append({"field": field, "pointer": pointer, "message": message})

    for entry in po:
        if entry.obsolete:  # `#~` entries: kept by tools for old msgids, never applied
            continue
        pointer = entry.msgctxt or ""
        if not pointer.startswith("/"):
            problem(
                "po_unknown_pointer",
                "",
                f"The entry {entry.msgid[:60]!r} has no msgctxt "
                "(the JSON Pointer of its text); keep the msgctxt export gave.",
            )
            continue
        if pointer in seen:
            problem("po_duplicate_entry", pointer, "This msgctxt appears twice; keep one entry.")
            continue
        seen.add(pointer)
        if pointer not in source:
            problem(
                "po_unknown_pointer",
                pointer,
                f"Source revision {revision} has no text at this pointer.",
            )
        elif entry.msgid != source[pointer]:
            problem(
                "po_msgid_mismatch",
                pointer,
                "The msgid is not the source's text at this pointer; do not edit msgids, "
                "translate in msgstr.",
            )
        elif entry.msgid_plural:
            problem("po_malformed", pointer, "Texts have no plural forms; remove msgid_plural.")
        elif entry.fuzzy:
            problem(
                "po_fuzzy",
                pointer,
                "The entry is marked fuzzy (unconfirmed); confirm the translation and clear "
                "the flag, or empty its msgstr, then import again.",
            )
        elif entry.msgstr:
            texts[pointer] = entry.msgstr
    if errors:
        raise PoRefusedError(
            errors,
            code=codes[0],
            detail=f"{len(errors)} entr{'y' if len(errors) == 1 else 'ies'} refused; the "
            f"first at {errors[0]['pointer'] or '(file)'}: {errors[0]['message']} Nothing was "
            "changed.",
        )
    return texts


def po_content(translation: Translation, texts: Mapping[str, str]) -> dict[str, Any]:
    """The translation's working-copy content with `texts` applied (not saved)."""
    current = build_content(_working_copy(translation))
    try:
        return texts_apply(current, texts)
    except KeyError as exc:
        pointer = str(exc.args[0])
        raise _refuse(
            "po_structure_differs",
            "The translation's working copy has no text at this pointer: its structure differs "
            "from the source revision's. Make it follow the source (edit the working copy), "
            "then import again.",
            pointer,
        ) from None


@transaction.atomic
def import_po(
    translation: Translation,
    po_text: str,
    *,
    expected_version: int | None,
    actor: Any,
    request_id: str = "",
) -> Treatment:
    """Apply a PO file's translations to the working copy (one compare-and-set write).

    Everything is checked before anything is written; a refused file changes nothing. A file
    that changes no text writes nothing (the version stays, as for any identical write). An
    update file (for the source's live revision) also brings the translation up to that
    revision, so it is always a write.
    """
    po = parse_po(po_text)
    translation = Translation.objects.select_related("source").get(pk=translation.pk)  # afresh
    revision = _check_headers(po, translation)
    if revision != translation.source_revision:
        return _import_update(translation, po, expected_version, actor, request_id)
    texts = entry_texts(po, dict(source_texts(translation)), revision)
    content = content_validate(po_content(translation, texts))
    return treatment_replace(
        treatment_id=translation.treatment_id,
        content=content,
        expected_version=expected_version,
        actor=actor,
        message=f"Imported from a PO file (source revision {translation.source_revision}).",
        request_id=request_id,
    )


def _import_update(
    translation: Translation,
    po: polib.POFile,
    expected_version: int | None,
    actor: Any,
    request_id: str,
) -> Treatment:
    """Apply an update file (made for the source's live revision) and bring the translation up
    to that revision, in one audited compare-and-set write."""
    current = build_content(_working_copy(translation))
    changes = source_update(translation, current)
    texts = entry_texts(po, dict(changes.texts), changes.live)
    content = content_validate(update_content(changes, current, texts))
    services.translation_bring_up_to_date(
        translation_id=translation.treatment_id,
        source_revision=changes.live,
        expected_version=expected_version,
        actor=actor,
        content=content,
        message=f"Imported from a PO update file (source revision {changes.translated} → "
        f"{changes.live}).",
        request_id=request_id,
    )
    return _working_copy(translation)
