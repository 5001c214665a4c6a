"""The card's phrases around numbers ("for at least the first 72 hours") are gettext messages.

The catalogues are written here at test time with test strings ("[es] ..."), never shipped.
The English card's bytes are compared with `card_phrases_en.html`, the output of the card
before its phrases became messages: English is unchanged byte for byte.
"""

import copy
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import lxml.html
import polib
import pytest
from django.test import Client, override_settings

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


# The card's phrase messages: (context, msgid, msgid_plural), as makemessages extracts them.
PHRASES: list[tuple[str | None, str, str]] = [
    *(
        ("measured frequency of a risk", text, "")
        for text in (
            "1 in 10 or more",
            "1 in 100 to 1 in 10",
            "1 in 1,000 to 1 in 100",
            "1 in 10,000 to 1 in 1,000",
            "less than 1 in 10,000",
        )
    ),
    *(
        ("duration", f"%(count)s {unit}", f"%(count)s {unit}s")
        for unit in ("minute", "hour", "day", "week", "month", "year")
    ),
    *(
        ("duration", f"%(low)s–%(high)s {unit}", f"%(low)s–%(high)s {unit}s")
        for unit in ("minute", "hour", "day", "week", "month", "year")
    ),
    ("number of sessions", "%(count)s session", "%(count)s sessions"),
    ("number of sessions", "%(low)s–%(high)s session", "%(low)s–%(high)s sessions"),
    *(
        ("a period that starts with the procedure", f"the first {unit}", "")
        for unit in ("minute", "hour", "day", "week", "month", "year")
    ),
    *(
        (
            "a period that starts with the procedure",
            f"the first %(count)s {unit}",
            f"the first %(count)s {unit}s",
        )
        for unit in ("minute", "hour", "day", "week", "month", "year")
    ),
    ("calendar days after the day of the procedure", "%(count)s day after", "%(count)s days after"),
    (
        "calendar days before the day of the procedure",
        "%(count)s day before",
        "%(count)s days before",
    ),
    ("a range of numbers", "%(low)s–%(high)s", ""),
    (None, "at least %(amount)s", ""),
    (None, "up to %(amount)s", ""),
    (None, "for at least %(period)s", ""),
    (None, "for %(period)s", ""),
    (None, "at least from %(start)s to %(end)s", ""),
    ("when a rule applies", "from %(start)s on", ""),
    ("when a rule applies", "from %(start)s to %(end)s", ""),
    ("a point in time", "the procedure", ""),
    (None, "%(amount)s after the procedure", ""),
    (None, "%(amount)s before the procedure", ""),
    ("a calendar day", "the day of the procedure", ""),
    ("a calendar day", "the day after", ""),
    ("a calendar day", "the day before", ""),
    (None, "%(amount)s or longer", ""),
    (None, "%(amount)s apart", ""),
]
NUMBERS = re.compile(r"\d[\d,]*")
# Where each kind of phrase is in `_phrases` of a phrase document's card.
RULES = slice(1 + len(BANDS), 1 + len(BANDS) + len(WINDOWS))
MILESTONES = slice(RULES.stop, RULES.stop + len(RANGES))


def _write_catalogue(root: Path, messages: Iterable[tuple[str | None, str, str]]) -> Path:
    """A compiled es catalogue giving each message as "[es] " + its English, under `root`."""
    folder = root / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "es",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    for context, singular, plural in messages:
        entry = polib.POEntry(msgctxt=context, msgid=singular, msgstr=f"[es] {singular}")
        if plural:
            entry = polib.POEntry(
                msgctxt=context,
                msgid=singular,
                msgid_plural=plural,
                msgstr_plural={0: f"[es] {singular}", 1: f"[es] {plural}"},
            )
        catalogue.append(entry)
    catalogue.save(str(folder / "django.po"))
    catalogue.save_as_mofile(str(folder / "django.mo"))
    return root / "locale"


@pytest.fixture
def phrase_catalogue(tmp_path: Path) -> Iterator[Path]:
    """Every phrase message in test "Spanish"; the labels left out (they stay English)."""
    with override_settings(LOCALE_PATHS=[_write_catalogue(tmp_path, PHRASES)]):
        yield tmp_path / "locale"


def _phrases(html: str) -> list[tuple[str, str | None]]:
    """Each phrase of a card around numbers or the document's wording, with its `lang`."""
    page = lxml.html.fromstring(html)
    found = page.xpath(
        "//ul[@class='risks']//span[@class='muted']"
        " | //ul[@class='rules']/li/p[1]/span"
        " | //dl[@class='timeline']/dd/span[1]"
        " | //section[@aria-labelledby='s-course']//dd"
    )
    return [(element.text_content().strip("()"), element.get("lang")) for element in found]


def _cards(documents: list[dict[str, Any]]) -> list[list[tuple[str, str | None]]]:
    return [
        _phrases(card_html(document, options=CardOptions(), urls=URLS, jsonld="{}"))
        for document in documents
    ]


