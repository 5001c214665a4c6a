"""Content as earlier schema versions wrote it, for comparisons with hashes they recorded."""

from typing import Any

from .schema import EARLIER_VERSIONS, TreatmentContent, document_json_schema


def _definition(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _strip(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    schema = _definition(schema, root)
    if value is not None:
        for option in schema.get("anyOf", []):
            if _definition(option, root).get("type") != "null":
                schema = _definition(option, root)
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        return {k: _strip(v, props[k], root) for k, v in value.items() if k in props}
    if isinstance(value, list) and "items" in schema:
        return [_strip(v, schema["items"], root) for v in value]
    return value


def content_as(version: str, content: dict[str, Any]) -> dict[str, Any] | None:
    """`content` (JSON-ready) as the code of `version` dumped it, or None if it uses a later field.

    Hashes recorded under an earlier version (e.g. what a content file last loaded) were taken
    over that form; the current form adds the later fields with their defaults.
    """
    root = document_json_schema(version)
    old = _strip(content, root, root)
    if TreatmentContent.model_validate(old).model_dump(mode="json") != content:
        return None
    return old  # type: ignore[no-any-return]


def content_as_1_0(content: dict[str, Any]) -> dict[str, Any] | None:
    """`content` as schema 1.0 code dumped it, or None if it uses a later field."""
    return content_as("1.0", content)


def earlier_forms(content: dict[str, Any]) -> list[dict[str, Any]]:
    """`content` as each earlier schema version dumped it, where that version can say it."""
    forms = (content_as(version, content) for version in EARLIER_VERSIONS)
    return [form for form in forms if form is not None]
