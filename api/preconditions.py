"""If-Match preconditions on working copies: the ETag carries the version it was read at.

The header is evaluated as RFC 9110 §13.1.1 says: `*` or a list of entity-tags, compared
strongly against the working copy's current ETag. Missing → 428, not an If-Match field value →
400, a well-formed value that does not match → 412 with the current ETag (whatever it names,
even a version longer than any this API could issue: it is well-formed, just unknown).
"""

import re
import uuid

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError

from api.compression import GZIP_SUFFIX, gzip_etag

# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
# Header values reach Django decoded as Latin-1, so obs-text is U+0080–U+00FF here.
_ENTITY_TAG = r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"'
ENTITY_TAG = re.compile(_ENTITY_TAG)
# #entity-tag (§5.6.1): elements separated by commas with optional whitespace; empty elements
# (", ,") are allowed and ignored, but at least one entity-tag must be named.
ENTITY_TAG_LIST = re.compile(rf"[ \t,]*{_ENTITY_TAG}(?:[ \t]*,[ \t,]*{_ENTITY_TAG})*[ \t,]*")
OURS = re.compile(r"wc-([0-9a-f]{32})-v([0-9]+)")
# Versions are database integers; a tag of our shape with a longer number cannot be one this
# API issued. It is still a well-formed entity-tag that does not match (412); its number is
# never converted, nor echoed back.
MAX_VERSION_DIGITS = 9
WHITESPACE = " \t\r\n"


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


def if_match_tags(header: str | None) -> list[tuple[bool, str]] | None:
    """The (weak, opaque-tag) pairs an If-Match header lists; None for `*` (428 / 400 otherwise).

    The opaque-tag keeps its quotes, so it compares directly with an ETag this API sends.
    """
    value = (header or "").strip(WHITESPACE)
    if value == "":
        raise PreconditionRequired()
    if value == "*":
        return None
    if ENTITY_TAG_LIST.fullmatch(value) is None:
        raise ParseError(
            'If-Match must be "*" or a comma-separated list of entity tags in double quotes '
            "(RFC 9110 §13.1.1); send the ETag exactly as GET returned it, e.g. "
            f"{working_copy_etag(uuid.UUID(int=0), 3)}."
        )
    return [(weak == "W/", f'"{opaque}"') for weak, opaque in ENTITY_TAG.findall(value)]


def if_match_version(header: str | None, *, treatment_id: uuid.UUID, current_version: int) -> int:
    """The version a write may compare-and-set against, if If-Match matches the working copy.

    `*` matches any existing working copy; a list matches when any member is the current ETag
    (or the ETag of its gzip variant, which names the same version). Comparison is strong, so
    weak tags (W/…) never match. The answer is always `current_version`, the version this
    request read: the write's `UPDATE … WHERE version=N` still refuses it if someone saves in
    between. Missing or empty → 428; not valid If-Match syntax → 400; no match (a tag of ours
    with a version longer than any issued included) → 412 carrying the current ETag.
    """
    tags = if_match_tags(header)
    current = working_copy_etag(treatment_id, current_version)
    if tags is None or any(not weak and tag in (current, gzip_etag(current)) for weak, tag in tags):
        return current_version
    raise PreconditionFailed(current, _mismatch_detail(tags, treatment_id, current_version))


def _mismatch_detail(tags: list[tuple[bool, str]], treatment_id: uuid.UUID, version: int) -> str:
    """Why no listed tag matches, in the words most useful to the client that sent them."""
    retry = "GET the working copy again, re-apply your change and retry with its ETag."
    named = [(weak, OURS.fullmatch(tag[1:-1].removesuffix(GZIP_SUFFIX))) for weak, tag in tags]
    ours = [(weak, m) for weak, m in named if m is not None and m.group(1) == treatment_id.hex]
    for weak, match in ours:
        if not weak:
            named_version = match.group(2)
            if len(named_version) > MAX_VERSION_DIGITS:
                named_version = f"of {len(named_version)} digits, which this API never issued"
            return (
                f"The working copy is at version {version}; your If-Match names version "
                f"{named_version}. {retry}"
            )
    if ours and all(weak for weak, _ in ours):
        return (
            "If-Match compares entity tags strongly (RFC 9110 §13.1.1), so a weak tag (W/…) "
            f"never matches. Send the ETag without W/, exactly as this API returned it. {retry}"
        )
    if any(m is not None for _, m in named) and not ours:
        return f"This ETag belongs to another treatment. {retry}"
    return (
        "No entity tag in If-Match is the working copy's current ETag (it is in this "
        f"response's ETag header). {retry}"
    )
