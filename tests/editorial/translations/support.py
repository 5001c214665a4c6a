"""Synthetic translations for tests: "[es] " + the English text, never a real translation."""

import copy
from typing import Any


def synthetic(data: dict[str, Any], language: str) -> dict[str, Any]:
    """A copy of content `data` marked as a `language` text: its own slug, tagged texts."""
    content = copy.deepcopy(data)
    content["slug"] = f"{data['slug']}-{language.lower()}"
    content["language"] = language
    content["title"] = f"[{language}] {data['title']}"
    content["summary"] = f"[{language}] {data['summary']}"
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
