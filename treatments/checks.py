"""System checks of the domain: the catalogue's language is a well-formed tag."""

from typing import Any

from django.conf import settings
from django.core import checks

from treatments.languages import canonical_tag


@checks.register()
def catalogue_language_is_a_tag(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Refuse a CATALOGUE_LANGUAGE that is not a BCP 47 tag written in its canonical case."""
    value = getattr(settings, "CATALOGUE_LANGUAGE", "en")
    tag = canonical_tag(value) if isinstance(value, str) else None
    if tag is not None and tag == value:
        return []
    return [
        checks.Error(
            f"CATALOGUE_LANGUAGE is {value!r}, not a BCP 47 tag in its canonical case.",
            hint="Set it to a tag such as 'en' or 'es'"
            + (f" (here: {tag!r})." if tag else ".")
            + " It is the language of the categories' own names.",
            id="treatments.E001",
        )
    ]
