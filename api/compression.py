"""Gzip that keeps ETags strong: the compressed bytes get their own strong validator."""

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

GZIP_SUFFIX = "-gzip"


def gzip_etag(etag: str) -> str:
    """The strong ETag of the gzip-encoded variant of a representation."""
    return etag[:-1] + GZIP_SUFFIX + '"'


def identity_etag(etag: str) -> str:
    """The ETag of the unencoded representation, from either variant's ETag."""
    if etag.endswith(GZIP_SUFFIX + '"'):
        return etag[: -len(GZIP_SUFFIX) - 1] + '"'
    return etag


class StrongETagGZipMiddleware(GZipMiddleware):
    """Django's gzip, but a strong ETag becomes `"<hash>-gzip"` instead of a weak one.

    Django weakens ETags when it compresses because the bytes differ; a distinct strong tag per
    encoding is just as correct (RFC 9110 §8.8.3) and keeps the ETag strong on every GET.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        original = response.get("ETag", "")
        response = super().process_response(request, response)
        if original.startswith('"') and response.get("Content-Encoding") == "gzip":
            response["ETag"] = gzip_etag(original)
        elif response.status_code == 304 and original.startswith('"'):
            variant = gzip_etag(original)
            if variant in request.META.get("HTTP_IF_NONE_MATCH", ""):
                response["ETag"] = variant
        return response
