"""A category's name in other languages: built into documents in that language, covered by
their review, and public only as a published document froze it (never from a save)."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.editorial.support import approve, make_reviewer
from treatments import selectors, services
from treatments.documents.build import build_content
from treatments.errors import ContentInvalidError, PublishRefusedError
from treatments.models import (
    Category,
    CategoryName,
    Publication,
    PublishedCategory,
    PublishedCategoryName,
    Revision,
    Treatment,
)
from treatments.selectors.diffs import treatment_diff

from .category_support import (
    ENGLISH,
    SLUG,
    category_in,
    marked,
    name_category,
    publish,
    source,
    translate,
    withdraw,
)

pytestmark = pytest.mark.django_db


def _public() -> dict[str, tuple[str, str]]:
    """Every published name of the test category by language: (name, description)."""
    names = {
        row.language: (row.name, row.description)
        for row in PublishedCategoryName.objects.filter(category_id=SLUG)
    }
    published = PublishedCategory.objects.filter(slug=SLUG).first()
    if published is not None:
        names[f"catalogue:{published.language}"] = (published.name, published.description)
    return names


def _live_category(treatment: Treatment) -> dict[str, str]:
    category: dict[str, str] = Publication.objects.get(treatment=treatment).revision.document[
        "category"
    ]
    return category


# --- building --------------------------------------------------------------------------------


def test_a_translation_is_built_with_the_category_name_in_its_language() -> None:
    spanish = translate(source(), "es")
    assert category_in(spanish) == {"slug": SLUG, "name": ENGLISH}, "no Spanish name yet"
    name_category("es")
    assert category_in(spanish) == {"slug": SLUG, "name": marked("es")}


def test_a_regional_document_takes_its_languages_name_when_the_region_has_none() -> None:
    english = source()
    mexican = translate(english, "es-MX")
    name_category("es")
    assert category_in(mexican)["name"] == marked("es"), "es-MX finds es (RFC 4647 lookup)"
    name_category("es-MX")
    assert category_in(mexican)["name"] == marked("es-MX"), "the exact tag first"


def test_a_document_in_a_language_without_a_name_carries_the_catalogue_name() -> None:
    english = source()
    name_category("es")
    assert category_in(translate(english, "fr"))["name"] == ENGLISH
    assert category_in(english)["name"] == ENGLISH, "the catalogue's language: its own name"


def test_building_a_catalogue_language_document_asks_nothing_of_the_names(
    django_assert_num_queries: Any,
) -> None:
    english = services.treatment_get_for_edit(treatment_id=source().pk)
    name_category("es")
    with django_assert_num_queries(0):
        build_content(english)


def test_a_copy_of_the_source_text_may_keep_the_catalogue_name_and_changes_nothing() -> None:
    spanish = translate(source(), "es")
    name_category("es")
    content = build_content(services.treatment_get_for_edit(treatment_id=spanish.pk))
    content["category"]["name"] = ENGLISH  # as a client copying the source's text sends it
    version = Treatment.objects.get(pk=spanish.pk).version
    saved = services.treatment_replace(
        treatment_id=spanish.pk,
        content=services.content_validate(content),
        expected_version=version,
        actor=None,
    )
    assert saved.version == version, "the same content: no write, no version, no audit"
    assert category_in(spanish)["name"] == marked("es")


def test_content_naming_the_category_otherwise_is_refused_with_both_names() -> None:
    spanish = translate(source(), "es")
    name_category("es")
    content = build_content(services.treatment_get_for_edit(treatment_id=spanish.pk))
    content["category"]["name"] = "Some other name"
    with pytest.raises(ContentInvalidError) as refused:
        services.treatment_replace(
            treatment_id=spanish.pk,
            content=services.content_validate(content),
            expected_version=Treatment.objects.get(pk=spanish.pk).version,
            actor=None,
        )
    message = refused.value.errors[0]["message"]
    assert refused.value.errors[0]["pointer"] == "/category/name"
    assert ENGLISH in message and marked("es") in message


@pytest.mark.parametrize(
    ("language", "name", "field"),
    [
        ("not a tag", "x", "language"),
        ("en", "x", "language"),  # the catalogue's language: that is the category's own name
        ("es", "", "name"),
        ("es", "x" * 121, "name"),
        ("es", "bad\u202ename", "name"),
    ],
)
def test_a_name_the_rules_refuse_is_a_validation_error(
    language: str, name: str, field: str
) -> None:
    source()
    row = CategoryName(category=Category.objects.get(slug=SLUG), language=language, name=name)
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert field in refused.value.message_dict


def test_a_tag_is_kept_in_its_canonical_case() -> None:
    source()
    assert name_category("ES-mx").language == "es-MX"
    with pytest.raises(ValidationError):
        name_category("es-mx")  # the same language: one name per language


# --- review ----------------------------------------------------------------------------------


def _edited_by_a_person(spanish: Treatment, editor: Any) -> None:
    content = build_content(services.treatment_get_for_edit(treatment_id=spanish.pk))
    content["summary"] = marked("es", "A summary edited by a person.")
    services.treatment_replace(
        treatment_id=spanish.pk,
        content=services.content_validate(content),
        expected_version=Treatment.objects.get(pk=spanish.pk).version,
        actor=editor,
    )


def test_a_name_saved_after_the_approval_voids_it_as_a_category_rename_does(roles: Any) -> None:
    spanish = translate(source(), "es")
    _edited_by_a_person(spanish, roles["editor"])
    reviewer = make_reviewer()
    approve(spanish, reviewer)
    name_category("es")  # after the approval: the document is no longer what was approved
    with pytest.raises(PublishRefusedError) as refused:
        publish(spanish, roles["publisher"])
    assert refused.value.code == "approval_void"
    assert not Publication.objects.filter(treatment=spanish).exists()

    approve(spanish, reviewer)  # a new review covers the name ...
    publish(spanish, roles["publisher"])
    assert _live_category(spanish)["name"] == marked("es"), "... and it is frozen as approved"


def test_the_readable_diff_shows_a_new_name_to_the_reviewer() -> None:
    spanish = translate(source(), "es")
    publish(spanish)
    name_category("es")
    diff = treatment_diff(treatment=spanish, old="live", new="working")
    changes = [(f.path, f.old, f.new) for s in diff.sections for f in s.fields]
    assert ("/category/name", ENGLISH, marked("es")) in changes


def test_an_english_rename_after_the_approval_voids_it_too(roles: Any) -> None:
    english = source()
    _edited_by_a_person(english, roles["editor"])
    approve(english, make_reviewer())
    Category.objects.filter(slug=SLUG).update(name="Renamed in the admin")
    with pytest.raises(PublishRefusedError) as refused:
        publish(english, roles["publisher"])
    assert refused.value.code == "approval_void"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_rename_alone_needs_a_review_before_it_publishes(roles: Any, language: str) -> None:
    english = source()
    document = english if language == "en" else translate(english, "es")
    publish(document)  # live with the name as it was; nobody edits the treatment after this
    if language == "en":
        Category.objects.filter(slug=SLUG).update(name="Renamed in the admin")
    else:
        name_category("es")
    for actor in (roles["publisher"], None):  # a publisher, or the system (a scheduled action)
        with pytest.raises(PublishRefusedError) as refused:
            publish(document, actor, review=False)
        assert refused.value.code == "approval_missing"
    assert _live_category(document)["name"] == ENGLISH, "nothing unreviewed went out"

    approve(document, make_reviewer())
    publish(document, roles["publisher"])
    assert _live_category(document)["name"] == category_in(document)["name"] != ENGLISH


# --- the hub ---------------------------------------------------------------------------------


def test_saving_a_name_changes_nothing_public() -> None:
    spanish = translate(source(), "es")
    publish(spanish)
    before = _public()
    name_category("es", description="A test description.")
    assert _public() == before
    assert _live_category(spanish)["name"] == ENGLISH


def test_a_translation_publishes_its_name_apart_and_never_over_the_catalogue_name() -> None:
    english = source()
    spanish = translate(english, "es")
    name_category("es", description=marked("es", "A test description."))
    publish(spanish)
    assert _public() == {
        "catalogue:en": (ENGLISH, ""),
        "es": (marked("es"), marked("es", "A test description.")),
    }
    assert _live_category(spanish)["name"] == marked("es")
    assert _live_category(english)["name"] == ENGLISH


def test_names_are_kept_per_language() -> None:
    english = source()
    name_category("es")
    name_category("fr")
    publish(translate(english, "es"))
    publish(translate(english, "fr"))
    assert set(_public()) == {"catalogue:en", "es", "fr"}
    assert _public()["fr"] == (marked("fr"), "")


def test_a_regional_document_publishes_the_name_under_the_language_it_is_in() -> None:
    english = source()
    name_category("es")
    publish(translate(english, "es-MX"))
    assert _public()["es"] == (marked("es"), ""), "the es name, which the es-MX document carries"


def test_a_changed_name_is_public_with_the_next_publication_of_that_language_only() -> None:
    english = source()
    spanish = translate(english, "es")
    row = name_category("es")
    publish(spanish)
    row.name = marked("es", "Renamed")
    row.save()
    assert _public()["es"][0] == marked("es"), "a save is not a publication"
    content = build_content(services.treatment_get_for_edit(treatment_id=english.pk))
    content["summary"] = "An English change."
    services.treatment_replace(
        treatment_id=english.pk,
        content=services.content_validate(content),
        expected_version=Treatment.objects.get(pk=english.pk).version,
        actor=None,
    )
    publish(english)
    assert _public()["es"][0] == marked("es"), "an English publication is not a Spanish one"
    publish(spanish)
    assert _public()["es"][0] == marked("es", "Renamed")


def test_a_deleted_name_leaves_the_public_with_the_next_publication_in_its_language() -> None:
    english = source()
    spanish = translate(english, "es")
    row = name_category("es")
    publish(spanish)
    row.delete()
    assert "es" in _public()
    publish(spanish)  # now built with the catalogue's name: the last word of the language
    assert "es" not in _public()
    assert _public()["catalogue:en"] == (ENGLISH, "")


def test_a_name_is_public_only_while_a_live_document_in_its_language_carries_it() -> None:
    english = source()
    spanish = translate(english, "es")
    name_category("es")
    publish(spanish)
    withdraw(spanish)
    assert "es" not in _public()
    assert selectors.category_live_languages() == []


def test_a_category_only_another_language_published_is_named_in_it_until_the_catalogues() -> None:
    data = build_content(services.treatment_get_for_edit(treatment_id=source(published=False).pk))
    data.update(slug="spanish-only-source", language="es")
    name_category("es")
    services.content_load(content=services.content_validate(data), publish=True)
    assert _public()["catalogue:es"] == (marked("es"), ""), "the Spanish name stands in"
    english = Treatment.objects.get(slug="synthetic-test-procedure")
    publish(english)
    assert _public()["catalogue:en"] == (ENGLISH, "")
    assert _public()["es"] == (marked("es"), "")


def test_a_revision_frozen_before_the_name_republished_does_not_label_the_english_name() -> None:
    english = source()
    spanish = translate(english, "es")
    publish(spanish)  # revision 1: the catalogue's name
    name_category("es", name=marked("es", "First"))
    publish(spanish)  # revision 2: the Spanish name
    services.treatment_revert(
        treatment_id=spanish.pk,
        revision_number=1,
        expected_version=Treatment.objects.get(pk=spanish.pk).version,
        actor=None,
    )
    # A revert rebuilds the content: the name in the language now, frozen as a new revision.
    assert Revision.objects.filter(treatment=spanish).count() == 3
    assert _live_category(spanish)["name"] == marked("es", "First")
    assert _public()["catalogue:en"] == (ENGLISH, "")
