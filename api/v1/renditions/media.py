"""The FHIR JSON media type: its renderer, and the OpenAPI of an operation that also serves it.

Kept apart from the views so that the treatment detail view can offer FHIR through content
negotiation without importing the renditions' views (which import it).
"""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.renderers import JSONRenderer

from treatments.renditions.fhir import FhirUrls, fhir_bundle

from ..examples import seed_document
from ..links import treatment_path

FHIR_MEDIA_TYPE = "application/fhir+json"
FHIR_BUNDLE_SCHEMA = {
    "type": "object",
    "description": "A FHIR R5 Bundle of type `collection` "
    "(https://hl7.org/fhir/R5/bundle.html): a PlanDefinition, ActivityDefinitions, "
    "ClinicalUseDefinitions and Groups. The README maps every document field to it.",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "collection"},
        "entry": {"type": "array", "items": {"type": "object"}},
    },
}
EXAMPLE_URL = "https://api.example.org"


class ViewWrittenRenderer(JSONRenderer):
    """A rendition's media type for content negotiation; its view writes the bytes itself.

    Whatever DRF renders itself is not the rendition: errors (problem+json, as the exception
    handler sets) and OPTIONS metadata leave as JSON with a JSON content type.
    """

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.content_type is None:
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


class FhirJsonRenderer(ViewWrittenRenderer):
    """Lets content negotiation choose application/fhir+json; the view writes the bytes.

    Whatever DRF renders itself is not FHIR: errors (problem+json, as the exception handler
    sets) and OPTIONS metadata leave as JSON with a JSON content type.
    """

    media_type = FHIR_MEDIA_TYPE
    format = "fhir"
    charset = None


def seed_bundle_example() -> dict[str, Any]:
    """The seed's Bundle as served from https://api.example.org."""
    document = {k: v for k, v in seed_document().items() if k != "links"}
    urls = FhirUrls(
        canonical=EXAMPLE_URL + treatment_path(document["id"]),
        bundle=EXAMPLE_URL + treatment_path(document["slug"]) + "fhir/",
    )
    return fhir_bundle(document, urls=urls)


class FhirAlternateSchema(AutoSchema):
    """Documents the FHIR Bundle an operation answers to `Accept: application/fhir+json`."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        # Two renderers make drf-spectacular offer DRF's `?format=`; the strict query rules
        # refuse it: the representation is chosen by Accept alone.
        operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "format"]
        ok = operation["responses"].get("200", {}).get("content", {})
        if FHIR_MEDIA_TYPE in ok:
            ok[FHIR_MEDIA_TYPE] = {
                "schema": FHIR_BUNDLE_SCHEMA,
                "examples": {
                    "SeedBundle": {
                        "value": seed_bundle_example(),
                        "summary": "The seed treatment as a FHIR R5 Bundle",
                    }
                },
            }
        return operation
