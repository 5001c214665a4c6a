"""Cursor pagination over the read model: no COUNT(*), capped page size, strict parameters.

Cursors are signed: only a cursor this API issued (for the same ordering) is accepted, any
other (forged, edited, or from another ordering) is a 400 (`cursor_seal`, `cursor_verify`).

A cursor names a row: the values of both ordering fields at the first or last row of a page
(e.g. its title and its id), so a page starts exactly after (or before) that row even when
many rows share a title (`treatments.selectors.rows_after`). Cursors minted before carried the
first field alone and an offset into the rows that share it (DRF's); they are still accepted,
and the links of the page they give are of the new kind.
"""

import binascii
import datetime as dt
import functools
import hashlib
import hmac
import re
from base64 import b64decode, b64encode, urlsafe_b64encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote_plus, unquote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.crypto import constant_time_compare
from django.utils.dateparse import parse_datetime
from pydantic import BaseModel, Field
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from treatments.selectors import SEARCH_ORDERINGS, BandRead, banded_search_page, rows_after

# A cursor is opaque: only the API mints it (in `next` and `previous`). What can be promised is
# its alphabet: DRF writes the position as standard base64 (padding included).
CURSOR_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
CURSOR_SCHEMA = {"type": "string", "minLength": 4, "pattern": CURSOR_PATTERN}
CURSOR_DESCRIPTION = (
    "An opaque token the API mints: take it from `next` or `previous` as is. It is base64 "
    "(the pattern) and signed: only a cursor this API issued, for the same `ordering`, is "
    "accepted; any other is a 400."
)


def relative_link(url: str | None) -> str | None:
    """A link as the API writes every other link: the path and query, no scheme or host."""
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def page_links(next_link: str | None, previous_link: str | None) -> dict[str, str | None]:
    """A page's `links` from its absolute `next` and `previous` (null at either end)."""
    return {"next": relative_link(next_link), "previous": relative_link(previous_link)}


class PageLinks(BaseModel):
    """The next and previous pages, relative to the host like every link (null at either end).

    They replace the page's absolute `next` and `previous`, which are deprecated.
    """

    # `example`: drf-spectacular builds a list's page example from the page schema's examples.
    next: str | None = Field(json_schema_extra={"example": None})
    previous: str | None = Field(json_schema_extra={"example": None})


# The same, inline in the page schemas the paginators describe.
PAGE_LINKS_SCHEMA: dict[str, Any] = {
    key: value for key, value in PageLinks.model_json_schema().items() if key != "title"
}
# Signed cursors. DRF's cursor is base64 of a query string (o=offset, r=reverse, p=position);
# ours add i=<the id at the position> (`PageCursor`). A signed one adds `s=<HMAC of that query
# string and the ordering>` as the last pair, so it is still base64 of a query string and
# matches CURSOR_PATTERN.
CURSOR_SALT = "treatment-knowledge.cursor.v1"
SIGNATURE_PAIR = "s="


def _cursor_signature(querystring: str, ordering: tuple[str, ...], key: str | bytes) -> str:
    """Django's `Signer(key=key, salt=…).signature(querystring)`, with its HMAC key derived
    once per key and ordering instead of on every link (tests/api/test_pagination_links.py
    compares the two)."""
    mac = _cursor_mac(key, ordering).copy()
    mac.update(querystring.encode())
    return urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


@functools.lru_cache(maxsize=64)
def _cursor_mac(key: str | bytes, ordering: tuple[str, ...]) -> hmac.HMAC:
    # Signer.signature is salted_hmac(salt + "signer", value, key) in SHA-256, whose HMAC key is
    # sha256(salt + "signer" + key); the copies of this HMAC take each cursor's text.
    salt = f"{CURSOR_SALT}:{','.join(ordering)}signer".encode()
    secret = key if isinstance(key, bytes) else key.encode()
    return hmac.new(hashlib.sha256(salt + secret).digest(), digestmod=hashlib.sha256)


def cursor_seal(encoded: str, ordering: tuple[str, ...]) -> str:
    """A cursor DRF encoded, signed for this ordering with SECRET_KEY."""
    return cursor_seal_querystring(b64decode(encoded.encode("ascii")).decode("ascii"), ordering)


