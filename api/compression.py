"""Gzip that keeps ETags strong: the compressed bytes get their own strong validator."""

from collections.abc import Callable

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


class DeterministicGZip(GZipMiddleware):
    """Django's gzip without BREACH padding: the same body always compresses to the same bytes.

    With `max_random_bytes = 0` Django's `compress_string`/`compress_sequence` write no random
    file name and `mtime=0`, i.e. `gzip.compress(body, compresslevel=6, mtime=0)`. The bytes then
    depend only on the body and on zlib, so every worker built from one image (one zlib) agrees.
    """

    max_random_bytes = 0


class StrongETagGZipMiddleware(GZipMiddleware):
    """Django's gzip, but a strong ETag becomes `"<hash>-gzip"` instead of a weak one.

    Django weakens ETags when it compresses because the bytes differ; a distinct strong tag per
    encoding is just as correct (RFC 9110 §8.8.3) and keeps the ETag strong on every GET. A
    strong tag promises byte-identical bodies, so a response that has one is compressed
    deterministically; every other response is compressed exactly as Django does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        super().__init__(get_response)
        self.deterministic = DeterministicGZip(get_response)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        original = response.get("ETag", "")
        if not original.startswith('"'):
            # No strong validator to keep: Django's gzip, BREACH padding included (the admin's
            # HTML mixes CSRF tokens and session data with echoed input such as search terms).
            return super().process_response(request, response)
        # BREACH recovers a secret from the compressed size of a body that holds the secret next
        # to bytes the attacker chose, over requests the victim's browser makes with its
        # credentials. Bodies with a strong ETag here give it nothing: public ones carry no
        # secret (they are the same for everyone), and the editor API's (`private, no-store`,
        # draft content) echo request input only on writes, which need a token or a session
        # plus a CSRF token, neither of which an attacker's page can send; its one ETagged GET
        # (a working copy) echoes nothing and refuses unknown query parameters. So padding buys
        # nothing, and without it the gzip variant's strong ETag is true.
        response = self.deterministic.process_response(request, response)
        if response.get("Content-Encoding") == "gzip":
            response["ETag"] = gzip_etag(original)
        elif response.status_code == 304:
            variant = gzip_etag(original)
            if variant in request.META.get("HTTP_IF_NONE_MATCH", ""):
                response["ETag"] = variant
        return response
