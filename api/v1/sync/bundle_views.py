"""The offline bundle (`/bundle/`) and its manifest (`/bundle/manifest/`), served from the
stored parts (api/v1/sync/bundles.py): streamed a chunk at a time, with ETag and byte ranges."""

import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from api.compression import gzip_etag
from api.conditional import is_not_modified_raw
from api.openapi import read_operation
from api.problems import problem_response
from api.ranges import ByteRange, Unsatisfiable, byte_range, unsatisfied_range
from events.models import BundlePart
from treatments import selectors
from treatments.documents.build import etag_for, to_json
from treatments.selectors import SyncScope

from ..base import PublicView
from ..examples import bundle_example, bundle_manifest_example
from .bundles import (
    MAX_PAGES,
    BundleSlice,
    bundle_chunks,
    bundle_layout,
    bundle_pages,
    bundle_part,
    bundle_part_stored,
    pages_for,
)
from .schemas import Bundle, BundleManifest
from .tokens import SyncToken
from .views import CATEGORY, LANGUAGE, SCOPE_PARAMETERS, SYNC_CACHE_CONTROL, scope_from, sync_answer

# Uncompressed bytes produced per step when a part is sent to a client that takes no gzip.
IDENTITY_STEP = 1024 * 1024

RANGE = OpenApiParameter(
    "Range",
    {"type": "string"},
    OpenApiParameter.HEADER,
    description="One byte range of the gzip-encoded bundle, e.g. `bytes=1048576-`, to resume "
    "a download (send `Accept-Encoding: gzip` and `If-Range` with the ETag you started with). "
    "Without gzip, or with several ranges or anything else, the whole bundle is sent (RFC "
    "9110 lets a server ignore a Range it does not serve).",
)
IF_RANGE = OpenApiParameter(
    "If-Range",
    {"type": "string"},
    OpenApiParameter.HEADER,
    description="The ETag the partial download started with: if the bundle changed since, "
    "the whole new bundle is sent (200) instead of the range.",
)


PAGES = OpenApiParameter(
    "pages",
    {"type": "integer", "enum": [2**power for power in range(MAX_PAGES.bit_length())]},
    description="With `page`: how many pages the category is cut into, as the manifest's `url` "
    "gives it (a power of two). A page holds the treatments whose id falls in its share of "
    "the id range, whichever build it comes from. A count the manifest no longer uses is a "
    "404: fetch the manifest again.",
)
PAGE = OpenApiParameter(
    "page",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGES},
    description="With `pages`: which page, from 1 to `pages`.",
)


def slice_from(request: Request) -> BundleSlice:
    """The scope, or the page of it, that `request` asks for; a 400 names what is malformed."""
    scope = scope_from(request)
    raw = {name: request.query_params.get(name) for name in ("pages", "page")}
    if raw["pages"] is None and raw["page"] is None:
        return BundleSlice(scope)
    errors: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    for name, text in raw.items():
        if text is None:
            other = "page" if name == "pages" else "pages"
            errors[name] = [f"Give `{name}` with `{other}`, as the manifest's `url` has them."]
        elif not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGES):
            errors[name] = [f"Give a whole number from 1 to {MAX_PAGES}."]
        else:
            numbers[name] = int(text)
    if "pages" in numbers and numbers["pages"] & (numbers["pages"] - 1):
        errors["pages"] = ["Give a power of two (1, 2, 4, 8 …), as the manifest lists it."]
    if not errors and numbers["page"] > numbers["pages"]:
        errors["page"] = [f"Give a page from 1 to {numbers['pages']}."]
    if errors:
        raise ValidationError(errors)
    if numbers["pages"] > 1 and scope.category is None:
        raise ValidationError(
            {"pages": ["Only a category's bundle comes in pages: give `category`."]}
        )
    return BundleSlice(scope, pages=numbers["pages"], page=numbers["page"])


