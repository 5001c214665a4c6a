"""schema.org JSON-LD of a live treatment, at `…/jsonld/` and for `Accept: application/ld+json`.

The body is a pure function of the live document (parsed once per worker, see views.py) and the
absolute URLs of this host; it is rendered once per document ETag and host, and its ETag is a
hash of the bytes served.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from api.live.documents import LiveDocument
from api.live.headers import live_cache_control
from api.live.rendered import Renderings
from api.openapi import KEY_PARAMETER, read_operation
from editorial.translations.selectors import LiveLanguage, translation_live_family
from treatments.documents.build import to_json
from treatments.renditions.jsonld import (
    JSONLD_MEDIA_TYPE,
    JsonLdUrls,
    Publisher,
    treatment_jsonld,
)

from ..base import PublicView
from ..examples import seed_document
from ..languages import ACCEPT_LANGUAGE_PARAMETER, LANG_PARAMETER, negotiated_document
from ..links import treatment_path
from .media import ViewWrittenRenderer

EMBED_PATH = "/embed/v1/treatments/"
EXAMPLE_BASE = "https://api.example.org"
RENDERED = 512  # per worker; a rendering is a few kB


def card_path(slug: str) -> str:
    """Where the embeddable card of a treatment lives (the human-readable page)."""
    return f"{EMBED_PATH}{slug}/"


def jsonld_path(slug: str) -> str:
    return f"{treatment_path(slug)}jsonld/"


def publisher_for(base: str) -> Publisher:
    return Publisher(name=settings.PROVIDER_NAME, url=f"{base}/")


def jsonld_for(document: dict[str, Any], *, base: str) -> dict[str, Any]:
    """The JSON-LD of a document served from `base` (scheme and host, no trailing slash)."""
    slug = document["slug"]
    urls = JsonLdUrls(page=base + card_path(slug), data=base + treatment_path(slug))
    return treatment_jsonld(document, urls=urls, publisher=publisher_for(base))


class JsonLdRenderer(ViewWrittenRenderer):
    """Lets content negotiation choose application/ld+json; the view writes the bytes."""

    media_type = JSONLD_MEDIA_TYPE
    format = "jsonld"


_rendered = Renderings(maxsize=RENDERED)


def language_alternates(
    live: LiveDocument, family: list[LiveLanguage], *, base: str
) -> dict[str, Any]:
    """The page's other languages (links are added when served): a source names its
    published translations (`workTranslation`), a translation its source (`translationOfWork`)."""

    def page(other: LiveLanguage) -> dict[str, Any]:
        return {
            "@type": "MedicalWebPage",
            "url": base + card_path(other.slug),
            "inLanguage": other.language,
        }

    others = [other for other in family if other.slug != live.slug]
    if live.translation is not None:
        sources = [page(other) for other in others if other.is_source]
        return {"translationOfWork": sources[0]} if sources else {}
    translations = [page(other) for other in others if not other.is_source]
    return {"workTranslation": translations} if translations else {}


def rendered_jsonld(
    live: LiveDocument, *, base: str, alternates: dict[str, Any] | None = None
) -> tuple[str, str]:
    """The JSON-LD bytes of a live document served from `base` with its language
    alternates, and their ETag."""
    stated = alternates or {}

    def render() -> str:
        return to_json({**jsonld_for(live.document, base=base), **stated})

    return _rendered.once(live.etag, (base, to_json(stated)), render)


def base_url(request: HttpRequest) -> str:
    """This request's scheme and host: absolute URLs point where the caller reached us."""
    return f"{request.scheme}://{request.get_host()}"


def jsonld_example() -> OpenApiExample:
    body = jsonld_for(seed_document(), base=EXAMPLE_BASE)
    return OpenApiExample("The seed treatment", value=body, status_codes=[200])


