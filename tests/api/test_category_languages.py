"""The category list in the reader's language: negotiated as every read is (`?lang=`, then
Accept-Language with q-values, then the catalogue's language), each item saying its language,
names public only as a published document in that language froze them, and never stale."""

import copy
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from api.edge import surrogate_keys_for
from events import edge
from events.models import OutboxEvent
from tests.api.conftest import Clock
from tests.editorial.translations.synthetic_source import SOURCE
from tests.treatments.category_support import (
    CATEGORIES,
    ENGLISH,
    SLUG,
    marked,
    name_category,
    publish,
    source,
    translate,
    withdraw,
)
from treatments.models import Category, CategoryName, Treatment
from treatments.services import content_load, content_validate

pytestmark = pytest.mark.django_db

OTHER_SLUG = "another-test-category"
OTHER = "Another test category"


@pytest.fixture
def english() -> Treatment:
    return source()


@pytest.fixture
def spanish(english: Treatment) -> Treatment:
    """The Spanish translation, published with the category's Spanish name."""
    name_category("es", description=marked("es", "A test description."))
    translation = translate(english, "es")
    publish(translation)
    return translation


def _items(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.content
    return [(c["slug"], c["name"], c["language"]) for c in response.json()["results"]]


def _second_category() -> Treatment:
    """Another synthetic English treatment, in a category of its own, published."""
    data = copy.deepcopy(SOURCE)
    data.update(slug="second-test-procedure", title="Second synthetic test procedure")
    data["category"] = {"slug": OTHER_SLUG, "name": OTHER}
    content_load(content=content_validate(data), publish=True)
    return Treatment.objects.get(slug="second-test-procedure")


# --- negotiation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept_language",
    [
        "es",
        "es-MX,es;q=0.9",
        "es-MX",  # lookup truncates es-MX to es
        "fr;q=0.9, es;q=0.8, en;q=0.1",
        "en;q=0.2, es",  # q-values, not the order, rank the languages
        "ES-mx",
        "zh, *;q=0.1, es;q=0.5",
    ],
)
def test_accept_language_names_the_categories_in_spanish(
    client: Client, spanish: Treatment, accept_language: str
) -> None:
    response = client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert _items(response) == [(SLUG, marked("es"), "es")]
    assert response.json()["results"][0]["description"] == marked("es", "A test description.")
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize(
    "accept_language",
    [
        "en",
        "en-GB,en;q=0.9,es;q=0.8",
        "*",  # anything: the catalogue's language
        "es;q=0, en",  # q=0: not acceptable
        "",
        ";;;garbage,,q=",  # malformed: the catalogue's language, never a 400
        "es;q=2",
        "x" * 600,
    ],
)
def test_other_preferences_name_them_in_the_catalogue_language(
    client: Client, spanish: Treatment, accept_language: str
) -> None:
    response = client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert _items(response) == [(SLUG, ENGLISH, "en")]
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_a_language_without_names_is_no_error_and_each_item_says_it_fell_back(
    client: Client, spanish: Treatment
) -> None:
    for response in (
        client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="fr-CA, fr;q=0.9"),
        client.get(CATEGORIES + "?lang=fr"),
    ):
        assert _items(response) == [(SLUG, ENGLISH, "en")]
        assert response["Content-Language"] == "en"


def test_each_category_is_named_in_the_first_language_it_has(
    client: Client, spanish: Treatment
) -> None:
    _second_category()  # no name but the catalogue's
    response = client.get(CATEGORIES + "?lang=es")
    assert _items(response) == [(OTHER_SLUG, OTHER, "en"), (SLUG, marked("es"), "es")]
    assert response["Content-Language"] == "es", "the language asked for, which some items have"


def test_lang_wins_over_accept_language_and_a_malformed_lang_is_a_400(
    client: Client, spanish: Treatment
) -> None:
    assert _items(client.get(CATEGORIES + "?lang=es", HTTP_ACCEPT_LANGUAGE="en"))[0][2] == "es"
    assert _items(client.get(CATEGORIES + "?lang=en", HTTP_ACCEPT_LANGUAGE="es"))[0][2] == "en"
    refused = client.get(CATEGORIES + "?lang=not_a_tag")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["lang"]


def test_no_language_asked_answers_in_the_catalogue_language(
    client: Client, spanish: Treatment
) -> None:
    response = client.get(CATEGORIES)
    assert _items(response) == [(SLUG, ENGLISH, "en")]
    assert response["Content-Language"] == "en"


def test_categories_are_ordered_by_their_name_in_the_answers_language(
    client: Client, spanish: Treatment
) -> None:
    second = _second_category()
    # In Spanish the second category's name sorts last; in English it sorts first.
    CategoryName.objects.create(
        category=Category.objects.get(slug=OTHER_SLUG), language="es", name="[es] Zzz test"
    )
    publish(translate(second, "es"))
    assert [i[0] for i in _items(client.get(CATEGORIES))] == [OTHER_SLUG, SLUG]
    assert [i[0] for i in _items(client.get(CATEGORIES + "?lang=es"))] == [SLUG, OTHER_SLUG]
    assert [i[0] for i in _items(client.get(CATEGORIES + "?lang=es&ordering=-name"))] == [
        OTHER_SLUG,
        SLUG,
    ]
    # Page by page, following `next`, in Spanish: every category once, in order.
    first = client.get(CATEGORIES + "?lang=es&page_size=1").json()
    after = client.get(first["links"]["next"]).json()
    assert [first["results"][0]["slug"], after["results"][0]["slug"]] == [SLUG, OTHER_SLUG]
    assert after["links"]["next"] is None


