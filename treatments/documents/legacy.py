"""Content as earlier schema versions wrote it, for comparisons with hashes they recorded."""

from typing import Any

from .schema import TreatmentContent, document_json_schema


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


def content_as_1_0(content: dict[str, Any]) -> dict[str, Any] | None:
    """`content` (JSON-ready) as schema 1.0 code dumped it, or None if it uses a 1.1 field.

    Hashes recorded before 1.1 (e.g. what a content file last loaded) were taken over that
    form; the current form adds the 1.1 fields with their defaults.
    """
    root = document_json_schema("1.0")
    old = _strip(content, root, root)
    if TreatmentContent.model_validate(old).model_dump(mode="json") != content:
        return None
    return old  # type: ignore[no-any-return]
