"""oEmbed 1.0 provider: a card URL (or a treatment's API URL) in, the card's iframe out.

https://oembed.com/ section 2: `url` is required; `maxwidth`/`maxheight` bound the answer's
`width`/`height`; `format` other than json is 501; a URL we do not serve is 404.
"""

import re
from types import SimpleNamespace
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.http.request import validate_host
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from pydantic import BaseModel, ConfigDict, Field
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request

from api.live.documents import Gone
from api.openapi import read_operation
from api.v1.base import PublicView
from api.v1.languages import ACCEPT_LANGUAGE_PARAMETER, LANG_PARAMETER, negotiated_document
from api.v1.renditions.jsonld import EXAMPLE_BASE, base_url
from treatments.documents.build import to_json

from .framing import FramingError, frame_ancestors
from .options import CardOptions, OptionsError, card_options
from .views import card_url

DEFAULT_WIDTH, DEFAULT_HEIGHT = 640, 900
MAX_DIMENSION = 10_000
FORMATS = ("json", "xml")
# Paths whose treatment has a card: the card itself, and the treatment's API document.
OUR_PATHS = re.compile(r"^/(?:embed|api)/v1/treatments/(?P<key>[^/]+)/$")


class NotImplementedFormat(APIException):
    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_code = "not-implemented"


class NoFormatOverride(DefaultContentNegotiation):
    """Content negotiation that leaves `?format=` alone: here it is oEmbed's parameter."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]


class OEmbedRich(BaseModel):
    """An oEmbed 1.0 `rich` response: the card's iframe and its size."""

    model_config = ConfigDict(extra="forbid")

    version: Literal["1.0"]
    type: Literal["rich"]
    html: str = Field(description="An `<iframe>` of the card; paste it into your page as is.")
    width: int = Field(ge=1, description="The iframe's width in px (at most `maxwidth`).")
    height: int = Field(ge=1, description="The iframe's height in px (at most `maxheight`).")
    title: str
    provider_name: str
    provider_url: str
    cache_age: int = Field(ge=0, description="Seconds the consumer may cache this answer.")


def _dimension(params: QueryDict, name: str, errors: dict[str, list[str]]) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_DIMENSION:
        errors[name] = [f"Give a whole number of pixels from 1 to {MAX_DIMENSION}."]
        return None
    return int(raw)


def _is_ours(host: str, request: Request) -> bool:
    if host == request.get_host():
        return True
    allowed = settings.ALLOWED_HOSTS
    return "*" not in allowed and validate_host(host, allowed)


