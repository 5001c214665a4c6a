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
from rest_framework.exceptions import ValidationError
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
from .bundles import bundle_chunks, bundle_part, bundle_scopes
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
        return set(SCOPE_PARAMETERS)

    @read_operation(
        operation_id="bundle",
        tag="sync",
        description=(
            "Every live document (in scope) plus `next_sync_token`, meant to ship inside an app "
            "release: install the documents, then call `/sync/?token=<next_sync_token>` to catch "
            "up. Built once per published change by the background worker and stored "
            "gzip-compressed; served gzip-compressed when accepted, and then resumable with "
            "`Range` (206; 416 past the end). For a phone, fetch one part per category instead: "
            "`/bundle/manifest/` lists them with their ETags. "
            "`sync_token` is a deprecated alias of `next_sync_token` (sunset 2028-12-05)."
        ),
        ok=Bundle,
        ok_description="The bundle.",
        parameters=[CATEGORY, LANGUAGE],
        not_found=False,
        example=bundle_example(),
        last_modified=False,
        ranges=[RANGE, IF_RANGE],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return part_response(request, bundle_part(scope_from(request)))


class BundleManifestView(PublicView):
    """The bundle's parts, one per category (in one language, or all), with their ETags."""

    def query_parameter_names(self) -> set[str]:
        return {"language"}

    @read_operation(
        operation_id="bundle_manifest",
        tag="sync",
        description=(
            "The offline bundle in parts that fit a phone: one per category, in the language "
            "asked for (`?language=`) or in all. Download each part from its `url` (send "
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
            bundle_part(scope)
            for scope in bundle_scopes(language=language)
            if scope.category is not None and scope.language == language
        ]
        whole = SyncScope(language=language)
        since = min((p.sequence for p in parts), default=None)
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
                        "url": base
                        + "?"
                        + urlencode(
                            {"category": p.category, **({"language": language} if language else {})}
                        ),
                        "etag": p.etag,
                        "documents": p.documents,
                        "size": p.size,
                        "raw_size": p.raw_size,
                    }
                    for p in parts
                ],
            }
        )
        return sync_answer(request, body, etag=etag_for(body))
