"""Strict query strings: unknown, empty or repeated parameters are a 400, never ignored.

"Empty" includes a value of only whitespace (`?q=%20%20`), and a query string whose
percent-encoded bytes are not UTF-8 (`?q=%FF`) is a 400 too: Django would decode it with
replacement characters, and the API would answer a question the client never asked.
"""

from typing import Any
from urllib.parse import unquote_to_bytes

from rest_framework.exceptions import ValidationError


def query_string_not_utf8(raw: str) -> list[str]:
    """The parameter names (as best decoded) whose name or value is not UTF-8 once decoded."""
    if raw.isascii() and "%" not in raw:
        return []  # the common case: nothing to decode
    try:
        data = raw.encode("iso-8859-1")  # WSGI hands the raw bytes over as Latin-1 text
    except UnicodeEncodeError:
        data = raw.encode("utf-8")
    bad = []
    for pair in data.split(b"&"):
        name, _, value = pair.replace(b"+", b" ").partition(b"=")
        try:
            unquote_to_bytes(name).decode("utf-8")
            unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            bad.append(unquote_to_bytes(name).decode("utf-8", errors="replace") or "(query)")
    return bad


class StrictQueryParametersMixin:
    """Reject query parameters the view does not name in `query_parameter_names()`."""

    allowed_query_parameters: frozenset[str] = frozenset()

    def query_parameter_names(self) -> set[str]:
        return set(self.allowed_query_parameters)

    def check_query_parameters(self, request: Any) -> None:
        """Call from `initial`; methods the view does not have are left to answer 405."""
        if not hasattr(self, request.method.lower()):
            return
        not_utf8 = query_string_not_utf8(request.META.get("QUERY_STRING", ""))
        if not_utf8:
            raise ValidationError(
                {
                    name: ["Not valid UTF-8: percent-encode the text's UTF-8 bytes."]
                    for name in sorted(set(not_utf8))
                }
            )
        params = request.query_params
        allowed = self.query_parameter_names()
        unknown = sorted(set(params) - allowed)
        if unknown:
            names = ", ".join(sorted(allowed)) or "none"
            raise ValidationError(
                {name: [f"Unknown query parameter. Allowed here: {names}."] for name in unknown}
            )
        empty = sorted(name for name, value in params.items() if value.strip() == "")
        if empty:
            raise ValidationError(
                {name: ["Give a value, or leave the parameter out."] for name in empty}
            )
        repeated = sorted(key for key, values in params.lists() if len(values) > 1)
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})
