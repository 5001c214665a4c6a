"""Content at every length limit of the contract fits the database, and round-trips exactly."""

from typing import Any

import pytest

from treatments import services
from treatments.documents.build import build_content
from treatments.documents.schema import LANGUAGE_PATTERN, TreatmentContent

pytestmark = pytest.mark.django_db


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].split("/")[-1]], defs)
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _resolve(option, defs)
    return schema


def fill_to_limits(value: Any, schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """Every string at its schema maxLength, walking the data alongside its JSON Schema."""
    schema = _resolve(schema, defs)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: fill_to_limits(v, props.get(k, {}), defs) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_to_limits(item, schema.get("items", {}), defs) for item in value]
    if isinstance(value, str) and "maxLength" in schema and "format" not in schema:
        if schema.get("pattern") == LANGUAGE_PATTERN:
            tag = "abc-abcdefgh-abcdefgh-abcdefgh-abcd"  # a BCP 47 tag of 35 characters
            assert len(tag) == schema["maxLength"]
            return tag
        if "pattern" in schema:
            return "a" * schema["maxLength"]
        if "enum" in schema:
            return value
        return "ü" * schema["maxLength"]
    if isinstance(value, str) and schema.get("format") == "uri":
        return "https://example.org/" + "a" * (schema["maxLength"] - len("https://example.org/"))
    return value


def test_content_at_every_length_limit_is_stored_and_read_back_unchanged(
    seed_data: dict[str, Any],
) -> None:
    seed_data["safety"] = {"contraindications": ["c"], "warning_signs": ["w"]}
    seed_data["course"]["interval"] = {"min": 1, "max": 2, "unit": "week"}
    seed_data["sources"][0]["url"] = "https://example.org/x"
    seed_data["licence"]["url"] = "https://example.org/l"
    seed_data["procedure"]["steps"][0]["duration"] = {"min": 1, "max": 2, "unit": "minute"}
    schema = TreatmentContent.model_json_schema()
    full = fill_to_limits(seed_data, schema, schema["$defs"])
    content = services.content_validate(full)
    assert len(full["procedure"]["steps"][1]["duration_wording"]) == 200
    treatment = services.treatment_create(content=content, actor=None)
    services.treatment_publish(treatment_id=treatment.pk, expected_version=1, actor=None)
    stored = build_content(services.treatment_get_for_edit(treatment_id=treatment.pk))
    assert stored == content.model_dump(mode="json")
