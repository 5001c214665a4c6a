"""A category's name in a document's language: the one rule of the builder, the editing
services and the publication hub.

A document in the catalogue's language (`settings.CATALOGUE_LANGUAGE`) carries the category's
own name. A document in another language carries the category's name in that language (a
`CategoryName`: the exact tag, else RFC 4647 lookup, so `es-MX` finds `es`), else the
catalogue's name. The name is part of the document: the readable diff and the review show it,
an approval covers it (the content hash), and publishing freezes it. Saving a name therefore
changes nothing public; the next reviewed publication of a document in that language does.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from treatments.languages import lookup


@dataclass(frozen=True)
class CategoryText:
    """A category's name and description in one language, and which language that is."""

    slug: str
    name: str
    description: str
    language: str


def catalogue_language() -> str:
    """The language of the categories' own names (settings.CATALOGUE_LANGUAGE)."""
    return str(settings.CATALOGUE_LANGUAGE)


def is_catalogue_language(language: str) -> bool:
    return language.lower() == catalogue_language().lower()


def category_text(category: Any, language: str) -> CategoryText:
    """The name a document in `language` gives `category` (no query in the catalogue's
    language; one, or none when the names were prefetched, in another)."""
    own = CategoryText(
        slug=category.slug,
        name=category.name,
        description=getattr(category, "description", ""),
        language=catalogue_language(),
    )
    # Not a saved category (the admin's stand-in while a form has none): only its own name.
    if not language or is_catalogue_language(language) or getattr(category, "pk", None) is None:
        return own
    names = {row.language: row for row in category.names.all()}
    found = lookup([language], names)
    if found is None:
        return own
    row = names[found]
    return CategoryText(
        slug=category.slug, name=row.name, description=row.description, language=row.language
    )


def category_ref(category: Any, language: str) -> dict[str, str]:
    """The document's `category` part for a document in `language`."""
    text = category_text(category, language)
    return {"slug": text.slug, "name": text.name}


def accepted_names(category: Any, language: str) -> frozenset[str]:
    """The names content in `language` may give the category: the catalogue's own (a copy of
    the source's text starts with it) and the one the builder gives in that language."""
    return frozenset({category.name, category_text(category, language).name})
