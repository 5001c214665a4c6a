"""drf-spectacular extensions: our authentication, and pydantic bodies per direction."""

from typing import Any

from drf_spectacular.contrib.pydantic import PydanticExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent
from pydantic.json_schema import model_json_schema


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


class PydanticRequestResponseExtension(PydanticExtension):
    """Pydantic models as responses (every field sent) and as requests (defaults optional).

    drf-spectacular's own extension renders both directions in pydantic's serialization mode
    and shares the nested components, so a request body would claim that fields with defaults
    are required, or (with response-required defaults) the response would claim they are not.
    Here a request renders in validation mode; a nested component whose request shape differs
    from its response shape gets its own `...Request` name, and shapes that agree are shared.
    """

    priority = 1

    def map_serializer(self, auto_schema: Any, direction: str) -> Any:
        if direction != "request":
            return super().map_serializer(auto_schema, direction)
        served = model_json_schema(self.target, ref_template=REF, mode="serialization")
        accepted = model_json_schema(self.target, ref_template=REF, mode="validation")
        served_defs = served.get("$defs", {})
        accepted_defs = accepted.pop("$defs", {})
        renamed = _request_only(accepted_defs, served_defs)
        for name, sub_schema in accepted_defs.items():
            component = ResolvedComponent(
                name=renamed.get(name, name),
                type=ResolvedComponent.SCHEMA,
                object=renamed.get(name, name),
                schema=_with_refs_renamed(sub_schema, renamed),
            )
            auto_schema.registry.register_on_missing(component)
        return _with_refs_renamed(accepted, renamed)


REF = "#/components/schemas/{model}"


def _refs(schema: Any) -> set[str]:
    """The component names a schema refers to."""
    if isinstance(schema, dict):
        found = (
            {schema["$ref"].rsplit("/", 1)[-1]} if isinstance(schema.get("$ref"), str) else set()
        )
        return found.union(*(_refs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(value) for value in schema))
    return set()


def _request_only(accepted: dict[str, Any], served: dict[str, Any]) -> dict[str, str]:
    """Nested components whose request shape differs (or refers to one that does), renamed."""
    differing = {name for name, schema in accepted.items() if served.get(name) != schema}
    while True:
        more = {name for name, schema in accepted.items() if _refs(schema) & differing}
        if more <= differing:
            return {name: f"{name}Request" for name in differing}
        differing |= more


def _with_refs_renamed(schema: Any, renamed: dict[str, str]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in renamed:
            return {**schema, "$ref": REF.format(model=renamed[ref.rsplit("/", 1)[-1]])}
        return {key: _with_refs_renamed(value, renamed) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_with_refs_renamed(value, renamed) for value in schema]
    return schema
