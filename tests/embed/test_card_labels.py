"""The card's own labels follow the document's language through gettext, with nothing invented.

The catalogue is written here at test time, with test strings ("[es] Risks"), never shipped.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import polib
import pytest
from django.test import Client, override_settings

from treatments.renditions.card import SECTION_TITLES

pytestmark = pytest.mark.django_db

# Labels the test catalogue gives in "Spanish": the English with a "[es] " mark.
LABELS = [
    *(str(title) for title in SECTION_TITLES.values()),
    "Contraindications",
    "Warning signs",
    "Likelihood: %(likelihood)s",
    "Rare",
]


def _card(slug: str) -> str:
    return f"/embed/v1/treatments/{slug}/"


def _page(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    return lxml.html.fromstring(response.content)


@pytest.fixture
def spanish_catalogue(tmp_path: Path) -> Iterator[Path]:
    """A compiled es catalogue of test strings in a LOCALE_PATHS of its own.

    override_settings(LOCALE_PATHS=...) empties Django's translation caches on entry and exit
    (django.test.signals.language_changed), so no other test sees these strings.
    """
    folder = tmp_path / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    for label in LABELS:
        catalogue.append(polib.POEntry(msgid=label, msgstr=f"[es] {label}"))
    catalogue.save(str(folder / "django.po"))
    catalogue.save_as_mofile(str(folder / "django.mo"))
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        yield tmp_path / "locale"


def test_a_catalogue_gives_the_spanish_card_its_labels_and_the_english_card_keeps_its_own(
    client: Client, bilingual: Any, spanish_catalogue: Path
) -> None:
    spanish = _page(client.get(_card(bilingual.spanish.slug)))
    english = _page(client.get(_card(bilingual.source.slug)))
    assert spanish.get("lang") == "es"
    risks = spanish.xpath("//h2[@id='s-risks']")[0]
    assert risks.text == "[es] Risks"
    assert risks.get("lang") is None, "a translated label is in the page's language"
    assert "[es] Contraindications" in spanish.text_content()
    assert not spanish.xpath("//main//*[@lang='en']//h2"), "no translated label marked English"
    assert english.get("lang") == "en"
    assert english.xpath("//h2[@id='s-risks']/text()") == ["Risks"]
    assert "[es]" not in english.text_content()


def test_without_a_catalogue_the_spanish_card_shows_english_labels_marked_english(
    client: Client, bilingual: Any
) -> None:
    page = _page(client.get(_card(bilingual.spanish.slug)))
    assert page.get("lang") == "es", "the document's own text is in its language"
    assert page.findtext(".//h1") == bilingual.spanish.title
    assert page.xpath("//h1/@lang") == []
    for heading in page.iter("h2"):
        assert heading.text in {str(t) for t in SECTION_TITLES.values()}
        assert heading.get("lang") == "en", f"{heading.text!r} fell back to English: lang=en"
    assert "[es] Risks" not in page.text_content()


def test_the_card_etag_changes_with_its_labels_and_a_cached_english_card_is_not_served(
    client: Client, bilingual: Any, tmp_path: Path
) -> None:
    url = _card(bilingual.spanish.slug)
    before = client.get(url)  # rendered and remembered with English labels
    folder = tmp_path / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    catalogue.append(polib.POEntry(msgid="Risks", msgstr="[es] Risks"))
    catalogue.save_as_mofile(str(folder / "django.mo"))
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        after = client.get(url)
        revalidated = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert b"[es] Risks" in after.content and b"[es] Risks" not in before.content
    assert after["ETag"] != before["ETag"]
    assert revalidated.status_code == 200, "the English-labelled card's ETag no longer matches"
    assert b"[es] Risks" in revalidated.content
    english = client.get(_card(bilingual.source.slug))
    assert english["ETag"] != after["ETag"]


def test_oembed_points_at_the_card_whose_labels_follow_the_negotiated_language(
    client: Client, bilingual: Any, spanish_catalogue: Path
) -> None:
    url = f"http://testserver{_card(bilingual.source.slug)}"
    answer = client.get("/api/oembed/", {"url": url}, HTTP_ACCEPT_LANGUAGE="es")
    assert answer.status_code == 200
    src = lxml.html.fromstring(answer.json()["html"]).get("src")
    card = _page(client.get(src.removeprefix("http://testserver")))
    assert card.get("lang") == "es"
    assert card.xpath("//h2[@id='s-risks']/text()") == ["[es] Risks"]
