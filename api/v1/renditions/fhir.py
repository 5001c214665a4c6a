"""The FHIR R5 rendition of a live treatment: `treatments/{key}/fhir/` (and content negotiation).

The Bundle is a pure function of the live document and two absolute URLs (treatments/renditions/
fhir.py); no DRF serializer runs on the way out. The live document is the one the recovery plan
keeps in each worker's memory; rendered Bundles are memoised by the document's ETag and the URLs,
so a revalidation costs neither a query nor a render. The ETag is a hash of the bytes served.
"""

from typing import Any

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import OpenApiExample
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from api.live.documents import LiveDocument
from api.live.headers import live_cache_control
from api.live.rendered import Renderings
from api.openapi import KEY_PARAMETER, read_operation
from treatments.documents.build import to_json
from treatments.renditions.fhir import FhirUrls, fhir_bundle

from ..base import PublicView
from ..languages import ACCEPT_LANGUAGE_PARAMETER, LANG_PARAMETER, negotiated_document
from ..links import treatment_path
from .media import (
    FHIR_BUNDLE_SCHEMA,
    FHIR_MEDIA_TYPE,
    FhirAlternateSchema,
    FhirJsonRenderer,
    seed_bundle_example,
)

# Per worker: a rendered Bundle takes some tens of kB.
RENDERED_BUNDLES = 256
_bundles = Renderings(maxsize=RENDERED_BUNDLES)


def fhir_path(slug: str) -> str:
    return treatment_path(slug) + "fhir/"


def _rendered(live: LiveDocument, request: Request) -> tuple[str, str]:
    """The Bundle's bytes and ETag: a pure function of the document (its ETag) and the URLs."""
    urls = FhirUrls(
        # The permanent address (by id) names the PlanDefinition: slugs can change.
        canonical=request.build_absolute_uri(treatment_path(live.document["id"])),
        bundle=request.build_absolute_uri(fhir_path(live.slug)),
    )
    return _bundles.once(live.etag, urls, lambda: to_json(fhir_bundle(live.document, urls=urls)))


def fhir_response(view: PublicView, request: Request, key: str) -> HttpResponse:
    """The live treatment `key` as a FHIR Bundle (404 unknown, 410 withdrawn, 304 current), in
    the language negotiated as the detail does: its resources' `language` is the document's."""
    negotiated = negotiated_document(request, key)
    live = negotiated.live
    body, etag = _rendered(live, request)
    response = view.stored(
        request,
        body=body,
        etag=etag,
        last_modified=live.published_at,
        cache_control=live_cache_control(),
    )
    if response.status_code == 200:
        # A client that asked for plain JSON gets the same bytes labelled as JSON.
        plain = isinstance(request.accepted_renderer, JSONRenderer) and not isinstance(
            request.accepted_renderer, FhirJsonRenderer
        )
        response["Content-Type"] = "application/json" if plain else FHIR_MEDIA_TYPE
    if not negotiated.canonical:
        response["Link"] = f'<{fhir_path(negotiated.asked_slug)}>; rel="canonical"'
    if negotiated.language:
        response["Content-Language"] = negotiated.language
    patch_vary_headers(response, ("Accept-Language",))
    return response


FHIR_DESCRIPTION = (
    "The live document as a FHIR R5 Bundle (type `collection`), rendered from the same frozen "
    "document as the JSON: a PlanDefinition (the procedure's steps in order, the course as its "
    "timing, recovery and preparation rules as actions related to the procedure, the timeline "
    "as goals with target ranges), ActivityDefinitions (`doNotPerform` for what to avoid), "
    "ClinicalUseDefinitions for risks (undesirable effects with their frequency), "
    "contraindications and warning signs, and Groups for the populations a risk applies to. "
    "Codes are carried as the document gives them; words stay words. The README maps every "
    "field. Served as `application/fhir+json` (`application/json` if asked for); the "
    "treatment's JSON URL answers the same Bundle to `Accept: application/fhir+json`. The "
    "language is negotiated as on the document URL (`?lang=`, then `Accept-Language`, then "
    "the source): resources carry the served document's `language`, and `Content-Language` "
    "names it. The ETag is a hash of the answer."
)


class FhirBundleView(PublicView):
    """The live treatment as a FHIR R5 Bundle."""

    renderer_classes = [FhirJsonRenderer, JSONRenderer]
    schema = FhirAlternateSchema()

    def query_parameter_names(self) -> set[str]:
        return {"lang"}

    @read_operation(
        operation_id="treatments_fhir",
        tag="fhir",
        description=FHIR_DESCRIPTION,
        ok=FHIR_BUNDLE_SCHEMA,
        ok_description="A FHIR R5 Bundle (application/fhir+json).",
        parameters=[KEY_PARAMETER, LANG_PARAMETER, ACCEPT_LANGUAGE_PARAMETER],
        example=OpenApiExample(
            "The seed treatment as a FHIR R5 Bundle", value=seed_bundle_example()
        ),
    )
    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        return fhir_response(self, request, key)
