"""The side-by-side editor's sections: a translation's texts beside its source's, by section.

Pure functions of documents (no database, no request). A translator translates *texts*: the
string fields of the document a reader reads (titles, summaries, details, wordings), decided
from the contract's text types by `texts.document_texts`, so the editor offers exactly the
texts a translator's PO file holds. Identity and structure (slug, language, enum values,
codes, dates, URLs, numbers) are not translated and stay as the translation's working copy
has them; lists that gain or lose items are edited on the translation's change page.
Sections, their order and titles are the readable diff's (`treatments.documents.diff.SECTIONS`),
so "changed in the source" means the same as there.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from treatments.documents.diff import (
    OTHER,
    SECTIONS,
    SectionDiff,
    content_part,
    document_diff,
)

from ..pointers import part_label, pointer_tokens
from .texts import document_texts, texts_apply

# Long texts get a taller box.
_SHORT = 80


def text_fields(content: Mapping[str, Any]) -> dict[str, str]:
    """Every translatable text of a document by JSON Pointer, empty places included (metadata
    left out): the same texts as a translator's PO file (`texts.document_texts`)."""
    return {t.pointer: t.text for t in document_texts(content_part(dict(content)), empty=True)}


def section_of(pointer: str) -> str:
    """The key of the readable diff's section a pointer falls in ("other" if none)."""
    try:
        tokens = pointer_tokens(pointer)
    except ValueError:
        return OTHER.key
    top = tokens[0] if tokens else ""
    for rule in SECTIONS:
        if top in rule.parts:
            return rule.key
    return OTHER.key


@dataclass
class TextRow:
    """One text of the editor: the source's words beside the translation's (editable) box."""

    pointer: str
    label: str
    source: str | None  # None: the source has no such field (any more)
    value: str | None  # None: the translation has no such field; add it on the change page
    error: str = ""

    @property
    def dom_id(self) -> str:
        return "text" + re.sub(r"[^A-Za-z0-9]+", "-", self.pointer)

    @property
    def editable(self) -> bool:
        return self.value is not None

    @property
    def rows(self) -> int:
        longest = max(len(self.value or ""), len(self.source or ""))
        return 2 if longest <= _SHORT else min(12, 2 + longest // _SHORT)


@dataclass
class EditorSection:
    """A section of the editor, and whether (and how) the source changed it since."""

    key: str
    title: str
    rows: list[TextRow] = field(default_factory=list)
    changed: bool = False
    changes: list[str] = field(default_factory=list)  # what changed, in a reader's words
    problems: list[str] = field(default_factory=list)  # refusals about no single box of it


def source_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, SectionDiff]:
    """The changed sections of the source from the revision translated (`old`) to `new`.

    With no translated revision (the source was not published when the translation was made)
    every section that says something counts as changed: nothing of it was checked yet.
    """
    diff = document_diff(old if old is not None else {}, new)
    return {section.key: section for section in diff if section.changed}


def _change_lines(section: SectionDiff) -> list[str]:
    lines = [change.label for change in section.fields]
    for item in section.items:
        lines.append(f"{item.noun[:1].upper()}{item.noun[1:]} “{item.label}”: {item.change}")
    return lines


def editor_sections(
    *,
    source: dict[str, Any],
    translation: dict[str, Any],
    changed: Mapping[str, SectionDiff],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[EditorSection]:
    """The editor's sections in reading order: each text of the translation beside the source's.

    `values` are texts the editor typed (kept on a refused save, so no edit is lost); `errors`
    are messages by pointer: on the box of that pointer, or else under the heading of the
    section the pointer falls in. Sections with nothing to show are left out.
    """
    source_texts = text_fields(source)
    translated = text_fields(translation)
    values = values or {}
    errors = errors or {}
    rules = [*SECTIONS, OTHER]
    sections = {rule.key: EditorSection(rule.key, rule.title) for rule in rules}
    # The translation's order first; the source's texts the translation lacks after them.
    pointers = [*translated, *(p for p in source_texts if p not in translated)]
    for pointer in pointers:
        value = translated.get(pointer)
        if value is not None and pointer in values:
            value = values[pointer]
        if value in ("", None) and not source_texts.get(pointer):
            continue  # nothing to translate on either side
        labelled = translation if pointer in translated else source
        section = sections[section_of(pointer)]
        label = part_label(content_part(labelled), pointer)
        # Said under the section's heading already.
        label = label.removeprefix(f"{section.title} › ")
        section.rows.append(
            TextRow(
                pointer=pointer,
                label=label,
                source=source_texts.get(pointer),
                value=value,
                error=errors.get(pointer, ""),
            )
        )
    for key, diff in changed.items():
        if key in sections:
            sections[key].changed = True
            sections[key].changes = _change_lines(diff)
    boxes = {row.pointer for section in sections.values() for row in section.rows}
    for pointer, message in errors.items():
        if pointer not in boxes:
            label = part_label(content_part(translation), pointer)
            sections[section_of(pointer)].problems.append(f"{label}: {message}")
    return [s for s in sections.values() if s.rows or s.changed or s.problems]


def apply_texts(content: dict[str, Any], texts: Mapping[str, str]) -> dict[str, Any]:
    """A copy of `content` with the texts at the given pointers replaced (`texts.texts_apply`:
    derived string lists are emptied so that the contract derives them again).

    Pointers that name no translatable text of `content` are ignored (a form cannot write
    structure).
    """
    known = text_fields(content)
    return texts_apply(content, {p: text for p, text in texts.items() if p in known})
