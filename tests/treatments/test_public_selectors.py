"""The public selectors answer what the ORM answers, however they build their query."""

from typing import Any

import pytest

from editorial.translations.services import translation_create
from tests.editorial.translations.support import synthetic
from treatments import selectors
from treatments.models import Publication, Treatment
from treatments.services import content_validate, treatment_publish, treatment_unpublish

pytestmark = pytest.mark.django_db

FIELDS = [
    ("etag", "published_at", "document_json", "slug", "revision_number", "language"),
    (
        "treatment_id",
        "published_at",
        "slug",
        "treatment__translation_of__source_language",
        "treatment__translation_of__outdated_since",
    ),
]


def _orm(slug: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    return Publication.objects.live().filter(slug=slug).values(*fields).first()


def test_publication_document_answers_what_the_orm_answers(
    seed_published: Treatment,
    seed_data: dict[str, Any],
    publish_many: Any,
    django_assert_num_queries: Any,
) -> None:
    publish_many(3)
    spanish = translation_create(
        source_id=seed_published.pk,
        language="es",
        content=content_validate(synthetic(seed_data, "es")),
        actor=None,
    ).treatment
    treatment_publish(treatment_id=spanish.pk, expected_version=spanish.version, actor=None)
    withdrawn = Treatment.objects.get(slug=f"{seed_published.slug}-variant-2")
    treatment_unpublish(treatment_id=withdrawn.pk, expected_version=None, actor=None)
    slugs = [*Publication.objects.values_list("slug", flat=True), "no-such-treatment"]
    for fields in FIELDS:
        for slug in slugs:
            with django_assert_num_queries(1):
                found = selectors.publication_document(slug=slug, fields=fields)
            assert found == _orm(slug, fields), (slug, fields)
            if found is not None:
                assert list(found) == list(fields)
    assert selectors.publication_document(slug=withdrawn.slug, fields=FIELDS[0]) is None
    assert selectors.publication_document(slug=spanish.slug, fields=FIELDS[1]) is not None
