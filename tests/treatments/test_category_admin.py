"""A category's names in other languages in the admin: saved through the page as a browser
posts it, each shown with whether it is public, since when, or what it waits for."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from editorial.translations.views_admin import side_by_side_url
from tests.editorial.support import make_reviewer
from treatments.models import Category, CategoryName, PublishedCategoryName

from .category_support import ENGLISH, SLUG, marked, name_category, publish, source, translate
from .test_admin import admin_form_data

pytestmark = pytest.mark.django_db
FORM = "category_form"


def _url() -> str:
    return reverse("admin:treatments_category_change", args=[Category.objects.get(slug=SLUG).pk])


def _names() -> list[tuple[str, str]]:
    return list(CategoryName.objects.values_list("language", "name"))


def _inline_errors(response: Any) -> list[str]:
    found: list[str] = []
    for formset in response.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            for messages in form.errors.values():
                found += list(messages)
        found += list(formset.formset.non_form_errors())
    return found


def test_an_editor_saves_a_name_in_another_language_through_the_page(
    client: Client, roles: dict[str, User]
) -> None:
    english = source()
    client.force_login(roles["editor"])
    data = admin_form_data(client, _url(), FORM)
    assert data["names-TOTAL_FORMS"] == "1" and data["names-0-language"] == ""
    data.update({"names-0-language": "es-mx", "names-0-name": marked("es")})
    response = client.post(_url(), data)
    assert response.status_code == 302, _inline_errors(response)
    assert _names() == [("es-MX", marked("es"))], "kept in its canonical case"
    assert not PublishedCategoryName.objects.exists(), "a save publishes nothing"

    page = client.get(_url()).content.decode()
    assert "Not public: it goes public with the next publication of a es-MX document" in page
    publish(translate(english, "es-MX"))
    page = client.get(_url()).content.decode()
    assert "Public since" in page


def test_the_page_says_when_a_changed_name_waits_for_a_publication(
    client: Client, superuser: User
) -> None:
    english = source()
    spanish = translate(english, "es")
    name_category("es")
    publish(spanish)
    client.force_login(superuser)
    data = admin_form_data(client, _url(), FORM)
    data["names-0-name"] = marked("es", "Renamed")
    assert client.post(_url(), data).status_code == 302
    page = client.get(_url()).content.decode()
    assert f"Public as “{marked('es')}” since" in page
    assert "this name goes public with the next publication of a es document" in page


def test_the_catalogue_name_says_whether_it_is_public(client: Client, superuser: User) -> None:
    draft = source(published=False)
    client.force_login(superuser)
    assert "Not public: the name (en) goes public" in client.get(_url()).content.decode()
    publish(draft)
    assert "Public since" in client.get(_url()).content.decode()
    Category.objects.filter(slug=SLUG).update(name="Renamed in the admin")
    page = client.get(_url()).content.decode()
    assert f"Public as “{ENGLISH}” since" in page


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("not a tag", marked("es"), "BCP 47"),
        ("en", marked("es"), "the catalogue's own language"),
        ("EN", marked("es"), "the catalogue's own language"),
        ("es", "bad\u202ename", "bidirectional"),
        ("es", "x" * 121, "120"),
    ],
)
def test_a_refused_name_is_an_error_on_the_page_and_saves_nothing(
    client: Client, superuser: User, language: str, name: str, expected: str
) -> None:
    source()
    client.force_login(superuser)
    data = admin_form_data(client, _url(), FORM)
    data.update({"names-0-language": language, "names-0-name": name})
    response = client.post(_url(), data)
    assert response.status_code == 200
    assert expected in " ".join(_inline_errors(response))
    assert _names() == []


def test_a_second_name_in_the_same_language_is_refused(client: Client, superuser: User) -> None:
    source()
    name_category("es")
    client.force_login(superuser)
    data = admin_form_data(client, _url(), FORM)
    assert data["names-1-language"] == "", "the page offers one more row"
    data.update({"names-1-language": "ES", "names-1-name": marked("es", "Again")})
    response = client.post(_url(), data)
    assert response.status_code == 200
    assert "duplicate data for language" in " ".join(_inline_errors(response))
    assert _names() == [("es", marked("es"))]


def test_a_clinical_reviewer_reads_the_names_and_changes_none(client: Client) -> None:
    source()
    name_category("es")
    client.force_login(make_reviewer())
    page = client.get(_url())
    assert page.status_code == 200
    assert marked("es") in page.content.decode()
    assert client.post(_url(), {"name": "x"}).status_code == 403


def test_the_side_by_side_editor_shows_the_category_name_in_the_translations_language(
    client: Client, superuser: User
) -> None:
    spanish = translate(source(), "es")
    client.force_login(superuser)
    page = client.get(side_by_side_url(spanish.pk)).content.decode()
    assert "the category has no name in es yet" in page
    name_category("es")
    page = client.get(side_by_side_url(spanish.pk)).content.decode()
    assert f'<strong lang="es">{marked("es")}</strong>' in page
    assert _url() in page