def test_every_phrase_is_spanish_with_its_numbers_where_the_catalogue_has_it(
    seed_data: dict[str, Any], phrase_catalogue: Path
) -> None:
    english = _cards(phrase_documents(seed_data))
    spanish = _cards(phrase_documents(seed_data, "es"))
    assert len(spanish[0]) == MILESTONES.stop + 2  # and the course's sessions and interval
    for english_card, spanish_card in zip(english, spanish, strict=True):
        for (en, en_lang), (es, es_lang) in zip(english_card, spanish_card, strict=True):
            assert en_lang is None, "nothing is marked in an English card"
            if en in {"rarely; unusual for this procedure", "several test months or longer"}:
                assert (es, es_lang) == (en, None), "the document's own words are not ours"
                continue
            assert es.startswith("[es] ") and es != en, f"{en!r} has a message: {es!r}"
            assert es_lang is None, f"{es!r} is translated: not marked English"
            assert NUMBERS.findall(es) == NUMBERS.findall(en), "a translation keeps the numbers"
    rules = dict(zip(english[0][RULES], spanish[0][RULES], strict=True))
    assert rules[("for at least the first 72 hours", None)][0] == (
        "[es] for at least [es] the first 72 hours"
    )
    assert rules[("for the first day", None)][0] == "[es] for [es] the first day"
    assert rules[("the day before", None)][0] == "[es] the day before"
    assert rules[("from 12 hours before the procedure to the procedure", None)][0] == (
        "[es] from [es] [es] 12 hours before the procedure to [es] the procedure"
    )
    assert spanish[1][-2:] == [("[es] 1 session", None), ("[es] [es] 1 year apart", None)]
    assert spanish[0][-2:] == [("[es] 2–3 sessions", None), ("[es] [es] 4–6 weeks apart", None)]


def test_without_a_catalogue_the_phrases_are_english_and_marked_so_but_not_the_documents_words(
    seed_data: dict[str, Any],
) -> None:
    english = _cards(phrase_documents(seed_data))
    spanish = _cards(phrase_documents(seed_data, "es"))
    for english_card, spanish_card in zip(english, spanish, strict=True):
        for (en, _lang), (es, es_lang) in zip(english_card, spanish_card, strict=True):
            assert es == en, "no catalogue: the English phrase"
            ours = en not in {"rarely; unusual for this procedure", "several test months or longer"}
            assert es_lang == ("en" if ours else None), f"{es!r}: lang={es_lang!r}"


def test_a_phrase_is_marked_english_only_where_the_catalogue_lacks_it(
    seed_data: dict[str, Any], tmp_path: Path
) -> None:
    weeks = ("duration", "%(low)s–%(high)s week", "%(low)s–%(high)s weeks")
    with override_settings(LOCALE_PATHS=[_write_catalogue(tmp_path, [weeks])]):
        (card, *_) = _cards(phrase_documents(seed_data, "es"))
    milestones = card[MILESTONES]
    assert milestones[0] == ("[es] 8–12 weeks", None)
    assert milestones[1] == ("1 day", "en")
    assert card[RULES][0] == ("for at least the first 72 hours", "en")
    # A phrase partly translated is not marked: the catalogue translates it, if not wholly.
    assert card[-1] == ("[es] 4–6 weeks apart", None)


def test_a_translation_that_loses_or_changes_a_number_is_not_shown(
    seed_data: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.POFile()  # polib compiles what msgfmt --check-format would refuse
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    for singular, plural, wrong in [
        ("%(low)s–%(high)s week", "%(low)s–%(high)s weeks", "[es] unas semanas"),
        ("%(count)s hour", "%(count)s hours", "[es] 27 horas"),
    ]:
        catalogue.append(
            polib.POEntry(
                msgctxt="duration",
                msgid=singular,
                msgid_plural=plural,
                msgstr_plural={0: wrong, 1: wrong},
            )
        )
    catalogue.append(
        polib.POEntry(
            msgctxt="measured frequency of a risk",
            msgid="1 in 1,000 to 1 in 100",
            msgstr="[es] 1 de cada 1.000 a 1 de cada 100",  # other digit groups, same numbers
        )
    )
    catalogue.save_as_mofile(str(folder / "django.mo"))
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        (card, *_) = _cards(phrase_documents(seed_data, "es"))
    assert card[MILESTONES][0] == ("8–12 weeks", "en"), "no number lost: the English"
    assert card[MILESTONES][2] == ("at least 2 hours", "en"), "no number changed: the English"
    assert ("[es] 1 de cada 1.000 a 1 de cada 100", None) in card
    assert "with other numbers" in caplog.text


def test_the_card_etag_and_memory_follow_the_phrases_even_when_the_labels_stay(
    client: Client, bilingual: Any, tmp_path: Path
) -> None:
    spanish, english = _card_url(bilingual.spanish.slug), _card_url(bilingual.source.slug)
    before, english_before = client.get(spanish), client.get(english)
    assert b"for at least the first 72 hours</span>" in before.content
    with override_settings(LOCALE_PATHS=[_write_catalogue(tmp_path, PHRASES)]):
        after = client.get(spanish)
        revalidated = client.get(spanish, HTTP_IF_NONE_MATCH=before["ETag"])
        english_after = client.get(english)
    assert after.status_code == 200
    page = lxml.html.fromstring(after.content)
    assert page.xpath("//h2[@id='s-risks']/@lang") == ["en"], "the labels have no catalogue"
    when = page.xpath("//ul[@class='rules']/li/p[1]/span")
    assert "[es] for at least [es] the first 72 hours" in [w.text for w in when]
    assert all(w.get("lang") is None for w in when), "translated phrases are not marked"
    assert after["ETag"] != before["ETag"]
    assert revalidated.status_code == 200 and revalidated["ETag"] == after["ETag"]
    assert english_after.content == english_before.content, "the English card is unchanged"
    assert english_after["ETag"] == english_before["ETag"]
    assert client.get(spanish).content == before.content, "the catalogue gone, English again"


def _card_url(slug: str) -> str:
    return f"/embed/v1/treatments/{slug}/"
