"""drf-spectacular extensions: how our own authentication appears in the OpenAPI document."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class EditorTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>` (django-rest-knox tokens, hashed at rest)."""

    target_class = "api.auth.EditorTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`; issue one with `manage.py issue_token <username>`.",
        }
