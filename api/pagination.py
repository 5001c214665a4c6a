"""Cursor pagination over the read model: no COUNT(*), capped page size, strict parameters.

Cursors are signed: only a cursor this API issued (for the same ordering) is accepted, any
other (forged, edited, or from another ordering) is a 400 (`cursor_seal`, `cursor_verify`).
"""

import binascii
from base64 import b64decode, b64encode
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.crypto import constant_time_compare
from pydantic import BaseModel, Field
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from treatments.selectors import SEARCH_ORDERINGS

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
# a signed one adds `s=<HMAC of that query string and the ordering>` as the last pair, so it is
# still base64 of a query string (DRF's own decoding ignores `s`) and matches CURSOR_PATTERN.
CURSOR_SALT = "treatment-knowledge.cursor.v1"
SIGNATURE_PAIR = "s="


def _cursor_signature(querystring: str, ordering: tuple[str, ...], key: str | bytes) -> str:
    signer = signing.Signer(key=key, salt=f"{CURSOR_SALT}:{','.join(ordering)}")
    return signer.signature(querystring)


def cursor_seal(encoded: str, ordering: tuple[str, ...]) -> str:
    """A cursor DRF encoded, signed for this ordering with SECRET_KEY."""
    querystring = b64decode(encoded.encode("ascii")).decode("ascii")
    signature = _cursor_signature(querystring, ordering, settings.SECRET_KEY)
    sealed = (
        f"{querystring}&{SIGNATURE_PAIR}{signature}"
        if querystring
        else (SIGNATURE_PAIR + signature)
    )
    return b64encode(sealed.encode("ascii")).decode("ascii")


def cursor_verify(raw: str, ordering: tuple[str, ...]) -> bool:
    """Whether `raw` is a cursor this API signed for this ordering (SECRET_KEY or a fallback)."""
    try:
        text = b64decode(raw.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return False
    querystring, _, last = text.rpartition("&")
    if not last.startswith(SIGNATURE_PAIR):
        return False
    signature = last.removeprefix(SIGNATURE_PAIR)
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(signature, _cursor_signature(querystring, ordering, key))
        for key in keys
    )


def cursor_link_sealed(url: str, name: str, ordering: tuple[str, ...]) -> str:
    """A page link whose `name` cursor parameter is signed (see `cursor_seal`)."""
    encoded = parse_qs(urlsplit(url).query).get(name, [""])[0]
    return replace_query_param(url, name, cursor_seal(encoded, ordering))


class StrictCursorPagination(CursorPagination):
    """Keyset pagination whose bad parameters are a 400, not silently clamped or ignored."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering = ("title", "pk")
    ordering_query_param = "ordering"
    # The public ordering choices and the database ordering each stands for.
    orderings: dict[str, tuple[str, ...]] = {"title": ("title", "pk")}
    default_ordering = "title"

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
        url: str = super().encode_cursor(cursor)
        return cursor_link_sealed(url, self.cursor_query_param, self.signed_ordering())

    def decode_cursor(self, request: Any) -> Any:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is not None and not cursor_verify(raw, self.signed_ordering()):
            raise self.invalid_cursor()
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self.invalid_cursor() from None
        # A cursor is opaque to clients but not tamper-proof: its position goes into a query, and
        # PostgreSQL refuses NUL in any text value. (The stubs type the position as int; decoded
        # from a cursor it is always a string.)
        position = cursor.position if cursor is not None else None
        if isinstance(position, str) and "\x00" in position:
            raise self.invalid_cursor()
        return cursor

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, OverflowError):
            # A forged position the ordering field cannot hold: a date that is not a date, or one
            # that leaves the representable range when converted to UTC.
            raise self.invalid_cursor() from None

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

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = super().get_ordering(request, queryset, view)
        # A PostgreSQL search carries index-free copies of the ordering columns: order by them
        # (same values, same order; see treatments.selectors.search.SEARCH_ORDERINGS).
        annotations = getattr(getattr(queryset, "query", None), "annotations", {})
        return tuple(_search_field(field, annotations) for field in ordering)


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
