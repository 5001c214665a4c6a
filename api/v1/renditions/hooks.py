"""OpenAPI post-processing for renditions that share a URL with another operation."""

from typing import Any

from treatments.renditions.jsonld import JSONLD_MEDIA_TYPE

DETAIL_OPERATION = "treatments_retrieve"


def document_detail_jsonld(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The detail URL also answers `Accept: application/ld+json` (the `…/jsonld/` body)."""
    from .jsonld import jsonld_example

    for path in result.get("paths", {}).values():
        operation = path.get("get")
        if not operation or operation.get("operationId") != DETAIL_OPERATION:
            continue
        example = jsonld_example()
        content = operation["responses"]["200"].setdefault("content", {})
        content[JSONLD_MEDIA_TYPE] = {
            "schema": {"type": "object", "additionalProperties": True},
            "examples": {"SeedJsonLd": {"value": example.value, "summary": example.name}},
        }
        operation["description"] += (
            " With `Accept: application/ld+json` the answer is the schema.org JSON-LD of "
            "`…/jsonld/` instead."
        )
    return result
