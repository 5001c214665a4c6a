"""If-Match evaluation on its own (RFC 9110 §13.1.1): which headers match, and which are 400/412."""

import time
import uuid
from typing import NamedTuple

import pytest
from rest_framework.exceptions import ParseError

from api.compression import gzip_etag
from api.preconditions import (
    MAX_VERSION_DIGITS,
    PreconditionFailed,
    PreconditionRequired,
    if_match_tags,
    if_match_version,
    working_copy_etag,
)

ID = uuid.UUID("451fd2ca-b287-5ddf-b44a-6e2ba2a29040")
OTHER = uuid.UUID("00000000-0000-4000-8000-000000000001")
CURRENT = 7
ETAG = working_copy_etag(ID, CURRENT)


def version_for(header: str | None) -> int:
    return if_match_version(header, treatment_id=ID, current_version=CURRENT)


class Case(NamedTuple):
    header: str
    why: str


MATCHING = [
    Case(ETAG, "the current ETag"),
    Case(f" {ETAG}\t", "surrounding whitespace is not part of the value"),
    Case("*", "any current representation"),
    Case(" * ", "`*` with surrounding whitespace"),
    Case(f'"stale-0", {ETAG}', "a list with the current ETag"),
    Case(f'W/"x",{ETAG},"y"', "a list without spaces"),
    Case(f", ,{ETAG},,", "empty list elements are ignored (RFC 9110 §5.6.1)"),
    Case(gzip_etag(ETAG), "the gzip variant's ETag names the same version"),
]

NOT_MATCHING = [
    Case('"stale-0"', "a well-formed tag that is not ours"),
    Case(working_copy_etag(ID, CURRENT - 1), "an older version"),
    Case(working_copy_etag(ID, CURRENT + 1), "a version from the future"),
    Case(working_copy_etag(OTHER, CURRENT), "another treatment's ETag"),
    Case(f"W/{ETAG}", "weak tags never match: If-Match compares strongly"),
    Case(f"W/{gzip_etag(ETAG)}", "the weak gzip variant does not match either"),
    Case('"a", "b"', "a list of which no member matches"),
    Case(f'"a", W/{ETAG}', "a list whose only current tag is weak"),
    Case('""', "the empty entity-tag is well-formed"),
    Case('"wc-zz-v1"', "looks like ours but is not"),
    Case(f'"wc-{ID.hex}-v"', "no version"),
    Case(f'"wc-{ID.hex}-v-1"', "a negative version"),
    Case(f'"{ETAG[1:-1]},x"', "a comma inside the quotes is part of the tag"),
    Case(f'"wc-{ID.hex}-v0{CURRENT}"', "a leading zero: not the ETag we issued"),
]

OVERSIZED = [
    Case(f'"wc-{ID.hex}-v{"9" * (MAX_VERSION_DIGITS + 1)}"', "one digit more than any version"),
    Case(f'"wc-{ID.hex}-v{"9" * 5000}"', "far more digits: never converted to a number"),
    Case(f'"wc-{OTHER.hex}-v{"9" * 5000}"', "another treatment's id"),
    Case(f'W/"wc-{ID.hex}-v{"0" * 20}{CURRENT}"', "weak, with leading zeros"),
    Case(f'{ETAG}, "wc-{ID.hex}-v{"9" * 12}-gzip"', "in a list, even next to the current ETag"),
]

MALFORMED = [
    Case("nonsense", "not quoted"),
    Case(ETAG[1:-1], "the tag without its quotes"),
    Case(f'"wc-{ID.hex}-v1', "an unbalanced quote"),
    Case(f'{ETAG}"', "a stray quote after the tag"),
    Case(f"{ETAG} {ETAG}", "list members without a comma"),
    Case('"a" "b"', "two tags separated only by a space"),
    Case("*, " + ETAG, "`*` is only valid on its own"),
    Case(f"w/{ETAG}", "the weak prefix is case-sensitive"),
    Case(f"W/ {ETAG}", "no space after W/"),
    Case(f"{ETAG}\n{ETAG}", "a line break is not list syntax"),
    Case(f'"wc-{ID.hex}-v\u0661"', "a character outside etagc (not Latin-1)"),
    Case('"a b"', "a space is not an etagc"),
    Case(", ,", "a list with no entity-tag"),
    Case("'single-quoted'", "single quotes are not DQUOTE"),
]