def cursor_seal_querystring(querystring: str, ordering: tuple[str, ...]) -> str:
    """The signed cursor of a cursor's query string (`o=…&r=…&p=…`, as DRF writes it)."""
    signature = _cursor_signature(querystring, ordering, settings.SECRET_KEY)
    sealed = (
        f"{querystring}&{SIGNATURE_PAIR}{signature}"
        if querystring
        else (SIGNATURE_PAIR + signature)
    )
    return b64encode(sealed.encode("ascii")).decode("ascii")


def cursor_verify(raw: str, ordering: tuple[str, ...]) -> bool:
    """Whether `raw` is a cursor this API signed for this ordering (SECRET_KEY or a fallback)."""
    return cursor_verified_querystring(raw, ordering) is not None


def cursor_verified_querystring(raw: str, ordering: tuple[str, ...]) -> str | None:
    """The query string of `raw` (`o=…&r=…&p=…&i=…`, without the signature) if it is a cursor
    this API signed for this ordering (SECRET_KEY or a fallback); None otherwise."""
    try:
        text = b64decode(raw.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    querystring, _, last = text.rpartition("&")
    if not last.startswith(SIGNATURE_PAIR):
        return None
    signature = last.removeprefix(SIGNATURE_PAIR)
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(
        constant_time_compare(signature, _cursor_signature(querystring, ordering, key))
        for key in keys
    ):
        return querystring
    return None


def cursor_link_sealed(url: str, name: str, ordering: tuple[str, ...]) -> str:
    """A page link whose `name` cursor parameter is signed (see `cursor_seal`)."""
    encoded = parse_qs(urlsplit(url).query).get(name, [""])[0]
    return replace_query_param(url, name, cursor_seal(encoded, ordering))


# PostgreSQL takes UTC offsets below 16 hours in a timestamptz (its input's limit; Python's is
# 24). The API writes date positions in UTC, so a larger offset comes from a forged cursor.
_LARGEST_OFFSET = dt.timedelta(hours=16)


def _date_position(position: str) -> bool:
    """False for a date position PostgreSQL would refuse: an offset of 16 hours or more, or
    one Python cannot hold (anything else is left to the field's own parsing: a 400)."""
    try:
        parsed = parse_datetime(position)
    except ValueError:
        return False
    offset = parsed.utcoffset() if parsed is not None else None
    return offset is None or abs(offset) < _LARGEST_OFFSET


# `quote_plus` of base64 text (a sealed cursor): only these three characters are quoted.
_BASE64_QUOTED = str.maketrans({"+": "%2B", "/": "%2F", "=": "%3D"})
# Characters `quote_plus` leaves as they are (its always-safe set; "/" is quoted).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")


def _quote_plus(text: str) -> str:
    """`quote_plus(text)`, without its work for text it leaves as it is (a row's id)."""
    return text if _UNQUOTED.fullmatch(text) else quote_plus(text)


def _without_parameter(url: str, parameter: str) -> str:
    """`url` without the query pairs `parse_qs` would read as `parameter` (the page's own
    cursor): every page of a list at other cursors then shares one `_link_frame`."""
    head, mark, rest = url.partition("?")
    if not mark or "#" in head:
        return url
    query, hash_mark, fragment = rest.partition("#")
    kept = [pair for pair in query.split("&") if _pair_name(pair) != parameter]
    return f"{head}?{'&'.join(kept)}{hash_mark}{fragment}"


def _pair_name(pair: str) -> str:
    """The name `parse_qs` reads from one `name=value` pair (or a bare `name`)."""
    name = pair.partition("=")[0]
    if "%" in name or "+" in name:
        return unquote(name.replace("+", " "), errors="replace")
    return name


@functools.lru_cache(maxsize=256)
def _link_frame(url: str, parameter: str) -> tuple[str, str]:
    """The text of a page's links before and after the cursor's (quoted) value.

    DRF's `replace_query_param(url, parameter, value)` splits the URL, parses its query, sets
    the parameter, and writes the query back sorted by name; every link of a page shares all
    of it but the value. Worked out once per base URL (tests/api/test_pagination_links.py
    compares the links with DRF's)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    parameters = parse_qs(query, keep_blank_values=True)
    parameters.pop(parameter, None)
    pairs = sorted([*parameters.items(), (parameter, [])])
    place = pairs.index((parameter, []))
    before = urlencode(pairs[:place], doseq=True)
    after = urlencode(pairs[place + 1 :], doseq=True)
    # urlunsplit adds "?query" and "#fragment" at the end; the query is never empty here.
    head = urlunsplit((scheme, netloc, path, "", ""))
    prefix = f"{head}?{before}&" if before else f"{head}?"
    suffix = (f"&{after}" if after else "") + (f"#{fragment}" if fragment else "")
    return f"{prefix}{quote_plus(parameter)}=", suffix


class PageCursor(NamedTuple):
    """A decoded cursor: DRF's (offset, reverse, position), and the id at the position.

    `position`: the first ordering field's value at the row the cursor names, as text; `tie`:
    the second ordering field's value (the row's id), None in a cursor minted before cursors
    named rows (then `offset` skips rows that share the position, as DRF's do).
    """

    offset: int
    reverse: bool
    position: str | None
    tie: str | None = None


@dataclass(frozen=True, slots=True)
class PageQuery:
    """The query of one cursor page.

    `ordering`: ORDER BY (already reversed for a cursor that goes back); `after`: the filter on
    the first ordering field, (field, "gt" or "lt", the cursor's position as a string) or None;
    `tie`: (the second ordering field, the id at the position) or None (an old cursor: see
    `treatments.selectors.rows_after`); then OFFSET `offset` (0 but for old cursors) and LIMIT
    `limit` (one more than the page).
    """

    ordering: tuple[str, ...]
    after: tuple[str, str, Any] | None
    offset: int
    limit: int
    tie: tuple[str, Any] | None = None


def page_from_queryset(queryset: Any, page: PageQuery) -> list[Any]:
    """The rows of `page` from `queryset`, asked of the ORM."""
    queryset = queryset.order_by(*page.ordering)
    if page.after is not None:
        queryset = rows_after(queryset, page.after, page.tie)
    return list(queryset[page.offset : page.offset + page.limit])


def reversed_ordering(ordering: tuple[str, ...]) -> tuple[str, ...]:
    """Each field of an ordering the other way round (DRF's `_reverse_ordering`)."""
    return tuple(field[1:] if field.startswith("-") else f"-{field}" for field in ordering)


class StrictCursorPagination(CursorPagination):
    """Keyset pagination whose bad parameters are a 400, not silently clamped or ignored."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering: tuple[str, ...] = ("title", "pk")
    ordering_query_param = "ordering"
    # The public ordering choices and the database ordering each stands for.
    orderings: dict[str, tuple[str, ...]] = {"title": ("title", "pk")}
    default_ordering = "title"
    # The ordering fields whose positions are dates (checked before they reach a query).
    date_fields: frozenset[str] = frozenset()

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: str.isdigit() also accepts "²" and "١٢", which are not page sizes.
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        choice = request.query_params.get(self.ordering_query_param, self.default_ordering)
        if choice not in self.orderings:
            raise ValidationError(
                {self.ordering_query_param: [f"Choose one of: {', '.join(self.orderings)}."]}
            )
        return self.orderings[choice]

    def invalid_cursor(self) -> ValidationError:
        """The 400 for a cursor this API did not issue."""
        return ValidationError(
            {self.cursor_query_param: ["This cursor is invalid; use a link from `next`."]}
        )

    def signed_ordering(self) -> tuple[str, ...]:
        """The ordering a cursor is signed for (the database ordering unless told otherwise)."""
        return tuple(self.ordering)

    def encode_cursor(self, cursor: Any) -> str:
        # DRF's encode_cursor (3.18), with the row's id (`PageCursor.tie`), and the cursor signed
        # before it is written into the link: the link `cursor_link_sealed(super().encode_cursor
        # (cursor), ...)` gives for a cursor without id, without writing and parsing the URL
        # twice (tests/api/test_pagination_links.py).
        # The query string DRF's `urlencode(tokens, doseq=True)` writes, pair by pair.
        pairs = []
        if cursor.offset != 0:
            pairs.append(f"o={cursor.offset}")
        if cursor.reverse:
            pairs.append("r=1")
        if cursor.position is not None:
            pairs.append("p=" + quote_plus(str(cursor.position)))
        tie = getattr(cursor, "tie", None)
        if tie is not None:
            pairs.append("i=" + _quote_plus(str(tie)))
        sealed = cursor_seal_querystring("&".join(pairs), self.signed_ordering())
        # DRF's replace_query_param(base_url, cursor parameter, sealed), with the rest of the
        # link written once per page instead of once per link.
        parameter = self.cursor_query_param
        before, after = _link_frame(_without_parameter(str(self.base_url), parameter), parameter)
        return before + sealed.translate(_BASE64_QUOTED) + after

    def decode_cursor(self, request: Any) -> Any:  # a PageCursor or None
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        querystring = cursor_verified_querystring(raw, self.signed_ordering())
        if querystring is None:
            raise self.invalid_cursor()
        # DRF's decode_cursor (3.18) on the verified query string, with the row's id (`i`).
        tokens = parse_qs(querystring, keep_blank_values=True)
        try:
            offset = int(tokens.get("o", ["0"])[0])
            reverse = bool(int(tokens.get("r", ["0"])[0]))
        except ValueError:
            raise self.invalid_cursor() from None
        position = tokens.get("p", [None])[0]
        tie = tokens.get("i", [None])[0]
        if offset < 0 or (tie is not None and position is None):
            raise self.invalid_cursor()
        # A cursor is opaque to clients but not tamper-proof (a holder of the secret can sign
        # anything): its values go into a query, and PostgreSQL refuses NUL in any text value.
        if any(value is not None and "\x00" in value for value in (position, tie)) or (
            position is not None
            and self.ordering[0].lstrip("-") in self.date_fields
            and not _date_position(position)
        ):
            raise self.invalid_cursor()
        return PageCursor(min(offset, self.offset_cutoff), reverse, position, tie)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        return self.paginate(
            request, view, queryset=queryset, fetch=lambda page: page_from_queryset(queryset, page)
        )

    def paginate(
        self,
        request: Any,
        view: Any,
        *,
        queryset: Any = None,
        fetch: Callable[["PageQuery"], list[Any]],
    ) -> list[Any] | None:
        """DRF's `paginate_queryset`, with the page's query left to `fetch`.

        The same steps and state as DRF's (so `get_next_link` and `get_previous_link` work as
        they do), except that the rows come from `fetch(PageQuery)`: `page_from_queryset` asks
        the ORM as DRF does; a view may send the same query compiled once
        (api/v1/catalogue.py). `queryset` only informs `get_ordering`.
        """
        try:
            return self._paginate(request, view, queryset, fetch)
        except (DjangoValidationError, OverflowError):
            # A forged position the ordering field cannot hold: a date that is not a date, or one
            # that leaves the representable range when converted to UTC.
            raise self.invalid_cursor() from None

    def _paginate(
        self, request: Any, view: Any, queryset: Any, fetch: Callable[["PageQuery"], list[Any]]
    ) -> list[Any] | None:
        # rest_framework.pagination.CursorPagination.paginate_queryset (3.18), step by step.
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        cursor = self.decode_cursor(request)
        self.cursor = cursor  # type: ignore[assignment]  # DRF's Cursor and an id
        offset, reverse, current_position, tie = cursor or PageCursor(0, False, None)
        after = None
        if current_position is not None:
            order = self.ordering[0]
            is_reversed = order.startswith("-")
            # (cursor reversed) XOR (ordering reversed)
            lookup = "lt" if reverse != is_reversed else "gt"
            after = (order.lstrip("-"), lookup, current_position)
        # One more row than the page, to tell whether a page follows.
        results = fetch(
            PageQuery(
                ordering=reversed_ordering(self.ordering) if reverse else tuple(self.ordering),
                after=after,
                offset=offset,
                limit=self.page_size + 1,
                tie=None if tie is None else (self.ordering[1].lstrip("-"), tie),
            )
        )
        self.page = list(results[: self.page_size])
        if len(results) > len(self.page):
            has_following_position = True
            following_position = self._get_position_from_instance(results[-1], self.ordering)
        else:
            has_following_position = False
            following_position = None
        if reverse:
            self.page = list(reversed(self.page))
            self.has_next = (current_position is not None) or (offset > 0)
            self.has_previous = has_following_position
            if self.has_next:
                self.next_position = current_position
            if self.has_previous:
                self.previous_position = following_position
        else:
            self.has_next = has_following_position
            self.has_previous = (current_position is not None) or (offset > 0)
            if self.has_next:
                self.next_position = following_position
            if self.has_previous:
                self.previous_position = current_position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self) -> str | None:
        """The page after this one: the rows after its last row (in page order)."""
        if not self.has_next:
            return None
        if not self.page:
            # An empty page read backwards: no row comes before the cursor; next is the first.
            return self.encode_cursor(PageCursor(0, False, None))
        return self.encode_cursor(self._row_cursor(self.page[-1], reverse=False))

    def get_previous_link(self) -> str | None:
        """The page before this one: the rows before its first row, read backwards."""
        if not self.has_previous:
            return None
        if not self.page:
            # An empty page read forwards: no row comes after the cursor; previous is the last.
            return self.encode_cursor(PageCursor(0, True, None))
        return self.encode_cursor(self._row_cursor(self.page[0], reverse=True))

    def _row_cursor(self, row: Any, *, reverse: bool) -> PageCursor:
        """A cursor naming `row`: both ordering fields' values, as text."""
        first, second = (self.ordering[0].lstrip("-"), self.ordering[1].lstrip("-"))
        if isinstance(row, dict):
            return PageCursor(0, reverse, str(row[first]), str(row[second]))
        return PageCursor(0, reverse, str(getattr(row, first)), str(getattr(row, second)))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": CURSOR_DESCRIPTION,
                "schema": CURSOR_SCHEMA,
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page, 1 to {self.max_page_size}; "
                f"default {self.page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A page as served: all three keys always sent, a link null at either end."""
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results", "links"],
            "properties": {
                # `example` values: drf-spectacular builds the page examples from them.
                "next": {
                    **link,
                    "description": "The next page, or null on the last.",
                    "example": None,
                },
                "previous": {
                    **link,
                    "description": "The previous page, or null on the first.",
                    "example": None,
                },
                "results": schema,
                "links": PAGE_LINKS_SCHEMA,
            },
        }

    def get_paginated_response(self, data: Any) -> Response:
        # `next`/`previous` absolute (deprecated, api/deprecation.py), `links` relative.
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        return Response(
            {
                "next": next_link,
                "previous": previous_link,
                "results": data,
                "links": page_links(next_link, previous_link),
            }
        )

    def query_parameters(self) -> set[str]:
        return {self.page_size_query_param, self.cursor_query_param, self.ordering_query_param}


class TreatmentCursorPagination(StrictCursorPagination):
    """Pages of published treatments, by title or by publication time."""

    orderings = {
        "title": ("title", "treatment_id"),
        "-title": ("-title", "-treatment_id"),
        "published_at": ("published_at", "treatment_id"),
        "-published_at": ("-published_at", "-treatment_id"),
    }
    date_fields = frozenset({"published_at", SEARCH_ORDERINGS["published_at"]})

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = super().get_ordering(request, queryset, view)
        # A PostgreSQL search carries index-free copies of the ordering columns: order by them
        # (same values, same order; see treatments.selectors.search.SEARCH_ORDERINGS).
        annotations = getattr(getattr(queryset, "query", None), "annotations", {})
        return tuple(_search_field(field, annotations) for field in ordering)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        return self.paginate(
            request, view, queryset=queryset, fetch=lambda page: search_page(queryset, page)
        )


def search_page(
    queryset: Any,
    page: PageQuery,
    read_bands: Callable[[BandRead], Sequence[Any]] | None = None,
) -> list[Any]:
    """A page as DRF reads it; a PostgreSQL search in title order band by band (same rows),
    each band read by `read_bands` if given (see `banded_search_page`)."""
    banded = banded_search_page(
        queryset,
        ordering=page.ordering,
        after=page.after,
        offset=page.offset,
        limit=page.limit,
        read_bands=read_bands,
        tie=page.tie,
    )
    return banded if banded is not None else page_from_queryset(queryset, page)


def _search_field(field: str, annotations: Any) -> str:
    sign, name = ("-", field[1:]) if field.startswith("-") else ("", field)
    copy = SEARCH_ORDERINGS.get(name)
    return f"{sign}{copy}" if copy is not None and copy in annotations else field


class CategoryCursorPagination(StrictCursorPagination):
    """Pages of categories by name, as each is named in the language of the answer.

    The database orders by `shown_name` (treatments.selectors.category_live_list); cursors are
    signed for the public ordering (`name`), so a cursor stays valid whatever the language.
    """

    orderings = {"name": ("shown_name", "pk"), "-name": ("-shown_name", "-pk")}
    default_ordering = "name"

    def signed_ordering(self) -> tuple[str, ...]:
        return tuple(field.replace("shown_name", "name") for field in self.ordering)
