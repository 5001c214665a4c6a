"""Title bands of the PostgreSQL search (migration 0011, `banded_search_page`).

A search in title order reads the matches band by band. These tests hold it to the one promise
that matters: the same rows in the same order as reading every match and sorting them, for
every page, cursor and direction, whatever titles the rows carry and however the bands split.
They use bands of 2 to 3 rows (`treatments.search_band_rows`, set for the test's transaction
only) so that two dozen treatments make many bands.
"""

import copy
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatments import selectors
from treatments.documents.schema import TreatmentContent
from treatments.models import Publication
from treatments.services import content_load

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BAND_ROWS = 2
COUNT = 24
WORD = "zebrafinch"  # a word no seed text has: only the marked documents match


def _small_bands() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL treatments.search_band_rows = %s", [str(BAND_ROWS)])


@pytest.fixture
def catalogue(seed_data: dict[str, Any]) -> list[str]:
    """COUNT published treatments; two in three carry WORD. Returns their treatment ids."""
    _small_bands()
    for index in range(COUNT):
        data = copy.deepcopy(seed_data)
        marked = index % 3 != 0
        data.update(
            slug=f"band-test-{index}",
            title=f"Band test {index % 7}",  # equal titles across bands
            summary=f"Test document {index}" + (f" {WORD}" if marked else ""),
        )
        content_load(content=TreatmentContent.model_validate(data), publish=True)
    return [str(pk) for pk in Publication.objects.values_list("pk", flat=True)]


# Plain words, a phrase, a negation, `or`: each band's query keeps the query's structure.
QUERIES = [WORD, f'"test document" {WORD}', f"{WORD} -5", f"okapiword or {WORD}"]


def _searched(query: str = WORD) -> Any:
    return selectors.publication_search(selectors.publication_live_list(), query=query)


def _reference(ordering: tuple[str, ...], query: str = WORD) -> list[str]:
    return [str(p.pk) for p in _searched(query).order_by(*ordering)]


def _bands_hold_their_titles() -> None:
    """Every row is in the last band whose lower bound is not above its title."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM treatments_publication AS p
            WHERE p.search_band IS DISTINCT FROM (
                SELECT b.id FROM treatments_search_band AS b
                WHERE b.lower <= p.title ORDER BY b.lower DESC LIMIT 1)
            """
        )
        assert cursor.fetchone()[0] == 0


def _every_page_matches(reference_up: list[str], query: str) -> None:
    """Every cursor position, offset and page length gives the rows the full sort gives."""
    rows = {str(p.pk): p for p in _searched(query)}
    for forward in (True, False):
        ordering = ("search_title", "treatment_id")
        if not forward:
            ordering = ("-search_title", "-treatment_id")
        reference = reference_up if forward else list(reversed(reference_up))
        titles = [None, *sorted({rows[pk].title for pk in reference})]
        for title in titles:
            after = None if title is None else ("search_title", "gt" if forward else "lt", title)
            expected = (
                reference
                if title is None
                else [
                    pk
                    for pk in reference
                    if (rows[pk].title > title if forward else rows[pk].title < title)
                ]
            )
            for offset in (0, 1, 3):
                for limit in (1, 2, 5):
                    page = selectors.banded_search_page(
                        _searched(query),
                        ordering=ordering,
                        after=after,
                        offset=offset,
                        limit=limit,
                    )
                    assert page is not None
                    assert [str(p.pk) for p in page] == expected[offset : offset + limit], (
                        forward,
                        title,
                        offset,
                        limit,
                    )


_TITLE = st.text(alphabet="aAbBéE -", min_size=1, max_size=4)


