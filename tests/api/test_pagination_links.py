"""A page link's signed cursor is written in one step, as DRF's link then signed would be."""

from base64 import b64encode
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

import pytest
from django.core import signing
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

from api.pagination import (
    _BASE64_QUOTED,
    CURSOR_SALT,
    CategoryCursorPagination,
    PageCursor,
    StrictCursorPagination,
    TreatmentCursorPagination,
    _cursor_signature,
    _link_frame,
    _quote_plus,
    _without_parameter,
    cursor_link_sealed,
    cursor_seal_querystring,
    cursor_verify,
)
from api.v1.webhooks.views import DeliveryPagination

BASE_URLS = [
    "http://testserver/api/v1/treatments/",
    "http://testserver/api/v1/treatments/?page_size=2&ordering=-title",
    "https://api.example.org/api/v1/treatments/?cursor=old&q=hip+bone&page_size=5",
    "http://testserver/api/v1/categories/?ordering=-name",
    # Repeated, blank and encoded parameters and a fragment, as DRF's replace_query_param keeps
    # them (the paginator parses its base URL once per page).
    "http://testserver/api/v1/treatments/?b=&a=2&a=1&q=%C3%A9+x%2By#part",
]
# DRF's positions are strings (the type stubs say int).
CURSORS: list[Cursor] = [
    Cursor(offset=0, reverse=False, position=None),
    Cursor(offset=3, reverse=False, position=None),
    Cursor(offset=0, reverse=True, position="Bone Marrow Stem Cell Injection & more"),  # type: ignore[arg-type]
    Cursor(offset=2, reverse=True, position="2026-03-08 09:30:00.123456+00:00"),  # type: ignore[arg-type]
    Cursor(offset=0, reverse=False, position="Ünïcode title / with = signs"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    "pagination", [TreatmentCursorPagination, CategoryCursorPagination], ids=lambda c: c.__name__
)
def test_encode_cursor_writes_the_link_drf_writes_then_seals(
    pagination: type[StrictCursorPagination],
) -> None:
    paginator = pagination()
    for ordering in pagination.orderings.values():
        paginator.ordering = ordering
        for base_url in BASE_URLS:
            paginator.base_url = base_url
            for cursor in CURSORS:
                link = paginator.encode_cursor(cursor)
                drf_link = CursorPagination.encode_cursor(paginator, cursor)
                expected = cursor_link_sealed(drf_link, "cursor", paginator.signed_ordering())
                assert link == expected, (ordering, base_url, cursor)
                sealed = parse_qs(urlsplit(link).query)["cursor"][0]
                assert cursor_verify(sealed, paginator.signed_ordering())


@pytest.mark.parametrize(
    ("pagination", "ordering"),
    [
        (TreatmentCursorPagination, ("published_at", "treatment_id")),
        (TreatmentCursorPagination, ("-search_published_at", "-treatment_id")),
        (DeliveryPagination, ("-created_at", "-id")),
    ],
)
def test_a_signed_date_position_postgresql_cannot_take_is_an_invalid_cursor(
    pagination: type[StrictCursorPagination], ordering: tuple[str, ...]
) -> None:
    """Only a holder of SECRET_KEY can sign one; it must still be a 400, never reach a query."""
    from urllib.parse import quote, urlencode

    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.pagination import cursor_seal_querystring

    def decoded(position: str) -> Any:
        sealed = cursor_seal_querystring(urlencode({"p": position}), ordering)
        request = Request(APIRequestFactory().get(f"/?cursor={quote(sealed, safe='')}"))
        paginator = pagination()
        paginator.ordering = ordering
        return paginator.decode_cursor(request)

    assert decoded("2026-01-01 00:17:37+00:00").position == "2026-01-01 00:17:37+00:00"
    assert decoded("2026-01-01 00:17:37+15:59").position == "2026-01-01 00:17:37+15:59"
    for position in (
        "9999-12-31 23:59:59-23:00",
        "2026-01-01 00:00:00+16:00",
        "2026-01-01T00:00+25:00",
    ):
        with pytest.raises(ValidationError):
            decoded(position)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    querystring=st.text(max_size=120),
    ordering=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3).map(tuple),
    key=st.one_of(st.text(min_size=1, max_size=60), st.binary(min_size=1, max_size=60)),
)
def test_a_cursor_signature_is_the_one_djangos_signer_writes(
    querystring: str, ordering: tuple[str, ...], key: str | bytes
) -> None:
    # The key is derived once per key and ordering (api/pagination.py: `_cursor_mac`); every
    # cursor signed before, and any signed with a fallback key, must keep verifying.
    signer = signing.Signer(key=key, salt=f"{CURSOR_SALT}:{','.join(ordering)}")
    assert _cursor_signature(querystring, ordering, key) == signer.signature(querystring)
    assert _cursor_signature(querystring, ordering, key) == signer.signature(querystring)


