"""The readable diff (treatments.documents.diff): section by section, for people."""

import copy
from typing import Any

import pytest

from treatments.documents.diff import SECTIONS, document_diff, document_diff_data


def changed_sections(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in document_diff_data(old, new) if s["changed"]}


def only_section(old: dict[str, Any], new: dict[str, Any], key: str) -> dict[str, Any]:
    changed = changed_sections(old, new)
    assert list(changed) == [key], f"expected only {key} to change, got {list(changed)}"
    return changed[key]


@pytest.fixture
def old(seed_data: dict[str, Any]) -> dict[str, Any]:
    return seed_data


@pytest.fixture
def new(seed_data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(seed_data)


def test_identical_documents_have_every_section_and_no_change(old: dict[str, Any]) -> None:
    sections = document_diff_data(old, copy.deepcopy(old))
    assert [s["key"] for s in sections] == [rule.key for rule in SECTIONS]
    assert not any(s["changed"] for s in sections)
    assert all(s["fields"] == [] and s["items"] == [] for s in sections)


def test_publication_metadata_is_not_a_content_change(old: dict[str, Any]) -> None:
    frozen = {
        "schema_version": "1.1",
        "id": "4a0c2a8e-4b0a-4f57-9d8e-0d6a3f8c1b11",
        "revision": 3,
        "published_at": "2026-01-02T03:04:05Z",
        **old,
    }
    later = {
        **copy.deepcopy(frozen),
        "schema_version": "1.2",
        "revision": 4,
        "published_at": "2026-02-02T03:04:05Z",
        "links": {"self": "/x/", "revision": "/x/4/", "revisions": "/x/"},
    }
    assert changed_sections(frozen, later) == {}
    assert changed_sections(frozen, old) == {}  # a frozen document against bare content


def test_a_changed_summary_shows_old_and_new_text(old: dict[str, Any], new: dict[str, Any]) -> None:
    new["summary"] = "A shorter summary."
    section = only_section(old, new, "summary")
    assert section["fields"] == [
        {"path": "/summary", "label": "Summary", "old": old["summary"], "new": "A shorter summary."}
    ]
    assert section["counts"]["fields"] == 1


def test_an_edited_step_is_matched_by_its_title_and_names_the_field(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    new["procedure"]["steps"][1]["detail"] = "Reworded detail."
    section = only_section(old, new, "steps")
    [item] = section["items"]
    assert item["change"] == "changed"
    assert item["label"] == old["procedure"]["steps"][1]["title"]
    assert (item["old_position"], item["new_position"]) == (2, 2)
    assert item["fields"] == [
        {
            "path": "/procedure/steps/1/detail",
            "label": "Detail",
            "old": old["procedure"]["steps"][1]["detail"],
            "new": "Reworded detail.",
        }
    ]


def test_a_step_inserted_first_is_one_addition_not_a_change_of_every_step(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    new["procedure"]["steps"].insert(0, {"title": "A new first step", "detail": "Its detail."})
    section = only_section(old, new, "steps")
    [item] = section["items"]
    assert item["change"] == "added"
    assert (item["old_position"], item["new_position"], item["path"]) == (
        None,
        1,
        "/procedure/steps/0",
    )
    assert [(f["label"], f["old"], f["new"]) for f in item["fields"]] == [
        ("Title", None, "A new first step"),
        ("Detail", None, "Its detail."),
    ]


def test_a_renamed_step_is_a_change_of_its_title_not_a_removal_and_an_addition(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    new["procedure"]["steps"][0]["title"] = "Renamed step"
    [item] = only_section(old, new, "steps")["items"]
    assert item["change"] == "changed"
    assert [(f["label"], f["old"], f["new"]) for f in item["fields"]] == [
        ("Title", old["procedure"]["steps"][0]["title"], "Renamed step")
    ]


def test_a_removed_risk_is_listed_with_its_old_position_and_readable_values(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    removed = new["risks"]["items"].pop(0)
    [item] = only_section(old, new, "risks")["items"]
    assert item["change"] == "removed"
    assert item["label"] == removed["name"]
    assert (item["old_position"], item["new_position"]) == (1, None)
    values = {f["label"]: f["old"] for f in item["fields"]}
    # Enum values as their labels, a range without figures as its unit.
    assert values["Likelihood › Band"] == "Rare (1 in 10,000 to 1 in 1,000)"
    assert values["Resolves within"] == "hours (no number given)"
    assert all(f["new"] is None for f in item["fields"])


def test_reordered_recovery_rules_are_reported_as_moved(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    rules = new["recovery_rules"]
    rules[0], rules[1] = rules[1], rules[0]
    items = only_section(old, new, "recovery_rules")["items"]
    assert [(i["change"], i["moved"], i["fields"]) for i in items] == [("moved", True, [])]
    assert items[0]["label"] == old["recovery_rules"][0]["activity_label"]
    assert (items[0]["old_position"], items[0]["new_position"]) == (1, 2)


def test_ranges_and_windows_read_as_sentences(old: dict[str, Any], new: dict[str, Any]) -> None:
    new["timeline"][0]["range"]["max"] = 9
    new["recovery_rules"][1]["window"]["end"] = 3
    changed = changed_sections(old, new)
    [timeline] = changed["timeline"]["items"]
    assert [(f["label"], f["old"], f["new"]) for f in timeline["fields"]] == [
        ("Range", "8–12 weeks", "8–9 weeks")
    ]
    [rule] = changed["recovery_rules"]["items"]
    [window] = rule["fields"]
    assert window["label"] == "Window"
    assert window["old"] == "from 1 day after the procedure onwards (calendar days)"
    assert window["new"] == (
        "from 1 day after the procedure until 3 days after the procedure (calendar days)"
    )


def test_fields_an_older_schema_lacked_are_not_changes_when_they_say_nothing(
    old: dict[str, Any],
) -> None:
    # A 1.0 revision has no `optional`, `codes`, `population`, `medications` ...: its current
    # form with them empty is the same document.
    older = copy.deepcopy(old)
    for step in older["procedure"]["steps"]:
        for key in ("optional", "guidance_optional", "quantity_ucum", "duration_ucum"):
            step.pop(key, None)
    for risk in older["risks"]["items"]:
        for key in ("population", "codes", "seriousness"):
            risk.pop(key, None)
    for key in ("codes", "medications", "eligibility"):
        older.pop(key, None)
    assert changed_sections(older, old) == {}


def test_structured_safety_items_are_not_shown_twice(old: dict[str, Any]) -> None:
    before = copy.deepcopy(old)
    before["safety"] = {
        "contraindications": ["Text one"],
        "contraindication_items": [{"text": "Text one", "kind": "not_stated", "codes": []}],
        "warning_signs": [],
        "warning_sign_items": [],
    }
    after = copy.deepcopy(before)
    after["safety"]["contraindications"] = ["Text two"]
    after["safety"]["contraindication_items"][0]["text"] = "Text two"
    section = only_section(before, after, "safety")
    assert section["fields"] == []
    [item] = section["items"]
    assert item["change"] == "changed"
    assert item["kind"] == "contraindication"
    assert [(f["old"], f["new"]) for f in item["fields"]] == [("Text one", "Text two")]


def test_items_with_the_same_identity_are_matched_in_order(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    twice = {"title": "Same title", "detail": "First."}
    old["procedure"]["steps"] += [dict(twice), {**twice, "detail": "Second."}]
    new["procedure"]["steps"] = copy.deepcopy(old["procedure"]["steps"])
    new["procedure"]["steps"][-1]["detail"] = "Second, reworded."
    [item] = only_section(old, new, "steps")["items"]
    assert item["change"] == "changed"
    assert item["new_position"] == len(new["procedure"]["steps"])
    assert [(f["old"], f["new"]) for f in item["fields"]] == [("Second.", "Second, reworded.")]


def test_a_top_level_field_no_section_knows_is_shown_under_other(old: dict[str, Any]) -> None:
    later = {**copy.deepcopy(old), "future_part": {"note": "Something new"}}
    section = only_section(old, later, "other")
    assert section["fields"] == [
        {
            "path": "/future_part/note",
            "label": "Future part › Note",
            "old": None,
            "new": "Something new",
        }
    ]


def test_the_dataclasses_and_the_data_agree(old: dict[str, Any], new: dict[str, Any]) -> None:
    new["review"]["reviewer"] = "Someone else"
    sections = document_diff(old, new)
    review = next(s for s in sections if s.key == "review")
    assert review.changed and review.fields[0].path == "/review/reviewer"
    assert [s.as_dict() for s in sections] == document_diff_data(old, new)


def test_a_step_removed_here_and_another_added_there_are_a_removal_and_an_addition(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    steps = new["procedure"]["steps"]
    gone = steps.pop(0)
    steps.append({"title": "A closing step", "detail": "Nothing like the first."})
    items = only_section(old, new, "steps")["items"]
    assert [(i["change"], i["label"], i["old_position"], i["new_position"]) for i in items] == [
        ("removed", gone["title"], 1, None),
        ("added", "A closing step", None, len(steps)),
    ]
