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


class PartnerApiKeyScheme(OpenApiAuthenticationExtension):
    """`X-Api-Key: <key>` or `Authorization: Api-Key <key>` (partner keys, hashed at rest)."""

    target_class = "api.partner_keys.ApiKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": (
                "Optional partner key: raises your rate limit. Send it as `X-Api-Key: <key>` or "
                "`Authorization: Api-Key <key>`, never in the query string (400). An invalid, "
                "expired or revoked key is a 401; a publishable key from an origin its partner "
                "did not register, or a secret key sent from a browser, is a 403."
            ),
        }