def _located(url: str, request: Request) -> tuple[str, CardOptions]:
    """The treatment key and card options a URL names, or 404 if we do not serve it."""
    parts = urlsplit(url)
    match = OUR_PATHS.match(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or match is None:
        raise NotFound(f"{url!r} is not a treatment card URL of this server.")
    if not _is_ours(parts.netloc.lower(), request):
        raise NotFound(f"{parts.netloc!r} is not this server; oEmbed answers for its own URLs.")
    options = CardOptions()
    if parts.path.startswith("/embed/"):
        try:
            options = card_options(QueryDict(parts.query))
            frame_ancestors(options.key)
        except (OptionsError, FramingError) as exc:
            raise ValidationError({"url": [f"The card URL's query is invalid: {exc}"]}) from exc
    return match["key"], options


def iframe_html(*, src: str, width: int, height: int, title: str) -> str:
    return (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
        f'title="{escape(title)}" style="border:0;max-width:100%" loading="lazy" '
        'referrerpolicy="strict-origin-when-cross-origin"></iframe>'
    )


def oembed_body(
    document: dict[str, Any],
    *,
    base: str,
    options: CardOptions,
    maxwidth: int | None,
    maxheight: int | None,
) -> dict[str, Any]:
    width = min(DEFAULT_WIDTH, maxwidth or DEFAULT_WIDTH)
    height = min(DEFAULT_HEIGHT, maxheight or DEFAULT_HEIGHT)
    title = document["title"]
    src = card_url(base, document["slug"], options)
    return {
        "version": "1.0",
        "type": "rich",
        "html": iframe_html(src=src, width=width, height=height, title=title),
        "width": width,
        "height": height,
        "title": title,
        "provider_name": settings.PROVIDER_NAME,
        "provider_url": f"{base}/",
        "cache_age": settings.PUBLIC_MAX_AGE,
    }


def _example() -> OpenApiExample:
    from api.v1.examples import seed_document

    body = oembed_body(
        seed_document(), base=EXAMPLE_BASE, options=CardOptions(), maxwidth=480, maxheight=None
    )
    return OpenApiExample("The seed's card, at most 480 px wide", value=body, status_codes=[200])


class OEmbedSchema(AutoSchema):
    """oEmbed's own statuses: 404 means 'no card for this URL', and 501 an unknown format."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        responses = operation["responses"]
        problem = responses["404"]["content"]
        responses["404"] = {
            "content": problem,
            "description": "The URL is not one of this server's card or treatment URLs, or "
            "its treatment is not (or no longer) published.",
        }
        responses["501"] = {
            "content": problem,
            "description": "Not Implemented: a `format` other than `json`.",
        }
        operation["responses"] = dict(sorted(responses.items()))
        return operation


class OEmbedView(PublicView):
    """oEmbed 1.0: the iframe HTML that embeds a treatment card."""

    versioning_class = None
    content_negotiation_class = NoFormatOverride
    schema = OEmbedSchema()

    def query_parameter_names(self) -> set[str]:
        return {"url", "maxwidth", "maxheight", "format", "lang"}

    @read_operation(
        operation_id="oembed",
        tag="oembed",
        description=(
            "oEmbed 1.0 (https://oembed.com/): give the URL of a treatment card "
            "(`/embed/v1/treatments/{key}/`, with its `sections`/`theme`/`key` if any) or of a "
            "treatment's API document, and get a `rich` answer whose `html` is the card's "
            "iframe. `width` and `height` are 640×900 px at most, and never exceed "
            "`maxwidth`/`maxheight`. A URL this server does not serve, or a treatment that is "
            "not (or no longer) published, is 404; `format` other than `json` is 501. Cards "
            'advertise this endpoint with `<link rel="alternate" '
            'type="application/json+oembed">`. The card is the one of the language '
            "negotiated as on the document URL (`?lang=`, then `Accept-Language`, then the "
            "treatment's source language); `Content-Language` names it."
        ),
        ok=OEmbedRich,
        ok_description="The oEmbed answer.",
        parameters=[
            OpenApiParameter(
                "url",
                {"type": "string", "format": "uri", "maxLength": 2000},
                required=True,
                description="A card URL or a treatment's API URL on this server.",
                examples=[
                    OpenApiExample(
                        "A card",
                        value=f"{EXAMPLE_BASE}/embed/v1/treatments/bone-marrow-stem-cell-injection/",
                    )
                ],
            ),
            OpenApiParameter(
                "maxwidth",
                {"type": "integer", "minimum": 1, "maximum": MAX_DIMENSION},
                description="The widest iframe you can show, in px.",
            ),
            OpenApiParameter(
                "maxheight",
                {"type": "integer", "minimum": 1, "maximum": MAX_DIMENSION},
                description="The tallest iframe you can show, in px.",
            ),
            OpenApiParameter(
                "format",
                {"type": "string", "enum": list(FORMATS)},
                description="`json` (the default); `xml` is answered 501 Not Implemented.",
            ),
            LANG_PARAMETER,
            ACCEPT_LANGUAGE_PARAMETER,
        ],
        example=_example(),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        params = request.query_params
        fmt = params.get("format", "json")
        if fmt != "json":
            raise NotImplementedFormat(f"Format {fmt!r} is not implemented; use format=json.")
        errors: dict[str, list[str]] = {}
        url = params.get("url")
        if url is None:
            errors["url"] = ["Required: the URL of a treatment card on this server."]
        elif len(url) > 2000:
            errors["url"] = ["Give a URL of at most 2000 characters."]
        maxwidth = _dimension(params, "maxwidth", errors)
        maxheight = _dimension(params, "maxheight", errors)
        if errors or url is None:
            raise ValidationError(errors)
        key, options = _located(url, request)
        try:
            # The card of the language negotiated as on the document URL (its title, its URL).
            negotiated = negotiated_document(request, key)
        except Gone as exc:
            raise NotFound(str(exc.detail)) from exc
        live = negotiated.live
        base = base_url(request)
        body = to_json(
            oembed_body(
                live.document, base=base, options=options, maxwidth=maxwidth, maxheight=maxheight
            )
        )
        response = self.stored(
            request,
            body=body,
            last_modified=live.published_at,
            cache_control=f"public, max-age={settings.PUBLIC_MAX_AGE}",
        )
        if negotiated.language:
            response["Content-Language"] = negotiated.language
        patch_vary_headers(response, ("Accept-Language",))
        return response