def _identity(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The stored gzip bytes decompressed as they go, a bounded step at a time."""
    decompressor = zlib.decompressobj(31)
    for chunk in chunks:
        data = chunk
        while data:
            out = decompressor.decompress(data, IDENTITY_STEP)
            if out:
                yield out
            data = decompressor.unconsumed_tail
    tail = decompressor.flush()
    if tail:
        yield tail


def part_response(request: HttpRequest, part: BundlePart) -> HttpResponseBase:
    """A stored part as the answer to `request`: 304, 416, 206 (gzip only) or the whole."""
    gzipped = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    # The raw bytes' ETag; the gzip middleware turns it into the gzip variant's own strong tag
    # (api/compression.py), which is the one a resuming client sends back in If-Range.
    etag = part.etag
    if is_not_modified_raw(
        request.META.get("HTTP_IF_NONE_MATCH"), None, etag=etag, last_modified_epoch=0
    ):
        return _headed(HttpResponseNotModified(), etag=etag, gzipped=gzipped)
    wanted: ByteRange | None = None
    served = gzip_etag(etag)
    if gzipped and request.META.get("HTTP_IF_RANGE", served) == served:
        try:
            wanted = byte_range(request.META.get("HTTP_RANGE"), total=part.size)
        except Unsatisfiable:
            refused = problem_response(
                status=416,
                detail=f"The range starts past the end: the gzip bundle has {part.size} bytes. "
                "Ask for a range within it, or for the whole bundle without Range.",
            )
            refused["Content-Range"] = unsatisfied_range(part.size)
            refused["Accept-Ranges"] = "bytes"
            return refused
    first, last = (wanted.first, wanted.last) if wanted else (0, part.size - 1)
    length = (last - first + 1) if gzipped else part.raw_size
    status = 206 if wanted else 200
    response: HttpResponseBase
    if request.method == "HEAD" or part.size == 0:
        response = HttpResponse(status=status, content_type="application/json")
    else:
        chunks = bundle_chunks(part, first=first, last=last)
        response = StreamingHttpResponse(
            chunks if gzipped else _identity(chunks),
            status=status,
            content_type="application/json",
        )
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = wanted.content_range(part.size)
    if gzipped:
        response["Content-Encoding"] = "gzip"
    return _headed(response, etag=etag, gzipped=gzipped)


def _headed(response: HttpResponseBase, *, etag: str, gzipped: bool) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = SYNC_CACHE_CONTROL
    response["Vary"] = "Accept, Accept-Encoding"
    if gzipped:
        response["Accept-Ranges"] = "bytes"
    return response


class BundleView(PublicView):
    """Every live document in scope and the sync token that continues from them, in one answer."""

    def query_parameter_names(self) -> set[str]:
        return {*SCOPE_PARAMETERS, "pages", "page"}

    @read_operation(
        operation_id="bundle",
        tag="sync",
        description=(
            "Every live document (in scope) plus `next_sync_token`, meant to ship inside an app "
            "release: install the documents, then call `/sync/?token=<next_sync_token>` to catch "
            "up. Built once per published change by the background worker and stored "
            "gzip-compressed; served gzip-compressed when accepted, and then resumable with "
            "`Range` (206; 416 past the end). For a phone, fetch the manifest's parts instead: "
            "`/bundle/manifest/` lists each category's, in pages of a few hundred documents "
            "(`pages` and `page`), with their ETags. "
            "`sync_token` is a deprecated alias of `next_sync_token` (sunset 2028-12-05)."
        ),
        ok=Bundle,
        ok_description="The bundle.",
        parameters=[CATEGORY, LANGUAGE, PAGES, PAGE],
        not_found="`pages` is not how the manifest cuts the category now: fetch the manifest "
        "again.",
        example=bundle_example(),
        last_modified=False,
        ranges=[RANGE, IF_RANGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        piece = slice_from(request)
        if piece.pages == 1:
            return part_response(request, bundle_part(piece))
        stored = bundle_part_stored(piece)
        if stored is not None:
            return part_response(request, stored)
        # Nothing stored to serve: build the page only if the manifest cuts the category so.
        documents = selectors.sync_live_count(scope=piece.scope)
        if documents == 0 or pages_for(documents) != piece.pages:
            raise NotFound(
                f"The manifest does not cut this category into {piece.pages} pages now (it "
                "changes as the catalogue grows): fetch /api/v1/bundle/manifest/ again and "
                "download the pages it lists."
            )
        return part_response(request, bundle_part(piece))


class BundleManifestView(PublicView):
    """The bundle's parts: each category (in one language, or all) in its pages, with their
    ETags."""

    def query_parameter_names(self) -> set[str]:
        return {"language"}

    @read_operation(
        operation_id="bundle_manifest",
        tag="sync",
        description=(
            "The offline bundle in parts that fit a phone: each category, in the language asked "
            "for (`?language=`) or in all, cut into pages of a few hundred documents (one page "
            "when it is small). Download each part from its `url` (send "
            "`If-None-Match` with the `etag` you hold: 304 when it did not change), install "
            "the documents of all of them, then call `/sync/?token=<next_sync_token>` with the "
            "manifest's token to catch up: it starts where the oldest part ends."
        ),
        ok=BundleManifest,
        ok_description="The parts of the bundle.",
        parameters=[LANGUAGE],
        not_found=False,
        example=bundle_manifest_example(),
        last_modified=False,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        if "category" in request.query_params:
            raise ValidationError({"category": ["The manifest lists every category."]})
        language = scope_from(request).language
        parts = [
            (pages, part)
            for scope, pages in bundle_layout(language=language).items()
            if scope.category is not None and scope.language == language
            for part in bundle_pages(scope, pages=pages)
        ]
        whole = SyncScope(language=language)
        since = min((p.sequence for _, p in parts), default=None)
        if since is None:
            since = selectors.change_log_head()
        token = SyncToken(mode="delta", since=since, scope=whole).encode()
        base = reverse("v1:bundle")
        body = to_json(
            {
                "language": language,
                "next_sync_token": token,
                "parts": [
                    {
                        "category": p.category,
                        "language": p.language or None,
                        "page": p.page,
                        "pages": pages,
                        "url": base
                        + "?"
                        + urlencode(
                            {
                                "category": p.category,
                                **({"language": language} if language else {}),
                                **({"pages": pages, "page": p.page} if pages > 1 else {}),
                            }
                        ),
                        "etag": p.etag,
                        "documents": p.documents,
                        "size": p.size,
                        "raw_size": p.raw_size,
                    }
                    for pages, p in parts
                ],
            }
        )
        return sync_answer(request, body, etag=etag_for(body))
