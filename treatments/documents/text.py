"""The one rule for text anywhere in the API: which characters a string may hold.

Allowed: any Unicode text, including tab, line feed and carriage return. Refused: the other C0
control characters (U+0000-U+001F), DEL (U+007F), the C1 controls (U+0080-U+009F) and the
bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), which
can make text display differently from what it says ("Trojan Source").
"""

import re

ALLOWED_CONTROLS = "\t\n\r"
# The same rule as a JSON Schema (ECMA-262) pattern, for OpenAPI parameters and bodies.
TEXT_PATTERN = (
    r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
)
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TEXT_RULE = (
    "Text may not contain control characters other than tab, line feed and carriage return, "
    "nor bidirectional override characters (U+202A-U+202E, U+2066-U+2069)"
)


def text_problem(value: str) -> str | None:
    """Why `value` is not acceptable text, or None when it is."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    return f"{TEXT_RULE}; found U+{ord(match.group()):04X} at position {match.start()}."


def checked_text(value: str) -> str:
    """`value` unchanged, or ValueError with the reason (for pydantic validators)."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value
