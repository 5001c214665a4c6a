"""The side-by-side editor's sections: which texts are translated, where errors and changes go."""

import copy
from typing import Any

import pytest

from editorial.translations.admin_sections import (
    apply_texts,
    editor_sections,
    source_changes,
    text_fields,
)
from treatments.services import content_validate

from .synthetic_source import SOURCE


@pytest.fixture
def content() -> dict[str, Any]:
    document = content_validate(copy.deepcopy(SOURCE)).model_dump(mode="json")
    document["safety"]["warning_sign_items"] = [{"text": "A warning sign made up for tests."}]
    return content_validate(document).model_dump(mode="json")


def test_texts_are_the_words_a_reader_reads_not_identity_structure_or_vocabulary(
    content: dict[str, Any],
) -> None:
    texts = text_fields(content)
    assert texts["/summary"] == SOURCE["summary"]
    assert texts["/procedure/steps/1/detail"] == "The detail of the second test step."
    assert "/risks/items/0/likelihood/wording" in texts
    assert "/safety/warning_sign_items/0/text" in texts
    for not_text in [
        "/slug",
        "/language",
        "/category/name",  # shared with the source
        "/classification/kind",  # an enum value
        "/risks/items/0/likelihood/band",
        "/review/last_reviewed_on",
        "/safety/warning_signs/0",  # derived from the items
    ]:
        assert not_text not in texts, f"{not_text} is not a text to translate"


def test_applying_texts_changes_only_texts_and_lets_derived_lists_follow(
    content: dict[str, Any],
) -> None:
    updated = apply_texts(
        content,
        {
            "/summary": "[es] resumen",
            "/safety/warning_sign_items/0/text": "[es] señal",
            "/slug": "not-a-text",
            "/risks/items/0/likelihood/band": "common",
        },
    )
    assert updated["summary"] == "[es] resumen"
    assert updated["slug"] == content["slug"] and updated["risks"] == content["risks"]
    validated = content_validate(updated)
    assert validated.safety.warning_signs == ["[es] señal"]
    assert content["summary"] == SOURCE["summary"], "the original is left as it was"


def test_sections_follow_the_readable_diff_and_mark_what_the_source_changed(
    content: dict[str, Any],
) -> None:
    newer = copy.deepcopy(content)
    newer["risks"]["items"][0]["description"] = "Changed in the source."
    sections = editor_sections(
        source=newer, translation=content, changed=source_changes(content, newer)
    )
    keys = [section.key for section in sections]
    assert keys.index("summary") < keys.index("steps") < keys.index("risks")
    risks = next(section for section in sections if section.key == "risks")
    assert risks.changed and risks.changes == ["Risk “Test risk”: changed"]
    description = next(row for row in risks.rows if row.pointer.endswith("/description"))
    assert description.source == "Changed in the source."
    assert description.value == "A risk made up for tests."
    assert description.label == "Risk 1: Test risk › Description"
    assert not any(section.changed for section in sections if section.key != "risks")


def test_a_source_never_published_before_counts_every_section_that_says_something_as_changed(
    content: dict[str, Any],
) -> None:
    changed = source_changes(None, content)
    assert {"summary", "steps", "risks"} <= set(changed)


def test_typed_values_are_kept_and_errors_go_on_their_box_or_their_section(
    content: dict[str, Any],
) -> None:
    sections = editor_sections(
        source=content,
        translation=content,
        changed={},
        values={"/title": ""},
        errors={"/title": "Cannot be empty.", "/procedure/steps": "Too many steps."},
    )
    summary = next(section for section in sections if section.key == "summary")
    title = next(row for row in summary.rows if row.pointer == "/title")
    assert title.value == "" and title.error == "Cannot be empty."
    steps = next(section for section in sections if section.key == "steps")
    assert steps.problems == ["Procedure and steps › Steps: Too many steps."]