@settings(
    derandomize=True,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(titles=st.lists(_TITLE, min_size=COUNT, max_size=COUNT), query=st.sampled_from(QUERIES))
def test_pages_read_band_by_band_are_the_pages_of_the_full_sort(
    catalogue: list[str], titles: list[str], query: str
) -> None:
    for pk, title in zip(catalogue, titles, strict=True):
        # Each update moves the row into its title's band, splitting a band that grows too big.
        Publication.objects.filter(treatment_id=pk).update(title=title)
    _bands_hold_their_titles()
    reference = _reference(("title", "treatment_id"), query)
    assert reference, query
    if query == WORD:
        assert len(reference) == COUNT - COUNT // 3
    _every_page_matches(reference, query)


def test_the_api_walks_a_search_forward_and_back_in_title_order(
    catalogue: list[str], client: Any
) -> None:
    # Distinct titles: DRF's `previous` link is only exact where the titles are (the forward
    # walk is exact with repeated titles too: the property test above).
    for number, pk in enumerate(catalogue):
        Publication.objects.filter(treatment_id=pk).update(
            title=f"Band test {(number * 7) % COUNT:02d}"
        )
    reference = _reference(("title", "treatment_id"))
    seen: list[str] = []
    url: str | None = f"/api/v1/treatments/?q={WORD}&page_size=3"
    pages = []
    while url:
        body = client.get(url).json()
        pages.append(url)
        seen += [item["id"] for item in body["results"]]
        url = body["links"]["next"]
    assert seen == reference
    # And back from the last page, by the `previous` links.
    back: list[str] = []
    url = pages[-1]
    while url:
        body = client.get(url).json()
        back = [item["id"] for item in body["results"]] + back
        url = body["links"]["previous"]
    assert back == reference


def test_a_frequent_query_reads_one_band_for_its_first_page(catalogue: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM treatments_search_band")
        assert cursor.fetchone()[0] >= COUNT // (2 * BAND_ROWS)
    with CaptureQueriesContext(connection) as captured:
        page = selectors.banded_search_page(
            _searched(), ordering=("search_title", "treatment_id"), after=None, offset=0, limit=2
        )
    assert page is not None
    assert [str(p.pk) for p in page] == _reference(("title", "treatment_id"))[:2]
    reads = [q["sql"] for q in captured.captured_queries if "banded_query" in q["sql"]]
    # The first band holds two or three rows, of which two in three match: at most two reads.
    assert 1 <= len(reads) <= 2, reads
    assert all("treatments_banded_query" in sql for sql in reads)


def test_a_rare_query_finds_its_only_match_in_the_last_band(
    catalogue: list[str], client: Any
) -> None:
    last = Publication.objects.order_by("-title", "-treatment_id").first()
    assert last is not None
    Publication.objects.filter(pk=last.pk).update(search_text=last.search_text + " okapiword")
    body = client.get("/api/v1/treatments/?q=okapiword").json()
    assert [item["id"] for item in body["results"]] == [str(last.pk)]


def test_a_word_too_long_to_tag_is_stored_and_the_rest_of_its_text_is_found(
    catalogue: list[str], client: Any
) -> None:
    # A pasted blob is one word of up to 2,047 bytes, which PostgreSQL's tsvector keeps: its
    # band tag would take it over the limit of a word, so the banded vector leaves it out.
    first = Publication.objects.order_by("title", "treatment_id").first()
    assert first is not None
    blob = "q" * 2040
    Publication.objects.filter(pk=first.pk).update(
        search_text=f"{first.search_text} {blob} okapiword"
    )
    body = client.get("/api/v1/treatments/?q=okapiword").json()
    assert [item["id"] for item in body["results"]] == [str(first.pk)]


def test_a_row_with_too_many_words_to_tag_makes_searches_read_every_match(
    catalogue: list[str], client: Any
) -> None:
    # 90,000 distinct words fit in a tsvector (under PostgreSQL's 1 MB), not once tagged with
    # their band: that row's banded vector is NULL, and a search reads every match as it would
    # without bands, finding that row too.
    letters = "bcdfghjklmnpqrtvwxz"
    words = (
        "".join(letters[(n // len(letters) ** k) % len(letters)] for k in range(6))
        for n in range(90_000)
    )
    last = Publication.objects.order_by("-title", "-treatment_id").first()
    assert last is not None
    Publication.objects.filter(pk=last.pk).update(
        search_text=" ".join(words) + f" {WORD} okapiword"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector_banded IS NULL, search_vector IS NOT NULL"
            " FROM treatments_publication WHERE treatment_id = %s",
            [last.pk],
        )
        assert cursor.fetchone() == (True, True)
    page = selectors.banded_search_page(
        _searched(), ordering=("search_title", "treatment_id"), after=None, offset=0, limit=5
    )
    assert page is None
    body = client.get("/api/v1/treatments/?q=okapiword").json()
    assert [item["id"] for item in body["results"]] == [str(last.pk)]
    body = client.get(f"/api/v1/treatments/?q={WORD}&page_size=50").json()
    assert [item["id"] for item in body["results"]] == _reference(("title", "treatment_id"))
