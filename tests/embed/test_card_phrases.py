"""The card's phrases around numbers ("for at least the first 72 hours") are gettext messages.

The catalogues are written here at test time with test strings ("[es] ..."), never shipped.
The English card's bytes are compared with `card_phrases_en.html`, the output of the card
before its phrases became messages: English is unchanged byte for byte.
"""

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from embed.options import CardOptions
from embed.views import card_html
from treatments.services import content_validate

GOLDEN = Path(__file__).parent / "card_phrases_en.html"
URLS = {
    "card": "https://cards.example/embed/v1/treatments/phrases/",
    "oembed": "",
    "data": "https://cards.example/api/v1/treatments/phrases/",
}

# Every shape of window the card phrases, as the structured values the contract allows.
WINDOWS = [
    {"start": 0, "end": 72, "unit": "hour", "at_least": True},
    {"start": 0, "end": 1, "unit": "day"},
    {"start": 0, "end": 2, "unit": "week"},
    {"start": 0, "end": 30, "unit": "minute", "at_least": True},
    {"start": 0, "end": 1, "unit": "year"},
    {"start": 0, "end": 1, "unit": "day", "calendar_days": True},
    {"start": 1, "unit": "day", "calendar_days": True},
    {"start": -1, "end": 0, "unit": "day", "calendar_days": True},
    {"start": -2, "end": 1, "unit": "day", "calendar_days": True},
    {"start": 2, "end": 5, "unit": "day", "calendar_days": True},
    {"start": -3, "unit": "day", "calendar_days": True},
    {"start": -12, "end": 0, "unit": "hour"},
    {"start": 3, "unit": "week"},
    {"start": 0, "unit": "minute"},
    {"start": 1, "end": 4, "unit": "month", "at_least": True},
    {"start": -1, "end": 2, "unit": "hour"},
]
# Every shape of timeline range: both ends, one, none (the document's words), open-ended.
RANGES = [
    {"min": 8, "max": 12, "unit": "week"},
    {"min": 1, "max": 1, "unit": "day"},
    {"min": 2, "unit": "hour"},
    {"max": 4, "unit": "month"},
    {"min": 6, "unit": "month", "open_ended": True},
    {"min": 1, "unit": "year", "open_ended": True},
    {"min": 30, "max": 30, "unit": "minute"},
    {"unit": "month", "open_ended": True, "wording": "several test months or longer"},
]
# Courses: sessions and intervals in each shape.
COURSES = [
    {"sessions": {"min": 2, "max": 3}, "interval": {"min": 4, "max": 6, "unit": "week"}},
    {"sessions": {"min": 1, "max": 1}, "interval": {"min": 1, "max": 1, "unit": "year"}},
    {"sessions": {"min": 2}, "interval": {"min": 3, "unit": "day"}},
    {"sessions": {"max": 5}, "interval": {"max": 2, "unit": "month"}},
]
# Risks: a band mapped from words, and each measured band with its frequency.
BANDS = ["very_common", "common", "uncommon", "rare", "very_rare"]


def phrase_documents(seed_data: dict[str, Any], language: str = "en") -> list[dict[str, Any]]:
    """Documents (valid content) whose cards show every phrase shape, one per course shape."""
    base = copy.deepcopy(seed_data)
    rule = base["recovery_rules"][0]
    base["recovery_rules"] = [
        {**copy.deepcopy(rule), "activity_label": f"test activity {n}", "window": window}
        for n, window in enumerate(WINDOWS)
    ]
    event = base["timeline"][0]
    base["timeline"] = [
        {**copy.deepcopy(event), "label": f"Test milestone {n}", "range": span}
        for n, span in enumerate(RANGES)
    ]
    risk = base["risks"]["items"][0]
    base["risks"]["items"] = [copy.deepcopy(risk)] + [
        {
            **copy.deepcopy(risk),
            "name": f"Test risk {band}",
            "likelihood": {"band": band, "basis": "measured"},
        }
        for band in BANDS
    ]
    documents = []
    for course in COURSES:
        data = copy.deepcopy(base)
        data["language"] = language
        data["course"] = {**data["course"], **course}
        document = content_validate(data).model_dump(mode="json")
        documents.append({**document, "revision": 1})
    return documents


def english_cards(seed_data: dict[str, Any]) -> str:
    return "\n<!-- next card -->\n".join(
        card_html(document, options=CardOptions(), urls=URLS, jsonld="{}")
        for document in phrase_documents(seed_data)
    )


def test_the_english_card_is_byte_for_byte_what_it_was(seed_data: dict[str, Any]) -> None:
    rendered = english_cards(seed_data)
    if os.environ.get("WRITE_CARD_GOLDEN") == "1":  # only to record a deliberate change
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8"), (
        "The English card changed; if on purpose, record it with WRITE_CARD_GOLDEN=1"
    )
