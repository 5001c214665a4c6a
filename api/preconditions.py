"""If-Match preconditions on working copies: the ETag carries the version it was read at."""

import re
import uuid

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError

ETAG_PATTERN = re.compile(r'"wc-([0-9a-f]{32})-v([0-9]+)"')
# Versions are database integers; a longer number cannot be one this API issued, and converting
# or comparing it would fail deeper down instead of answering the client.
MAX_VERSION_DIGITS = 9


def working_copy_etag(treatment_id: uuid.UUID, version: int) -> str:
    """The strong ETag of a working copy at a version."""
    return f'"wc-{treatment_id.hex}-v{version}"'


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This write needs an If-Match header with the working copy's current ETag "
        "(GET it first); this prevents overwriting someone else's edit."
    )
    default_code = "precondition-required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition-failed"

    def __init__(self, current_etag: str | None, detail: str) -> None:
        super().__init__(detail)
        self.current_etag = current_etag


def expected_version(header: str | None, treatment_id: uuid.UUID) -> int:
    """The version an If-Match header names for this treatment (428 / 400 / 412 otherwise)."""
    if header is None or header.strip() == "":
        raise PreconditionRequired()
    match = ETAG_PATTERN.fullmatch(header.strip())
    if match is None:
        raise ParseError(
            "If-Match must be exactly one strong ETag as returned by this API, e.g. "
            f"{working_copy_etag(treatment_id, 1)}."
        )
    digits = match.group(2)
    if len(digits) > MAX_VERSION_DIGITS:
        raise ParseError(
            f"The version in If-Match has {len(digits)} digits; versions have at most "
            f"{MAX_VERSION_DIGITS}, so this ETag was not issued by this API. Send the ETag "
            "exactly as GET returned it."
        )
    if match.group(1) != treatment_id.hex:
        raise PreconditionFailed(None, "This ETag belongs to another treatment.")
    return int(digits)
