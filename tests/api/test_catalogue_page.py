"""A plain catalogue page read with its compiled query holds what the ORM's query holds."""

import copy
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from api.pagination import PageQuery, page_from_queryset
from api.v1.catalogue import LIST_FIELDS, PageRow, catalogue, catalogue_page
from editorial.translations.services import translation_create
from tests.editorial.translations.support import synthetic
from treatments.documents.schema import TreatmentContent
from treatments.models import Publication, Treatment
from treatments.services import (
    content_load,
    content_validate,
    treatment_publish,
    treatment_unpublish,
)

pytestmark = pytest.mark.django_db

ORDERINGS = [
    ("title", "treatment_id"),
    ("-title", "-treatment_id"),
    ("published_at", "treatment_id"),
    ("-published_at", "-treatment_id"),
]


def _values(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(getattr(row, name) for name in LIST_FIELDS) for row in rows]


def test_every_shape_of_page_holds_the_rows_the_orm_reads_in_one_query(
    seed_published: Treatment,
    seed_data: dict[str, Any],
    publish_many: Any,
    django_assert_num_queries: Any,
) -> None:
    publish_many(4)
    twin = copy.deepcopy(seed_data)
    twin.update(slug="twin-of-the-seed", title=seed_data["title"])  # one title, two rows
    content_load(content=TreatmentContent.model_validate(twin), publish=True)
    spanish = translation_create(
        source_id=seed_published.pk,
        language="es",
        content=content_validate(synthetic(seed_data, "es")),
        actor=None,
    ).treatment
    treatment_publish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)
    withdrawn = Treatment.objects.get(slug=f"{seed_published.slug}-variant-1")
    treatment_unpublish(treatment_id=withdrawn.pk, expected_version=None, actor=None)
    orm = catalogue(every_language=False)
    publications = list(Publication.objects.all())
    checked = 0
    for ordering in ORDERINGS:
        field = ordering[0].lstrip("-")
        positions = [None, *{str(getattr(p, field)) for p in publications}]
        for position in positions:
            for lookup in ("gt", "lt"):
                after = None if position is None else (field, lookup, position)
                for offset, limit in ((0, 1), (0, 3), (1, 2), (2, 50)):
                    page = PageQuery(ordering=ordering, after=after, offset=offset, limit=limit)
                    with django_assert_num_queries(1):
                        rows = catalogue_page(page)
                    assert _values(rows) == _values(page_from_queryset(orm, page)), page
                    checked += 1
        # Cursors that name a row (its position and its id), as every link now writes them.
        for publication in publications:
            for lookup in ("gt", "lt"):
                after = (field, lookup, str(getattr(publication, field)))
                tie = ("treatment_id", str(publication.treatment_id))
                for limit in (1, 3, 50):
                    page = PageQuery(ordering, after, 0, limit, tie=tie)
                    with django_assert_num_queries(1):
                        rows = catalogue_page(page)
                    assert _values(rows) == _values(page_from_queryset(orm, page)), page
                    # Compiled (a PageRow), not read by the ORM instead: titles everywhere,
                    # times where the database takes them as given (PostgreSQL).
                    if field == "title" or connection.vendor == "postgresql":
                        assert all(isinstance(row, PageRow) for row in rows), page
                    checked += 1
    assert checked > 200
    listed = {row.slug for row in catalogue_page(PageQuery(ORDERINGS[0], None, 0, 100))}
    assert "twin-of-the-seed" in listed
    assert withdrawn.slug not in listed and spanish.slug not in listed


def test_a_position_the_field_cannot_hold_is_refused_as_the_orm_refuses_it(
    seed_published: Treatment,
) -> None:
    page = PageQuery(ORDERINGS[2], ("published_at", "gt", "not-a-date"), 0, 3)
    with pytest.raises(ValidationError):
        page_from_queryset(catalogue(every_language=False), page)
    with pytest.raises(ValidationError):
        catalogue_page(page)