class JsonLdSchema(AutoSchema):
    """Shows the example under both media types, and no `?format=` (Accept chooses)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "format"]
        ok = operation["responses"].get("200", {}).get("content", {})
        examples = ok.get("application/json", {}).get("examples")
        if examples and JSONLD_MEDIA_TYPE in ok:
            ok[JSONLD_MEDIA_TYPE]["examples"] = examples
        return operation


class TreatmentJsonLdView(PublicView):
    """The schema.org MedicalWebPage (JSON-LD) of a live treatment, for search engines."""

    renderer_classes = [JsonLdRenderer, JSONRenderer]
    schema = JsonLdSchema()

    def query_parameter_names(self) -> set[str]:
        return {"lang"}

    @read_operation(
        operation_id="treatments_jsonld",
        tag="structured-data",
        description=(
            "The live document as schema.org JSON-LD: a `MedicalWebPage` about a "
            "`TherapeuticProcedure` (also typed `MedicalTherapy`, which carries "
            "`contraindication`) with its steps in order (`howPerformed`), preparation and "
            "follow-up rules, adverse outcomes, contraindications and body location where the "
            "document states them, and the page's `lastReviewed`, `reviewedBy`, `license`, "
            "`creditText` (the attribution), sources (`isBasedOn`), `inLanguage` and `url` (the "
            "embeddable card). Nothing is added that the document does not state. Served as "
            "`application/ld+json` (or `application/json` if that is all you accept). The "
            "detail URL answers `Accept: application/ld+json` with the same body. Put it in a "
            '`<script type="application/ld+json">` element of your page. The language is '
            "negotiated as on the document URL (`?lang=`, then `Accept-Language`, then the "
            "source); `inLanguage` names it, and a page published in several languages links "
            "the others: a source's `workTranslation` lists its translations' pages, a "
            "translation's `translationOfWork` names its source's page."
        ),
        ok={"type": "object", "additionalProperties": True},
        ok_description="A schema.org MedicalWebPage in JSON-LD (compact form).",
        parameters=[KEY_PARAMETER, LANG_PARAMETER, ACCEPT_LANGUAGE_PARAMETER],
        example=jsonld_example(),
    )
    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        return jsonld_response(self, request, key, canonical=jsonld_path)


def jsonld_response(
    view: PublicView, request: Request, key: str, *, canonical: Callable[[str], str]
) -> HttpResponse:
    """The JSON-LD answer; `canonical` gives the URL to name when `key` is a former slug."""
    negotiated = negotiated_document(request, key)
    live = negotiated.live
    base = base_url(request)
    family = translation_live_family(treatment_id=live.treatment_id)
    body, etag = rendered_jsonld(
        live, base=base, alternates=language_alternates(live, family, base=base)
    )
    response = view.stored(
        request,
        body=body,
        etag=etag,
        last_modified=live.published_at,
        cache_control=live_cache_control(),
    )
    if response.status_code == 200:
        renderer = getattr(request, "accepted_renderer", None)
        json_only = renderer is not None and not isinstance(renderer, JsonLdRenderer)
        response["Content-Type"] = "application/json" if json_only else JSONLD_MEDIA_TYPE
    if not negotiated.canonical:
        response["Link"] = f'<{canonical(negotiated.asked_slug)}>; rel="canonical"'
    if negotiated.language:
        response["Content-Language"] = negotiated.language
    patch_vary_headers(response, ("Accept-Language",))
    return response


class TreatmentDetailJsonLdView(TreatmentJsonLdView):
    """The detail URL asked for `application/ld+json`: the same answer as `…/jsonld/`."""

    renderer_classes = [JsonLdRenderer]

    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        return jsonld_response(self, request, key, canonical=treatment_path)


def prefers_jsonld(request: HttpRequest) -> bool:
    """True when the Accept header ranks application/ld+json above application/json."""
    preferred = request.get_preferred_type(["application/json", JSONLD_MEDIA_TYPE])
    return preferred == JSONLD_MEDIA_TYPE


detail_jsonld_view = TreatmentDetailJsonLdView.as_view()
