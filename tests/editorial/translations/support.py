"""Synthetic translations for tests: "[es] " + the English text, never a real translation."""

import copy
from collections.abc import Callable
from typing import Any


def synthetic(data: dict[str, Any], language: str) -> dict[str, Any]:
    """A copy of content `data` marked as a `language` text: its own slug, tagged texts."""
    content = copy.deepcopy(data)
    content["slug"] = f"{data['slug']}-{language.lower()}"
    content["language"] = language
    content["title"] = f"[{language}] {data['title']}"
    content["summary"] = f"[{language}] {data['summary']}"
    return content


def exchange_source() -> dict[str, Any]:
    """A synthetic English treatment written for the PO exchange tests (no medical facts)."""
    return {
        "slug": "po-exchange-fixture",
        "language": "en",
        "title": "PO exchange fixture",
        "category": {"slug": "test-fixtures", "name": "Test fixtures"},
        "summary": "A synthetic treatment for the translator exchange tests.",
        "overview": 'First fixture paragraph.\n\nSecond fixture paragraph with "quotes".',
        "classification": {"kind": "procedural"},
        "procedure": {
            "intro": "The fixture procedure has two steps.",
            "steps": [
                {"title": "Fixture step one", "detail": "The first fixture step."},
                {
                    "title": "Fixture step two",
                    "detail": "The second fixture step uses about 10 mL.",
                    "quantity_ucum": {"min": 10, "max": 10, "unit": "mL", "of": "fixture fluid"},
                },
            ],
        },
        "risks": {
            "statement": "Fixture risks, in words only.",
            "items": [
                {
                    "name": "Fixture risk A",
                    "description": "The first fixture risk.",
                    "likelihood": {"band": "common", "wording": "fixture wording"},
                },
                {
                    "name": "Fixture risk B",
                    "description": "The second fixture risk.",
                    "likelihood": {"band": "rare"},
                },
            ],
        },
        "safety": {
            "contraindication_items": [{"text": "A fixture contraindication.", "kind": "relative"}]
        },
        "review": {
            "reviewer": "Fixture reviewer",
            "last_reviewed_on": "2026-01-01",
            "next_review_due": "2099-01-01",
        },
        "sources": [{"title": "Fixture source", "url": "https://example.org/fixture"}],
        "attribution": "Fixture attribution",
        "licence": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    }


# The synthetic Spanish of a few fixture texts (test wording, not a translation of care advice).
SPANISH = {
    "/title": "Ficha de intercambio PO",
    "/summary": "Un tratamiento sintético para las pruebas de intercambio.",
    "/procedure/steps/0/title": "Paso uno de la ficha",
    "/procedure/steps/1/quantity_ucum/of": "líquido de la ficha",
    "/risks/items/1/description": "El segundo riesgo de la ficha.",
    "/safety/contraindication_items/0/text": "Una contraindicación de la ficha.",
}


def exchange_spanish(source: dict[str, Any]) -> dict[str, Any]:
    """The Spanish working copy of `exchange_source()`: the same shape, a few texts in Spanish."""
    content = copy.deepcopy(source)
    content["slug"] = f"{source['slug']}-es"
    content["language"] = "es"
    content["title"] = SPANISH["/title"]
    content["summary"] = SPANISH["/summary"]
    content["procedure"]["steps"][0]["title"] = SPANISH["/procedure/steps/0/title"]
    content["procedure"]["steps"][1]["quantity_ucum"]["of"] = SPANISH[
        "/procedure/steps/1/quantity_ucum/of"
    ]
    content["risks"]["items"][1]["description"] = SPANISH["/risks/items/1/description"]
    content["safety"]["contraindication_items"][0]["text"] = SPANISH[
        "/safety/contraindication_items/0/text"
    ]
    return content


SYNTHETIC_SLUG = "synthetic-languages-treatment"


def synthetic_source(data: dict[str, Any]) -> dict[str, Any]:
    """An English treatment written for the tests: the seed's structure under its own name."""
    content = copy.deepcopy(data)
    content["slug"] = SYNTHETIC_SLUG
    content["language"] = "en"
    content["title"] = "Synthetic treatment for language tests"
    content["summary"] = "A treatment written for the tests of languages; not clinical content."
    return content


def publish_source_change(source_id: Any, change: Callable[[dict[str, Any]], None]) -> int:
    """Publish a new revision of the source whose content is the working copy after `change`.

    The changes are synthetic test edits (new wording, a number, an item), never care advice.
    """
    from treatments.documents.build import build_content
    from treatments.models import Treatment
    from treatments.services import content_validate, treatment_publish, treatment_replace

    source = Treatment.objects.get(pk=source_id)
    content = build_content(source)
    change(content)
    changed = treatment_replace(
        treatment_id=source.pk,
        content=content_validate(content),
        expected_version=source.version,
        actor=None,
    )
    published = treatment_publish(
        treatment_id=source.pk, expected_version=changed.version, actor=None
    )
    return int(published.revision.number)


# Synthetic source edits for the update tests: a changed text, a number, an item at the end.
NEW_SUMMARY = "A changed synthetic summary for the update tests."
NEW_RISK = {
    "name": "Fixture risk C",
    "description": "A third fixture risk, added for the update tests.",
    "likelihood": {"band": "rare"},
}


def update_source(content: dict[str, Any]) -> None:
    """Revision 2 of `exchange_source()`: a summary changed, a step's amount, a risk added last,
    the second risk's description changed."""
    content["summary"] = NEW_SUMMARY
    content["procedure"]["steps"][1]["quantity_ucum"]["min"] = 12
    content["procedure"]["steps"][1]["quantity_ucum"]["max"] = 12
    content["procedure"]["steps"][1]["quantity"] = None
    content["risks"]["items"][1]["description"] = "The second fixture risk, reworded."
    content["risks"]["items"].append(copy.deepcopy(NEW_RISK))
