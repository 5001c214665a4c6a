"""Strict query strings: unknown, empty or repeated parameters are a 400, never ignored."""

from typing import Any

from rest_framework.exceptions import ValidationError


class StrictQueryParametersMixin:
    """Reject query parameters the view does not name in `query_parameter_names()`."""

    allowed_query_parameters: frozenset[str] = frozenset()

    def query_parameter_names(self) -> set[str]:
        return set(self.allowed_query_parameters)

    def check_query_parameters(self, request: Any) -> None:
        """Call from `initial`; methods the view does not have are left to answer 405."""
        if not hasattr(self, request.method.lower()):
            return
        params = request.query_params
        allowed = self.query_parameter_names()
        unknown = sorted(set(params) - allowed)
        if unknown:
            names = ", ".join(sorted(allowed)) or "none"
            raise ValidationError(
                {name: [f"Unknown query parameter. Allowed here: {names}."] for name in unknown}
            )
        empty = sorted(name for name, value in params.items() if value == "")
        if empty:
            raise ValidationError(
                {name: ["Give a value, or leave the parameter out."] for name in empty}
            )
        repeated = sorted(key for key, values in params.lists() if len(values) > 1)
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})