def test_a_page_per_language_answers_304_to_its_own_etag(
    client: Client, spanish: Treatment
) -> None:
    english_etag = client.get(CATEGORIES)["ETag"]
    spanish_etag = client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es")["ETag"]
    assert english_etag != spanish_etag
    again = client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es", HTTP_IF_NONE_MATCH=spanish_etag)
    assert again.status_code == 304
    assert again["Content-Language"] == "es" and "Accept-Language" in again["Vary"]
    assert client.get(CATEGORIES, HTTP_IF_NONE_MATCH=spanish_etag).status_code == 200


def test_asking_for_a_language_costs_one_query_more_whatever_the_page_size(
    client: Client, spanish: Treatment, django_assert_num_queries: Any, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 0.0  # every request reads the database
    _second_category()
    with django_assert_num_queries(2):
        client.get(CATEGORIES)
    with django_assert_num_queries(3):
        client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es")
    with django_assert_num_queries(3):
        client.get(CATEGORIES + "?lang=es&page_size=1")


# --- drafts never leak -------------------------------------------------------------------------


def _public_views(client: Client, translation: Treatment) -> str:
    """Every public answer a category name could appear in, in Spanish."""
    paths = [
        CATEGORIES + "?lang=es",
        "/api/v1/treatments/?language=es",
        f"/api/v1/treatments/{translation.slug}/",
        f"/api/v1/treatments/{SOURCE['slug']}/?lang=es",
        "/api/v1/bundle/?language=es",
        "/api/v1/sync/?language=es",
    ]
    answers: list[Any] = [client.get(path) for path in paths]
    return " ".join(
        b"".join(a.streaming_content if a.streaming else [a.content]).decode() for a in answers
    )


def test_a_saved_name_is_invisible_everywhere_public_until_a_translation_publishes_it(
    client: Client, english: Treatment, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 0.0
    translation = translate(english, "es")
    publish(translation)
    name_category("es", name="[es] Saved unpublished name")
    assert "Saved unpublished name" not in _public_views(client, translation)
    publish(translation)  # the translation's document now carries it: reviewed, published
    assert _items(client.get(CATEGORIES + "?lang=es")) == [
        (SLUG, "[es] Saved unpublished name", "es")
    ]
    listed = client.get("/api/v1/treatments/?language=es").json()["results"]
    assert [item["category"] for item in listed] == [
        {"slug": SLUG, "name": "[es] Saved unpublished name"}
    ]


def test_the_category_filter_works_by_slug_in_every_language(
    client: Client, spanish: Treatment
) -> None:
    for query, titles in (
        (f"?category={SLUG}", [SOURCE["title"]]),
        (f"?category={SLUG}&language=es", [f"[es] {SOURCE['title']}"]),
    ):
        listed = client.get("/api/v1/treatments/" + query).json()["results"]
        assert [item["title"] for item in listed] == titles


def test_a_withdrawn_translation_takes_its_name_with_it(
    client: Client, spanish: Treatment, settings: Any
) -> None:
    settings.PUBLIC_MEMORY_TTL = 0.0
    withdraw(spanish)
    assert _items(client.get(CATEGORIES + "?lang=es")) == [(SLUG, ENGLISH, "en")]


# --- memory: never stale, in this worker or another ----------------------------------------------


def test_a_repeat_page_comes_from_memory_per_language_with_the_same_headers(
    client: Client, spanish: Treatment, clock: Clock, django_assert_num_queries: Any
) -> None:
    for accept_language in ("es", "en"):
        first = client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE=accept_language)
        with django_assert_num_queries(0):
            again = client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE=accept_language)
        assert again.content == first.content
        for header in ("ETag", "Content-Language", "Vary", "Cache-Control"):
            assert again[header] == first[header], header
    assert _items(client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es"))[0][2] == "es"
    assert _items(client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="en"))[0][2] == "en"


def test_a_name_published_by_another_worker_replaces_the_remembered_one_within_the_bound(
    client: Client, english: Treatment, clock: Clock
) -> None:
    translation = translate(english, "es")
    publish(translation)
    before = _items(client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es"))
    assert before == [(SLUG, ENGLISH, "en")]
    name_category("es")
    clock.now += 5
    assert _items(client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es")) == before, "a save: nothing"
    # Published by another process: no commit callback reaches this one; only the change log.
    publish(translation)
    clock.now += 0.5
    assert _items(client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es")) == before, (
        "within PUBLIC_MEMORY_TTL the memory may be stale"
    )
    clock.now += 0.6  # the head is re-read at most 1 s after it was last read
    assert _items(client.get(CATEGORIES, HTTP_ACCEPT_LANGUAGE="es")) == [(SLUG, marked("es"), "es")]


def test_a_name_published_in_this_worker_is_served_at_once(
    client: Client,
    english: Treatment,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    translation = translate(english, "es")
    publish(translation)
    name_category("es")
    assert _items(client.get(CATEGORIES + "?lang=es"))[0][2] == "en"
    with django_capture_on_commit_callbacks(execute=True):
        publish(translation)
    assert _items(client.get(CATEGORIES + "?lang=es")) == [(SLUG, marked("es"), "es")]


# --- the edge ------------------------------------------------------------------------------------


def test_every_language_of_the_list_is_one_surrogate_key_a_translation_purges(
    spanish: Treatment,
) -> None:
    for query in ("", "lang=es", "lang=fr&ordering=-name"):
        assert surrogate_keys_for(CATEGORIES, QueryDict(query)) == ["all", edge.KEY_CATEGORIES]
    events = [
        e
        for e in OutboxEvent.objects.order_by("id")
        if e.payload["treatment"]["id"] == str(spanish.pk)
    ]
    assert events, "the translation's publication is an event"
    assert edge.KEY_CATEGORIES in edge.payload_surrogate_keys(events[-1].payload)
