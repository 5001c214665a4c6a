"""If-Match parsing on its own: which headers name a version, and which are a 400 or 412."""

import uuid

import pytest
from rest_framework.exceptions import ParseError

from api.preconditions import (
    MAX_VERSION_DIGITS,
    PreconditionFailed,
    PreconditionRequired,
    expected_version,
    working_copy_etag,
)

ID = uuid.UUID("451fd2ca-b287-5ddf-b44a-6e2ba2a29040")


@pytest.mark.parametrize("version", [1, 7, 10**MAX_VERSION_DIGITS - 1])
def test_an_etag_this_api_issued_names_its_version(version: int) -> None:
    assert expected_version(working_copy_etag(ID, version), ID) == version


def test_surrounding_whitespace_is_ignored() -> None:
    assert expected_version(f" {working_copy_etag(ID, 3)}\n", ID) == 3


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_if_match_is_precondition_required(header: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        expected_version(header, ID)


@pytest.mark.parametrize(
    "header",
    [
        f'"wc-{ID.hex}-v{"9" * (MAX_VERSION_DIGITS + 1)}"',
        f'"wc-{ID.hex}-v{"9" * 5000}"',
        f'"wc-{uuid.uuid4().hex}-v{"9" * 5000}"',
    ],
)
def test_a_version_longer_than_any_this_api_issues_is_a_parse_error(header: str) -> None:
    with pytest.raises(ParseError, match="digits"):
        expected_version(header, ID)


@pytest.mark.parametrize(
    "header",
    [
        f'"wc-{ID.hex}-v\u0661"',  # ARABIC-INDIC DIGIT ONE: a digit, but not one we issue
        f'"wc-{ID.hex}-v1"\n"x"',
        f'"wc-{ID.hex}-v"',
        f'"wc-{ID.hex}-v-1"',
    ],
)
def test_anything_but_one_strong_etag_of_ours_is_a_parse_error(header: str) -> None:
    with pytest.raises(ParseError):
        expected_version(header, ID)


def test_an_etag_of_another_treatment_is_a_failed_precondition() -> None:
    with pytest.raises(PreconditionFailed):
        expected_version(working_copy_etag(uuid.uuid4(), 1), ID)
