"""Language tags (BCP 47) and RFC 4647 lookup: pure functions, no database.

Tags follow the contract's rule (`treatments.documents.schema.LANGUAGE_PATTERN`), written in
their canonical case (RFC 5646 §2.1.1: "es", "es-MX", "zh-Hant-TW") so that "ES-mx" and
"es-MX" are one language. A malformed `Accept-Language` is never an error: it is as if the
client had sent none.
"""

import re
from collections.abc import Iterable, Sequence

from treatments.documents.schema import LANGUAGE_PATTERN

_TAG = re.compile(LANGUAGE_PATTERN, re.IGNORECASE)
MAX_TAG_LENGTH = 35
# One language range of Accept-Language (RFC 9110 §12.5.4, RFC 4647 §2.1) with its weight.
_RANGE = re.compile(
    r"^\s*(?P<range>\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\s*"
    r"(?:;\s*q\s*=\s*(?P<q>0(?:\.\d{0,3})?|1(?:\.0{0,3})?))?\s*$"
)
# A header longer than this is not a preference list anyone sends; it is read as absent.
MAX_HEADER_LENGTH = 500


def canonical_tag(tag: str) -> str | None:
    """The tag in canonical case, or None when it is not a well-formed tag of the contract."""
    if len(tag) > MAX_TAG_LENGTH or not _TAG.fullmatch(tag):
        return None
    primary, *rest = tag.split("-")
    parts = [primary.lower()]
    for subtag in rest:
        if len(subtag) == 4 and subtag.isalpha():
            parts.append(subtag.title())  # script
        elif (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit()):
            parts.append(subtag.upper())  # region
        else:
            parts.append(subtag.lower())
    return "-".join(parts)


def accept_language_ranges(header: str | None) -> list[str]:
    """The language ranges of an Accept-Language header, most preferred first (q=0 dropped).

    Ties keep the header's order. A malformed header (or one element of it) yields nothing:
    the caller then serves its default, never an error.
    """
    if not header or len(header) > MAX_HEADER_LENGTH:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, element in enumerate(header.split(",")):
        if not element.strip():
            continue
        match = _RANGE.match(element)
        if match is None:
            return []
        q = float(match["q"]) if match["q"] is not None else 1.0
        if q > 0:
            weighted.append((-q, position, match["range"]))
    return [language_range for _, _, language_range in sorted(weighted)]


def lookup(ranges: Sequence[str], available: Iterable[str]) -> str | None:
    """RFC 4647 §3.4 lookup: the first range that, truncated from the end, names an available
    tag ("es-MX" finds "es"); "*" matches nothing here (the caller's default answers it)."""
    by_key = {tag.lower(): tag for tag in available}
    for language_range in ranges:
        if language_range == "*":
            continue
        subtags = language_range.lower().split("-")
        while subtags:
            found = by_key.get("-".join(subtags))
            if found is not None:
                return found
            subtags.pop()
            # A single-letter subtag (an extension or private-use singleton) never ends a tag.
            if subtags and len(subtags[-1]) == 1:
                subtags.pop()
    return None


def lookup_order(ranges: Sequence[str], available: Iterable[str]) -> list[str]:
    """Every available tag RFC 4647 lookup reaches for `ranges`, in the order it tries them
    (the first is `lookup`'s answer): a list whose items each have their own languages asks
    each item for these in turn ("es-MX,fr" reaches es-MX, es, fr)."""
    by_key = {tag.lower(): tag for tag in available}
    order: list[str] = []
    for language_range in ranges:
        if language_range == "*":
            continue
        subtags = language_range.lower().split("-")
        while subtags:
            found = by_key.get("-".join(subtags))
            if found is not None and found not in order:
                order.append(found)
            subtags.pop()
            if subtags and len(subtags[-1]) == 1:
                subtags.pop()
    return order
