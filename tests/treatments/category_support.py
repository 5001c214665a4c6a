"""Helpers of the category-name tests: a synthetic source, its translations, names per language.

Names in other languages are marked test texts ("[es] Test category"), never translations.
"""

import copy
from typing import Any

from editorial.selectors import approval_required
from editorial.translations.services import translation_create
from tests.editorial.support import approve
from tests.editorial.translations.support import synthetic
from tests.editorial.translations.synthetic_source import SOURCE, synthetic_source
from treatments.documents.build import build_content
from treatments.models import Category, CategoryName, Treatment
from treatments.services import (
    content_validate,
    treatment_get_for_edit,
    treatment_publish,
    treatment_unpublish,
)

SLUG = SOURCE["category"]["slug"]  # "test-category"
ENGLISH = SOURCE["category"]["name"]  # "Test category"
CATEGORIES = "/api/v1/categories/"


def marked(language: str, text: str = ENGLISH) -> str:
    """A test text marked as written in `language` (no translation of anything)."""
    return f"[{language}] {text}"


def name_category(language: str, name: str | None = None, description: str = "") -> CategoryName:
    """Save the test category's name in `language` (as an editor saves it in the admin)."""
    row = CategoryName(
        category=Category.objects.get(slug=SLUG),
        language=language,
        name=name or marked(language),
        description=description,
    )
    row.full_clean()
    row.save()
    return row


def source(*, published: bool = True) -> Treatment:
    """The synthetic English source, published unless told otherwise."""
    return synthetic_source(published=published)


def translate(of: Treatment, language: str) -> Treatment:
    """A working copy translating `of` into `language` (a copy of its text, marked)."""
    data = build_content(treatment_get_for_edit(treatment_id=of.pk))
    row = translation_create(
        source_id=of.pk,
        language=language,
        content=content_validate(synthetic(copy.deepcopy(data), language)),
        actor=None,
    )
    return row.treatment


def publish(treatment: Treatment, actor: Any = None, *, review: bool = True) -> Any:
    """Publish the working copy as it stands (as the system unless `actor` is given).

    A renamed category needs a clinical reviewer's approval before it publishes, as an edit
    does (editorial.selectors.approval_required); with `review` a test reviewer gives it
    first when the gate asks for one, through the real review services.
    """
    if review and actor is None and approval_required(treatment):
        approve(treatment)
    version = Treatment.objects.get(pk=treatment.pk).version
    return treatment_publish(treatment_id=treatment.pk, expected_version=version, actor=actor)


def withdraw(treatment: Treatment) -> None:
    version = Treatment.objects.get(pk=treatment.pk).version
    treatment_unpublish(treatment_id=treatment.pk, expected_version=version, actor=None)


def category_in(treatment: Treatment) -> dict[str, str]:
    """The category part of the working copy's document as it is built now."""
    category: dict[str, str] = build_content(treatment_get_for_edit(treatment_id=treatment.pk))[
        "category"
    ]
    return category