@pytest.mark.parametrize("version", [1, CURRENT, 10**MAX_VERSION_DIGITS - 1])
def test_the_current_etag_names_the_version_read(version: int) -> None:
    tag = working_copy_etag(ID, version)
    assert if_match_version(tag, treatment_id=ID, current_version=version) == version


@pytest.mark.parametrize("case", MATCHING, ids=[c.why for c in MATCHING])
def test_a_matching_if_match_gives_the_current_version_to_compare_and_set(case: Case) -> None:
    assert version_for(case.header) == CURRENT, case.why


@pytest.mark.parametrize("header", [None, "", "   ", "\t\n"])
def test_a_missing_if_match_is_precondition_required(header: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        version_for(header)


@pytest.mark.parametrize("case", NOT_MATCHING, ids=[c.why for c in NOT_MATCHING])
def test_a_well_formed_if_match_that_does_not_match_is_412_with_the_current_etag(
    case: Case,
) -> None:
    with pytest.raises(PreconditionFailed) as failed:
        version_for(case.header)
    assert failed.value.current_etag == ETAG, case.why
    assert "GET the working copy again" in str(failed.value.detail)


@pytest.mark.parametrize("case", MALFORMED, ids=[c.why for c in MALFORMED])
def test_a_malformed_if_match_is_a_parse_error(case: Case) -> None:
    with pytest.raises(ParseError, match="RFC 9110"):
        version_for(case.header)


@pytest.mark.parametrize("case", OVERSIZED, ids=[c.why for c in OVERSIZED])
def test_a_tag_of_ours_with_a_version_longer_than_any_issued_is_a_412(case: Case) -> None:
    # Well-formed, just unknown (RFC 9110 §13.1.1): a failed precondition, not a bad request.
    if ETAG in case.header.split(", "):
        assert version_for(case.header) == CURRENT, "the current ETag in the list still matches"
        return
    with pytest.raises(PreconditionFailed) as failed:
        version_for(case.header)
    assert failed.value.current_etag == ETAG
    assert "9" * (MAX_VERSION_DIGITS + 1) not in str(failed.value.detail), "never echoed back"


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (working_copy_etag(ID, 3), "names version 3"),
        (f'"x", {working_copy_etag(ID, 3)}', "names version 3"),
        (f"W/{ETAG}", "weak tag"),
        (working_copy_etag(OTHER, CURRENT), "another treatment"),
        (f'"wc-{ID.hex}-v03"', "names version 03"),
        ('"stale-0"', "No entity tag in If-Match"),
    ],
)
def test_a_412_says_why_nothing_matched(header: str, says: str) -> None:
    with pytest.raises(PreconditionFailed, match=says):
        version_for(header)


def test_tags_keep_their_quotes_and_weakness() -> None:
    assert if_match_tags('W/"a", "b,c" ,, ""') == [(True, '"a"'), (False, '"b,c"'), (False, '""')]
    assert if_match_tags("*") is None


def test_obs_text_is_allowed_inside_a_tag() -> None:
    # Header values arrive decoded as Latin-1; bytes 0x80-0xFF are obs-text (RFC 9110 §5.5).
    assert if_match_tags('"caf\xe9"') == [(False, '"caf\xe9"')]


@pytest.mark.parametrize(
    "header",
    [
        ",".join(['"a"'] * 20_000) + ",x",
        " ," * 20_000 + "x",
        '"' + "a" * 100_000,
        "W/" * 20_000,
    ],
)
def test_parsing_stays_linear_on_hostile_headers(header: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError):
        version_for(header)
    assert time.perf_counter() - started < 1.0, "the If-Match grammar must not backtrack"
