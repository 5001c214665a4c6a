"""Byte ranges (RFC 9110 §14): reading a `Range` header against a representation's length.

Only one range is served (`bytes=first-last`, `bytes=first-`, `bytes=-suffix`). A header that
is not a single byte range is ignored, as the RFC allows, and the whole representation is
sent; a range that starts past the end is unsatisfiable (416).
"""

import re
from dataclasses import dataclass

_SINGLE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


class Unsatisfiable(Exception):
    """The range starts at or past the end of the representation (answer 416)."""


@dataclass(frozen=True)
class ByteRange:
    """Bytes `first` to `last` of a representation, both included."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, total: int) -> str:
        return f"bytes {self.first}-{self.last}/{total}"


def byte_range(header: str | None, *, total: int) -> ByteRange | None:
    """The range `header` asks for within `total` bytes; None to send everything.

    Raises Unsatisfiable for a well-formed single range that selects nothing.
    """
    if not header:
        return None
    match = _SINGLE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None  # several ranges, other units, or garbage: ignored (the whole answer)
    first_text, last_text = match.groups()
    if first_text == "":  # a suffix: the last N bytes
        suffix = int(last_text)
        if suffix == 0 or total == 0:
            raise Unsatisfiable
        return ByteRange(max(total - suffix, 0), total - 1)
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # invalid: ignored
    if first >= total:
        raise Unsatisfiable
    last = int(last_text) if last_text else total - 1
    return ByteRange(first, min(last, total - 1))


def unsatisfied_range(total: int) -> str:
    """The Content-Range of a 416 answer."""
    return f"bytes */{total}"
