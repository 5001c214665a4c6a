"""Search in each document's own language, insensitive to accents (PostgreSQL), and the one
table of stemmers shared by the migration's SQL function and the query side.

The Spanish documents are written for these tests (their words only exercise stemming and
accents); the shipped seed stays English-only.
"""

import copy
import importlib
from typing import Any

import pytest
from django.db import connection

from treatments import selectors
from treatments.documents.schema import TreatmentContent
from treatments.selectors.search_languages import FALLBACK_CONFIG, SEARCH_CONFIGS, search_config
from treatments.services import content_load

MIGRATION = importlib.import_module("treatments.migrations.0009_search_per_language_and_unaccent")


def test_a_tag_is_stemmed_by_its_primary_subtag_and_an_unknown_one_word_for_word() -> None:
    assert search_config("es") == search_config("es-MX") == search_config("ES") == "spanish"
    assert search_config("en-GB") == "english"
    assert search_config("nb-NO") == search_config("nn") == "norwegian"
    assert search_config("zh-Hant-TW") == search_config("x") == FALLBACK_CONFIG == "simple"


def test_the_migration_writes_the_same_table_the_search_reads() -> None:
    assert MIGRATION.SEARCH_CONFIGS == SEARCH_CONFIGS


def _publish(seed_data: dict[str, Any], slug: str, language: str, summary: str) -> None:
    data = copy.deepcopy(seed_data)
    data.update(slug=slug, title=f"Test document {slug}", language=language, summary=summary)
    content_load(content=TreatmentContent.model_validate(data), publish=True)


def _found(query: str, language: str | None = None) -> set[str]:
    live = selectors.publication_live_list()
    searched = selectors.publication_search(live, query=query, language=language)
    return set(searched.values_list("slug", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_function_agrees_with_the_table() -> None:
    codes = [*SEARCH_CONFIGS, "es-MX", "ES", "zh-Hant-TW", "x", "tlh"]
    with connection.cursor() as cursor:
        for code in codes:
            cursor.execute("SELECT public.treatments_search_config(%s)::text", [code])
            assert cursor.fetchone()[0] == search_config(code), code


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_spanish_document_is_stemmed_in_spanish_and_found_without_accents(
    seed_data: dict[str, Any],
) -> None:
    _publish(seed_data, "prueba-es", "es", "Texto de prueba sobre las rodillas y la inyección.")
    _publish(seed_data, "prueba-fr", "fr", "Texte d'essai sur les genoux et l'opération.")
    # The Spanish stemmer: "rodilla" finds "rodillas"; accents do not matter either way.
    assert "prueba-es" in _found("rodilla", "es")
    assert "prueba-es" in _found("inyeccion", "es")
    assert "prueba-es" in _found("inyección", "es-MX")
    # English stemming of a Spanish word does not reach the Spanish stem.
    assert "prueba-es" not in _found("rodilla")
    # French: "opération" and "operation" both find "opération".
    assert "prueba-fr" in _found("operation", "fr")
    assert "prueba-fr" in _found("textes", "fr")


@pytest.mark.postgres
@pytest.mark.django_db
def test_english_search_is_unchanged_and_accent_insensitive(seed_data: dict[str, Any]) -> None:
    _publish(seed_data, "test-en", "en", "A test text about a café and injections.")
    assert "test-en" in _found("injection")
    assert "test-en" in _found("cafe")
    assert "test-en" in _found("café", "en-GB")
    # A language with no stemmer is matched word for word, accents aside.
    _publish(seed_data, "test-zz", "tlh", "Qapla ghojmoH réél")
    assert "test-zz" in _found("reel", "tlh")
    assert "test-zz" not in _found("ree", "tlh")


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_list_reads_the_query_in_the_language_filters_language(
    seed_data: dict[str, Any], client: Any
) -> None:
    _publish(seed_data, "prueba-es", "es", "Texto de prueba sobre las rodillas y la inyección.")

    def slugs(query: str) -> list[str]:
        response = client.get(f"/api/v1/treatments/?{query}")
        assert response.status_code == 200, response.content
        return [item["slug"] for item in response.json()["results"]]

    assert slugs("language=es&q=rodilla") == ["prueba-es"]
    assert slugs("language=es&q=inyeccion") == ["prueba-es"]
    assert slugs("q=rodilla") == []  # read in English: the Spanish stem is not reached
    assert slugs("language=en&q=rodilla") == []
