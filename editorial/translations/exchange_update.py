"""A PO update file: an outdated translation's texts against the source's live revision.

When the source published revision L after the revision T the translation translates, the
update file is made for L (`X-Source-Revision: L`, and `X-Previous-Source-Revision: T`):

- `msgid`: the live revision's text at that pointer;
- a text the source changed since T: `#, fuzzy`, `#| msgid` the text at T, and as `msgstr`
  the translation's current text, for the translator to check against the change;
- a text new in the source (a risk added, say): an empty `msgstr`;
- a text the source removed: not in the file, and gone from the translation once imported.

Importing it (every fuzzy flag cleared) makes the translation's working copy the live
revision's structure and values (list items, numbers, codes: the source's) carrying the
translated texts, and records that it translates L, in one audited compare-and-set write
(`services.translation_bring_up_to_date`, as "Mark as up to date" in the admin). An empty or
missing `msgstr` keeps the translation's text where the source's text did not change, and takes
the source's new text (in the source's language, to be translated) where it changed or is new:
a translation of an older text is never carried over silently.

Texts are carried over by position (their JSON Pointer). That is exact only when every list
kept its items in place from T to L (matched as the readable diff matches them: items added or
removed at the end, items changed in place), and when the translation's working copy differs
from T, or from L, in its texts, slug and language only. Otherwise nothing is guessed: export
and import are refused with a 409 saying what moved, and the translation is brought up to date
by hand (its change page, then "Mark as up to date").
"""

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polib

from treatments import selectors
from treatments.documents.build import content_of
from treatments.documents.diff import FieldChange, ItemChange, document_diff
from treatments.errors import StateError
from treatments.models import Treatment

from ..pointers import pointer_resolve
from .models import Translation
from .selectors import source_revision_document
from .texts import Text, document_texts, texts_apply

HEADER_PREVIOUS_REVISION = "X-Previous-Source-Revision"
# The translation's own fields: never taken from the source.
OWN_FIELDS = ("slug", "language")
# How many differences a refusal names (the first ones, in reading order).
NAMED = 3


@dataclass(frozen=True)
class SourceUpdate:
    """What an update file is made against: the revision translated, the live one, their texts."""

    translated: int  # the source revision the translation translates (T)
    live: int  # the source's live revision (L)
    before: dict[str, str]  # pointer -> the source's text at T
    texts: list[Text]  # the live revision's texts, in document order
    content: dict[str, Any]  # the live revision's content


def live_source_revision(translation: Translation) -> int | None:
    """The source's live revision (the one readers of the source see), or None; read afresh,
    not from a source object that may have been loaded before the source published again."""
    source = Treatment.objects.select_related("publication").get(pk=translation.source_id)
    return selectors.working_copy_live_revision(source)


def source_update(translation: Translation, current: Mapping[str, Any]) -> SourceUpdate:
    """The update of a translation to its source's live revision, or StateError (409) saying why
    not: no live or translated revision, lists whose items moved, a working copy whose structure
    is its own. `current` is the translation's working-copy content."""
    live = live_source_revision(translation)
    translated = translation.source_revision
    if live is None or translated is None:
        raise StateError(
            "The source has no live revision to bring this translation up to date with."
            if live is None
            else "The translation records no source revision (the source was not published "
            "when it was made), so no text can be told changed or not: bring it up to date "
            "with the live revision (translates/), then export its file.",
            code="source_not_published",
        )
    old = _revision_content(translation, translated)
    new = _revision_content(translation, live)
    moved = _moved_items(old, new)
    if moved:
        raise StateError(
            f"Source revision {live} inserted, removed or moved list items before others since "
            f"revision {translated} ({'; '.join(moved[:NAMED])}), so the translation's texts "
            "cannot be carried over by position. Bring the translation up to date by hand: make "
            "its working copy follow the live revision on its change page, then mark it up to "
            "date; its PO file is then made for the live revision.",
            code="structure_not_mappable",
        )
    differences = _own_structure(current, old, new)
    if differences:
        raise StateError(
            f"The translation's working copy differs from source revisions {translated} and "
            f"{live} in more than its texts ({'; '.join(differences[:NAMED])}); a PO update "
            "would replace that with the live revision's. Make the working copy follow one of "
            "them on its change page, then export again.",
            code="translation_structure_differs",
        )
    return SourceUpdate(
        translated=translated,
        live=live,
        before={t.pointer: t.text for t in document_texts(old)},
        texts=document_texts(new),
        content=new,
    )


def _revision_content(translation: Translation, number: int) -> dict[str, Any]:
    document = source_revision_document(source_id=translation.source_id, number=number)
    if document is None:  # revisions are never deleted: a broken invariant, not bad input
        raise StateError(f"Source revision {number} is missing.", code="source_not_published")
    return content_of(document)