def _reference_link(paginator: StrictCursorPagination, cursor: PageCursor) -> str:
    """The link as DRF writes one (`urlencode` of the tokens, `replace_query_param`), with the
    row's id as `i` and the cursor sealed: what `encode_cursor` writes in one step."""
    tokens = {}
    if cursor.offset != 0:
        tokens["o"] = str(cursor.offset)
    if cursor.reverse:
        tokens["r"] = "1"
    if cursor.position is not None:
        tokens["p"] = cursor.position
    if cursor.tie is not None:
        tokens["i"] = cursor.tie
    sealed = cursor_seal_querystring(urlencode(tokens, doseq=True), paginator.signed_ordering())
    return str(replace_query_param(str(paginator.base_url), "cursor", sealed))


_QUERY_TEXT = st.text(alphabet=st.characters(codec="utf-8"))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    base=st.sampled_from(BASE_URLS),
    extra=st.lists(st.tuples(_QUERY_TEXT, _QUERY_TEXT), max_size=3),
    offset=st.integers(min_value=0, max_value=50),
    reverse=st.booleans(),
    position=st.one_of(st.none(), _QUERY_TEXT),
    tie=st.one_of(st.none(), st.uuids().map(str), _QUERY_TEXT),
)
def test_a_link_naming_a_row_is_the_one_drf_writes_with_the_id_added(
    base: str,
    extra: list[tuple[str, str]],
    offset: int,
    reverse: bool,
    position: str | None,
    tie: str | None,
) -> None:
    # Parameters of any name, "cursor" included, repeated or blank, as a request may carry.
    url = base
    for name, value in extra:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode({name: value})}"
    paginator = TreatmentCursorPagination()
    paginator.ordering = ("title", "treatment_id")
    paginator.base_url = url
    cursor = PageCursor(offset, reverse, position, tie)
    assert paginator.encode_cursor(cursor) == _reference_link(paginator, cursor)


_CURSOR_NAMES = st.sampled_from(
    ["cursor", "cur%73or", "%63ursor", "cursor+", "Cursor", "cursor%00"]
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    base=st.sampled_from(BASE_URLS),
    pairs=st.lists(
        st.one_of(
            st.tuples(_QUERY_TEXT, _QUERY_TEXT).map(lambda p: urlencode({p[0]: p[1]})),
            st.tuples(_CURSOR_NAMES, _QUERY_TEXT).map(lambda p: f"{p[0]}={p[1]}"),
            _CURSOR_NAMES,
            st.sampled_from(["", "=", "&", "\t", "a=1#frag", "?x=y"]),
        ),
        max_size=5,
    ),
)
def test_a_pages_frame_is_the_same_without_its_own_cursor(base: str, pairs: list[str]) -> None:
    # The frame of a page's links is worked out once for the list at every cursor
    # (`_without_parameter`): dropping the cursor's pairs first changes nothing in it, and
    # only the pairs parse_qs reads as the cursor are dropped.
    url = base + ("&" if "?" in base else "?") + "&".join(pairs)
    stripped = _without_parameter(url, "cursor")
    assert _link_frame(stripped, "cursor") == _link_frame(url, "cursor")
    assert "cursor" not in parse_qs(urlsplit(stripped).query, keep_blank_values=True)
    others = {k: v for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    others.pop("cursor", None)
    assert parse_qs(urlsplit(stripped).query, keep_blank_values=True) == others


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    text=st.one_of(
        _QUERY_TEXT, st.uuids().map(str), st.binary().map(lambda b: b64encode(b).decode())
    )
)
def test_the_shortcuts_quote_as_quote_plus_does(text: str) -> None:
    assert _quote_plus(text) == quote_plus(text)
    sealed = b64encode(text.encode()).decode("ascii")
    assert sealed.translate(_BASE64_QUOTED) == quote_plus(sealed)
