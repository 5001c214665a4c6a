"""The card's query parameters (`sections`, `theme`, `key`): parsed strictly, one rule for all.

The card URL and the oEmbed provider (which reads a card URL) both use this module, so a card
URL oEmbed accepts is a card URL that renders.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict

from treatments.renditions.card import SECTIONS

THEMES = ("light", "dark")
DEFAULT_THEME = "light"
PARAMETERS = ("sections", "theme", "key")
# A publishable key's public prefix or id: letters, digits, '_', '-', '.'; never a secret.
KEY_REFERENCE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


class OptionsError(ValueError):
    """The query is not a valid card query; `errors` maps each parameter to what is wrong."""

    status = 400

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CardOptions:
    """What a card URL asks for."""

    sections: tuple[str, ...] = SECTIONS
    theme: str = DEFAULT_THEME
    key: str = ""

    def query(self) -> str:
        """The canonical query string of these options ('' for the defaults)."""
        pairs = []
        if self.sections != SECTIONS:
            pairs.append(("sections", ",".join(self.sections)))
        if self.theme != DEFAULT_THEME:
            pairs.append(("theme", self.theme))
        if self.key:
            pairs.append(("key", self.key))
        return urlencode(pairs, safe=",")


def card_options(params: QueryDict) -> CardOptions:
    """The card options of a query, or OptionsError naming every bad parameter."""
    errors: dict[str, str] = {}
    allowed = ", ".join(PARAMETERS)
    for name in sorted(set(params) - set(PARAMETERS)):
        errors[name] = f"Unknown query parameter. Allowed here: {allowed}."
    for name, values in params.lists():
        if name in PARAMETERS and len(values) > 1:
            errors[name] = "Give this parameter once."
        elif name in PARAMETERS and values[0] == "":
            errors[name] = "Give a value, or leave the parameter out."
    options = CardOptions()
    sections, theme, key = options.sections, options.theme, options.key
    raw = params.get("sections")
    if raw and "sections" not in errors:
        asked = [part.strip() for part in raw.split(",")]
        unknown = [part for part in asked if part not in SECTIONS]
        if unknown:
            errors["sections"] = (
                f"Unknown section(s): {', '.join(repr(u) for u in unknown)}. "
                f"Choose from: {', '.join(SECTIONS)} (comma-separated)."
            )
        else:
            sections = tuple(s for s in SECTIONS if s in asked)
    raw = params.get("theme")
    if raw and "theme" not in errors:
        if raw not in THEMES:
            errors["theme"] = f"Choose one of: {', '.join(THEMES)}."
        else:
            theme = raw
    raw = params.get("key")
    if raw and "key" not in errors:
        if not KEY_REFERENCE.match(raw):
            errors["key"] = "Give a publishable key's prefix or id (never a secret key)."
        else:
            key = raw
    if errors:
        raise OptionsError(errors)
    return CardOptions(sections=sections, theme=theme, key=key)