def _list_length(content: Mapping[str, Any], item_pointer: str) -> int | None:
    try:
        found = pointer_resolve(content, item_pointer.rsplit("/", 1)[0])
    except (KeyError, ValueError):
        return None
    return len(found) if isinstance(found, list) else None


def _moved(item: ItemChange, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the item keeps no position of its own in both lists (the texts after it shift)."""
    if item.change == "moved" or item.moved:
        return True
    if item.change == "changed":
        return item.old_position != item.new_position
    if item.change == "added":  # only after every item the old list had
        length = _list_length(old, item.path)
        return length is None or item.new_position is None or item.new_position <= length
    length = _list_length(new, item.path)  # removed: only after every item the new list has
    return length is None or item.old_position is None or item.old_position <= length


def _moved_items(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The list items of `new` whose texts are not at their pointers of `old` (a reader's words)."""
    texts = [t.pointer for t in [*document_texts(old), *document_texts(new)]]

    def has_texts(item: ItemChange) -> bool:  # a list of codes, say, has none to carry
        within = item.path.rsplit("/", 1)[0] + "/"
        return any(pointer.startswith(within) for pointer in texts)

    moved = [
        f"{item.noun} “{item.label}” {item.change} at position "
        f"{item.new_position or item.old_position} of {item.list_label}"
        for section in document_diff(dict(old), dict(new))
        for item in section.items
        if has_texts(item) and _moved(item, old, new)
    ]
    return moved + _moved_strings(old, new)


def _moved_strings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Lists of plain texts (1.0 contraindications, say; the diff reads them as one field):
    a text both revisions have must keep its index."""
    moved = []
    lists = {t.pointer.rsplit("/", 1)[0] for t in [*document_texts(old), *document_texts(new)]}
    for pointer in sorted(lists):
        try:
            before, after = pointer_resolve(old, pointer), pointer_resolve(new, pointer)
        except (KeyError, ValueError):
            continue
        if not (isinstance(before, list) and isinstance(after, list)):
            continue
        for index, text in enumerate(after):
            if text in before and before.index(text) != index:
                moved.append(f"“{text}” moved to position {index + 1} of {pointer}")
    return moved


def _skeleton(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content's structure and values: each text one placeholder, no own fields."""
    # Not "": the readable diff reads an empty text as nothing, and a list of texts as one.
    blank = texts_apply(content, {t.pointer: "(text)" for t in document_texts(content)})
    for name in OWN_FIELDS:
        blank.pop(name, None)
    return blank


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs from `old` to `new`, field by field, as `pointer: before → after`."""
    fields: list[FieldChange] = []
    lines: list[str] = []
    for section in document_diff(dict(old), dict(new)):
        fields.extend(section.fields)
        for item in section.items:
            if item.change == "changed":
                fields.extend(item.fields)
            else:
                lines.append(f"{item.path}: {item.noun} {item.change}")
    return [f"{f.path}: {f.old or '(none)'} → {f.new or '(none)'}" for f in fields] + lines


def _own_structure(
    current: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[str]:
    """How the working copy differs from T's structure; [] when it has T's or L's."""
    mine = _skeleton(current)
    against_old = _differences(_skeleton(old), mine)
    if not against_old or not _differences(_skeleton(new), mine):
        return []
    return against_old


def update_entries(update: SourceUpdate, current: Mapping[str, str]) -> list[polib.POEntry]:
    """The update file's entries; `current` maps pointers to the translation's texts."""
    entries = []
    for pointer, text in update.texts:
        before = update.before.get(pointer)
        mine = current.get(pointer) or ""
        entry = polib.POEntry(msgctxt=pointer, msgid=text, msgstr="" if mine == text else mine)
        if before is not None and before != text:  # the source changed this text
            if mine and mine not in (before, text):
                # The translation of the old text, for the translator to check.
                entry.flags.append("fuzzy")
                entry.previous_msgid = before
            else:
                entry.msgstr = ""  # the translation still had a source text: nothing to carry
        entries.append(entry)
    return entries


def update_content(
    update: SourceUpdate, current: Mapping[str, Any], texts: Mapping[str, str]
) -> dict[str, Any]:
    """The working copy an update file makes: the live revision's content, the translation's
    own fields, the file's texts; where the file gives none, the translation's text of an
    unchanged source text, else the source's (not saved)."""
    content = copy.deepcopy(update.content)
    for name in OWN_FIELDS:
        if name in current:
            content[name] = current[name]
    kept = {t.pointer: t.text for t in document_texts(current)}
    chosen: dict[str, str] = {}
    for pointer, text in update.texts:
        if texts.get(pointer):
            chosen[pointer] = texts[pointer]
        elif update.before.get(pointer) == text and kept.get(pointer):
            chosen[pointer] = kept[pointer]
    return texts_apply(content, chosen)
