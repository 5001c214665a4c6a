"""The card's phrasing of structured values: the document's numbers, in words, nothing added."""

from typing import Any

import pytest

from treatments.renditions.card import treatment_card
from treatments.renditions.card_phrases import range_phrase, window_phrase


@pytest.mark.parametrize(
    ("window", "phrase"),
    [
        (
            {"start": 0, "end": 72, "unit": "hour", "at_least": True},
            "for at least the first 72 hours",
        ),
        ({"start": 0, "end": 1, "unit": "day"}, "for the first day"),
        ({"start": 0, "end": 2, "unit": "week"}, "for the first 2 weeks"),
        ({"start": 0, "end": 1, "unit": "day", "calendar_days": True}, "the day of the procedure"),
        ({"start": 1, "end": None, "unit": "day", "calendar_days": True}, "from the day after on"),
        (
            {"start": -2, "end": 1, "unit": "day", "calendar_days": True},
            "from 2 days before to the day of the procedure",
        ),
        (
            {"start": -12, "end": 0, "unit": "hour"},
            "from 12 hours before the procedure to the procedure",
        ),
        ({"start": 3, "end": None, "unit": "week"}, "from 3 weeks after the procedure on"),
        (
            {"start": 1, "end": 4, "unit": "month"},
            "from 1 month after the procedure to 4 months after the procedure",
        ),
    ],
)
def test_windows_read_as_the_structured_values_say(window: dict[str, Any], phrase: str) -> None:
    assert window_phrase(window) == phrase


@pytest.mark.parametrize(
    ("low", "high", "unit", "phrase"),
    [
        (8, 12, "week", "8–12 weeks"),
        (1, 1, "day", "1 day"),
        (2, None, "hour", "at least 2 hours"),
        (None, 4, "month", "up to 4 months"),
        (None, None, "hour", ""),
        (2, 3, None, "2–3"),
        (2, 3, "session", "2–3 sessions"),
        (1, 1, "session", "1 session"),
        (1, None, "session", "at least 1 session"),
        (None, 1, "session", "up to 1 session"),
        (1, 1, "hour", "1 hour"),
        (72.0, 72.0, "hour", "72 hours"),
    ],
)
def test_ranges_read_as_numbers_with_units(
    low: int | None, high: int | None, unit: str | None, phrase: str
) -> None:
    assert range_phrase(low, high, unit) == phrase


def test_a_measured_band_shows_its_frequency_and_a_mapped_one_the_source_words(
    seed_data: dict[str, Any],
) -> None:
    document = {**seed_data, "revision": 1}
    card = treatment_card(document)
    assert (card.risks[0].likelihood, card.risks[0].likelihood_note) == (
        "Rare",
        "rarely; unusual for this procedure",
    )
    assert (card.risks[2].likelihood, card.risks[2].likelihood_note) == ("No risk", "")
    document["risks"]["items"][0]["likelihood"] = {"band": "common", "basis": "measured"}
    measured = treatment_card(document).risks[0]
    assert (measured.likelihood, measured.likelihood_note) == ("Common", "1 in 100 to 1 in 10")


def test_words_stand_where_the_document_gives_no_numbers(seed_data: dict[str, Any]) -> None:
    card = treatment_card({**seed_data, "revision": 1})
    relief = next(m for m in card.milestones if m.label == "Pain relief lasts")
    assert relief.when == "several months or longer" and relief.varies
    assert card.course is not None and card.course.sessions == "2–3 sessions"
    assert card.course.interval == ""
