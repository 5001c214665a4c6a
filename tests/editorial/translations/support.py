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
