"""Parts of a document are named for readers in the document's own words, not by JSON keys."""

from editorial.pointers import part_label

CONTENT = {
    "summary": "A synthetic treatment written for this test.",
    "procedure": {"steps": [{"title": "Preparation", "detail": "Test detail."}, {"title": ""}]},
    "risks": {"items": [{"name": "Test risk A"}, {"name": "Test risk B"}]},
    "recovery_rules": [{"activity_label": "Test activity", "restriction": "avoid"}],
    "safety": {"warning_signs": ["A test sign"]},
}


def test_sections_and_items_are_named_by_their_titles_and_nouns() -> None:
    assert part_label(CONTENT, "") == "The whole document"
    assert part_label(CONTENT, "/summary") == "Summary"
    assert part_label(CONTENT, "/procedure") == "Procedure and steps"
    assert part_label(CONTENT, "/risks/items/1") == "Risks › Risk 2: Test risk B"
    assert part_label(CONTENT, "/procedure/steps/0/detail") == (
        "Procedure and steps › Step 1: Preparation › Detail"
    )
    assert part_label(CONTENT, "/procedure/steps/1") == "Procedure and steps › Step 2"
    assert (
        part_label(CONTENT, "/recovery_rules/0")
        == "Recovery rules › Recovery rule 1: Test activity"
    )
    assert part_label(CONTENT, "/safety/warning_signs/0") == "Safety › Warning signs › Item 1"


def test_a_part_that_no_longer_exists_falls_back_to_the_pointer_words() -> None:
    assert part_label(CONTENT, "/risks/items/7") == "risks › items › 8"
    assert part_label(CONTENT, "not-a-pointer") == "not-a-pointer"
