"""A JSON parser that refuses what would otherwise crash or slip through."""

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
# No field needs more; a longer integer literal is refused before Python converts it (which
# costs time quadratic in its length and fails outright past sys.get_int_max_str_digits()).
MAX_INTEGER_DIGITS = 100


class _BodyRefused(ValueError):
    """A body that is valid JSON syntax but that this API refuses, with the reason to show."""


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of parsed JSON, stopping early once past `limit`."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object from its key/value pairs, refusing a key given twice (JSON would keep one)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _BodyRefused(
                    f"The key {json.dumps(key, ensure_ascii=False)} appears more than once in "
                    "one object; send each key once."
                )
            seen.add(key)
    return obj


def _bounded_int(literal: str) -> int:
    """An integer literal's value, refusing one longer than MAX_INTEGER_DIGITS."""
    digits = len(literal.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise _BodyRefused(
            f"A number in the body has {digits} digits; integers may have at most "
            f"{MAX_INTEGER_DIGITS}."
        )
    return int(literal)


class StrictJSONParser(JSONParser):
    """JSON only: no NaN/Infinity, no duplicate keys, no huge integers, no deep nesting.

    A float literal too large for a double (`1e400`) is parsed as infinity, like Python does,
    and left for the document contract to refuse with the field's JSON Pointer.
    """

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 1024 * 1024
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The body is larger than {limit} bytes.")
        try:
            text = raw.decode("utf-8")
            data = json.loads(
                text,
                parse_constant=_reject_constant,
                parse_int=_bounded_int,
                object_pairs_hook=_unique_object,
            )
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        except _BodyRefused as exc:
            raise ParseError(str(exc)) from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(f"The body is not valid UTF-8 JSON: {exc}") from None
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        return data


def body_required(request: Any) -> None:
    """400 for a write sent without a body (DRF would read no body as `{}`, a silent no-op)."""
    if request.stream is None:
        raise ParseError(
            "The request body is empty; send the JSON document (or merge patch) to write, "
            "with Content-Type application/json."
        )


class MergePatchJSONParser(StrictJSONParser):
    """RFC 7396 JSON Merge Patch bodies."""

    media_type = "application/merge-patch+json"
