"""A plain catalogue search reads its title bands with queries compiled once per connection.

`api.v1.catalogue.catalogue_search_page` sends each band read (`BandRead`) as SQL the ORM
compiled once per connection and shape, with the read's words, bands, position and size. These
tests hold it to the ORM's band reads over the same catalogue: the same rows, in the same order,
with the same values, for every cursor position (a title and an offset, or a row: title and
id), offset, page length and direction, for words,
a phrase, a negation and `or`, over titles that repeat and bands of two or three rows.
"""

import copy
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import PageQuery, search_page
from api.v1.catalogue import SEARCH_FIELDS, SearchRow, catalogue, catalogue_search_page
from editorial.translations.services import translation_create
from tests.editorial.translations.support import synthetic
from treatments import selectors
from treatments.documents.schema import TreatmentContent
from treatments.models import Publication, Treatment
from treatments.services import content_load, content_validate, treatment_publish

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

COUNT = 18
WORD = "zebrafinch"  # a word no seed text has: only the marked documents match
QUERIES = [WORD, f'"test document" {WORD}', f"{WORD} -5", f"okapiword or {WORD}"]
FORWARD = ("search_title", "treatment_id")
BACKWARD = ("-search_title", "-treatment_id")


@pytest.fixture
def searchable(seed_published: Treatment, seed_data: dict[str, Any]) -> None:
    """COUNT treatments in bands of two or three rows, titles repeating; two in three carry
    WORD; a Spanish translation that carries it too (a search of the catalogue leaves it out)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL treatments.search_band_rows = '2'")
    for index in range(COUNT):
        data = copy.deepcopy(seed_data)
        data.update(
            slug=f"compiled-search-{index}",
            title=f"Compiled search {index % 5}",
            summary=f"Test document {index}" + (f" {WORD}" if index % 3 else ""),
        )
        content_load(content=TreatmentContent.model_validate(data), publish=True)
    spanish_data = synthetic(seed_data, "es")
    spanish_data["summary"] = f"{spanish_data['summary']} {WORD}"
    spanish = translation_create(
        source_id=seed_published.pk,
        language="es",
        content=content_validate(spanish_data),
        actor=None,
    ).treatment
    treatment_publish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)


def _searched(query: str) -> Any:
    return selectors.publication_search(catalogue(every_language=False).all(), query=query)


def _pages(reference: list[Publication], ordering: tuple[str, ...]) -> list[PageQuery]:
    """Every cursor position the page could be at, with offsets and page lengths."""
    forward = ordering == FORWARD
    titles = [None, *sorted({p.title for p in reference})]
    lookup = "gt" if forward else "lt"
    # Old cursors: a title and an offset into the rows that share it.
    old = [
        PageQuery(
            ordering=ordering,
            after=None if title is None else ("search_title", lookup, title),
            offset=offset,
            limit=limit,
        )
        for title in titles
        for offset in (0, 1, 3)
        for limit in (1, 2, 5, 21)
    ]
    # Cursors that name a row: its title and its id.
    named = [
        PageQuery(
            ordering=ordering,
            after=("search_title", lookup, p.title),
            offset=0,
            limit=limit,
            tie=("treatment_id", str(p.treatment_id)),
        )
        for p in reference
        for limit in (1, 2, 5)
    ]
    return old + named


@pytest.mark.parametrize("query", QUERIES)
def test_compiled_band_reads_give_the_orm_pages(searchable: None, query: str) -> None:
    reference = list(_searched(query).order_by(*FORWARD))
    assert reference, query
    assert all(p.language == "en" for p in reference)  # the translation is not listed
    for ordering in (FORWARD, BACKWARD):
        for page in _pages(reference, ordering):
            expected = search_page(_searched(query), page)
            compiled = catalogue_search_page(_searched(query), page)
            assert all(isinstance(row, SearchRow) for row in compiled), page
            assert [row.treatment_id for row in compiled] == [p.treatment_id for p in expected], (
                query,
                page,
            )
            for row, publication in zip(compiled, expected, strict=True):
                assert row == tuple(getattr(publication, name) for name in SEARCH_FIELDS)


def test_compiled_reads_stop_when_the_page_is_full(searchable: None) -> None:
    def reads(query: str, limit: int) -> tuple[list[Any], int]:
        page = PageQuery(ordering=FORWARD, after=None, offset=0, limit=limit)
        with CaptureQueriesContext(connection) as captured:
            rows = catalogue_search_page(_searched(query), page)
        return rows, sum("banded_query" in q["sql"] for q in captured.captured_queries)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM treatments_search_band")
        bands = cursor.fetchone()[0]
    assert bands >= COUNT // 3
    # A frequent word fills a page of two from the first band or two: one or two reads.
    rows, count = reads(WORD, 2)
    assert len(rows) == 2 and 1 <= count <= 2
    # A page longer than the matches reads every band, doubling: fewer reads than bands.
    rows, count = reads(WORD, 100)
    assert len(rows) == COUNT - COUNT // 3 and 1 < count < bands
    # A word no document has reads every band too, and finds nothing.
    rows, count = reads("okapiword", 2)
    assert rows == [] and count > 1


def test_the_api_answers_a_plain_search_with_compiled_reads(searchable: None, client: Any) -> None:
    reference = [str(p.pk) for p in _searched(WORD).order_by(*FORWARD)]
    seen: list[str] = []
    url: str | None = f"/api/v1/treatments/?q={WORD}&page_size=4"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [item["id"] for item in response.json()["results"]]
        url = response.json()["links"]["next"]
    # Titles repeat, so the forward walk (exact with repeated titles) is what is compared.
    assert seen == reference
