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


def _searched() -> Any:
    return selectors.publication_search(selectors.publication_live_list(), query=WORD)


def _reference(ordering: tuple[str, ...]) -> list[str]:
    return [str(p.pk) for p in _searched().order_by(*ordering)]


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


def _every_page_matches(reference_up: list[str]) -> None:
    """Every cursor position, offset and page length gives the rows the full sort gives."""
    rows = {str(p.pk): p for p in _searched()}
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
                        _searched(), ordering=ordering, after=after, offset=offset, limit=limit
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
@given(titles=st.lists(_TITLE, min_size=COUNT, max_size=COUNT))
def test_pages_read_band_by_band_are_the_pages_of_the_full_sort(
    catalogue: list[str], titles: list[str]
) -> None:
    for pk, title in zip(catalogue, titles, strict=True):
        # Each update moves the row into its title's band, splitting a band that grows too big.
        Publication.objects.filter(treatment_id=pk).update(title=title)
    _bands_hold_their_titles()
    reference = _reference(("title", "treatment_id"))
    assert len(reference) == COUNT - COUNT // 3
    _every_page_matches(reference)


def test_the_api_walks_a_search_forward_and_back_in_title_order(
    catalogue: list[str], client: Any
) -> None:
    # Distinct titles: DRF's `previous` link is only exact where the titles are (the forward
    # walk is exact with repeated titles too: the property test above).
    for number, pk in enumerate(catalogue):
        Publication.objects.filter(treatment_id=pk).update(title=f"Band test {(number * 7) % COUNT:02d}")
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
    reads = [q["sql"] for q in captured.captured_queries if "search_vector" in q["sql"]]
    # The first band holds two or three rows, of which two in three match: at most two reads.
    assert 1 <= len(reads) <= 2, reads
    assert all("search_band = ANY" in sql for sql in reads)


def test_a_rare_query_finds_its_only_match_in_the_last_band(
    catalogue: list[str], client: Any
) -> None:
    last = Publication.objects.order_by("-title", "-treatment_id").first()
    assert last is not None
    Publication.objects.filter(pk=last.pk).update(search_text=last.search_text + " okapiword")
    body = client.get("/api/v1/treatments/?q=okapiword").json()
    assert [item["id"] for item in body["results"]] == [str(last.pk)]
