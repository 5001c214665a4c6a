"""The delta feed (`/sync/`) for mobile apps, and the scope parameters the bundle shares.

It serves stored document bytes (links added at the edge) and never re-serialises a document.
The offline bundle is api/v1/sync/bundle_views.py.
"""

import datetime as dt
import functools
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from api.conditional import is_not_modified_raw
from api.hot import accepts_json_plainly, change_log_head
from api.live.documents import Gone
from api.openapi import read_operation
from api.throttles import FREE_OF_CHARGE, refund_free_answers
from treatments import selectors
from treatments.documents.build import etag_for, to_json
from treatments.documents.schema import LANGUAGE_PATTERN, SLUG_PATTERN
from treatments.selectors import SyncScope

from ..base import PublicView
from ..examples import sync_example
from ..links import document_links, with_links
from .schemas import SyncPage
from .tokens import SyncToken, decode

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Sync answers change as content changes: caches may store them but must revalidate (ETag).
SYNC_CACHE_CONTROL = "public, no-cache"
SCOPE_PARAMETERS = ("category", "language")


def scope_from(request: Request) -> SyncScope:
    """The sync (or bundle) scope the query asks for; a 400 names a malformed parameter."""
    category = request.query_params.get("category")
    language = request.query_params.get("language")
    errors = {}
    if category is not None and not (len(category) <= 80 and re.match(SLUG_PATTERN, category)):
        errors["category"] = ["Give a category slug, e.g. `pain-treatments`."]
    if language is not None and not (len(language) <= 35 and re.match(LANGUAGE_PATTERN, language)):
        errors["language"] = ["Give a BCP 47 language tag, e.g. `en` or `en-GB`."]
    if errors:
        raise ValidationError(errors)
    return SyncScope(category=category, language=language)


def _page_size(request: Request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE):
        raise ValidationError({"page_size": [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


def _document(row: dict[str, Any] | Any) -> str:
    slug = row["slug"] if isinstance(row, dict) else row.slug
    number = row["revision_number"] if isinstance(row, dict) else row.revision_number
    body = row["document_json"] if isinstance(row, dict) else row.document_json
    return with_links(body, document_links(slug, number))


def _page_body(
    upserts: list[str],
    deletions: list[dict[str, Any]],
    next_page: str | None,
    next_sync: str | None,
) -> str:
    return (
        '{"upserts":['
        + ",".join(upserts)
        + '],"deletions":'
        + to_json(deletions)
        + ',"next_page_token":'
        + to_json(next_page)
        + ',"next_sync_token":'
        + to_json(next_sync)
        + "}"
    )


def _log_retention_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=settings.SYNC_LOG_RETENTION_DAYS)


TOKEN = OpenApiParameter(
    "token",
    {"type": "string", "minLength": 1, "maxLength": 500},
    description="A `next_page_token` or `next_sync_token` from an earlier answer, as received. "
    "Without it, a full sync starts.",
)
PAGE_SIZE = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    description=f"Treatments per page, 1 to {MAX_PAGE_SIZE}; default {DEFAULT_PAGE_SIZE}.",
)
CATEGORY = OpenApiParameter(
    "category",
    {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80},
    description="Full sync only: sync one category (the scope is then bound into the tokens).",
)
LANGUAGE = OpenApiParameter(
    "language",
    {"type": "string", "pattern": LANGUAGE_PATTERN, "maxLength": 35},
    description="Full sync only: sync one language (BCP 47), bound into the tokens.",
)


# This worker's view of the change-log head, shared with the hot documents and pages
# (api/hot.py): re-read at most every PUBLIC_MEMORY_TTL seconds, at once after a change
# committed in this process. An idle fleet polls with tokens already at the head; answering
# those from memory skips DRF. A change published by another worker is seen within that time
# (the client then gets it on its next poll: its token does not move, so nothing is missed).
_head = change_log_head()


@functools.lru_cache(maxsize=4096)
def _empty_delta(raw: str) -> tuple[SyncToken, str, str]:
    """A token's position and its empty-delta body and ETag (a fleet polls few positions)."""
    return decode(raw), _page_body([], [], None, raw), etag_for(raw)


class SyncView(PublicView):
    """The delta feed: a full sync in pages, then only what changed, deletions included."""

    def query_parameter_names(self) -> set[str]:
        return {"token", "page_size", *SCOPE_PARAMETERS}

    def answer_from_memory(
        self, request: HttpRequest, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        """The hot path of an idle fleet: a plain GET with only a token that is already at the
        head is answered from memory, before URL resolution (`api.v1.hot_reads`) or else first
        in `dispatch`. Anything else goes through DRF, which validates and answers errors
        exactly as documented."""
        params = request.GET
        if (
            not _head.enabled
            or request.method != "GET"
            or list(params) != ["token"]
            or len(params.getlist("token")) != 1
            or not accepts_json_plainly(request.META.get("HTTP_ACCEPT"))
        ):
            return None
        try:
            token, body, etag = _empty_delta(params["token"])
        except ValidationError:
            return None
        if token.mode != "delta" or token.upto is not None:
            return None
        if token.since < _head.generation()[0]:
            return None
        if not self._hot_throttles_allow(request):
            return None
        response = sync_answer(request, body, etag=etag)
        setattr(response, FREE_OF_CHARGE, True)
        refund_free_answers(self.get_throttles(), response)
        return response

    @read_operation(
        operation_id="sync",
        tag="sync",
        description=(
            "Offline sync for apps. Without `token`: a full sync of every live document (in "
            "scope), in pages; follow `next_page_token` until an answer carries "
            "`next_sync_token`. Later, call with that token to get only what changed since: "
            "upserts (full documents) and deletions (tombstones), each treatment at most once, "
            "in its latest state. An empty delta is cheap: send `If-None-Match` with its ETag "
            "to get a 304. A changed token is a 400; a token older than the change log keeps "
            f"({settings.SYNC_LOG_RETENTION_DAYS} days of changes) is a 410: start over."
        ),
        ok=SyncPage,
        ok_description="A page of the sync.",
        parameters=[TOKEN, PAGE_SIZE, CATEGORY, LANGUAGE],
        not_found=False,
        gone=True,
        example=sync_example(),
        last_modified=False,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = _page_size(request)
        raw = request.query_params.get("token")
        if raw is None:
            scope = scope_from(request)
            token = SyncToken(mode="snapshot", since=selectors.change_log_head(), scope=scope)
        else:
            bound = [name for name in SCOPE_PARAMETERS if name in request.query_params]
            if bound:
                raise ValidationError(
                    {
                        name: ["The scope is bound into the token; leave this parameter out."]
                        for name in bound
                    }
                )
            token = decode(raw)
        if token.mode == "snapshot":
            body = self._snapshot_page(token, limit)
        elif token.upto is None:
            first = selectors.sync_first_change_after(scope=token.scope, since=token.since)
            if first is None:
                # Nothing new: the cheapest answer of the API (one indexed query, no documents),
                # and free of charge for the rate limit (an idle fleet polls all day).
                assert raw is not None  # a delta position always comes from a token
                empty = sync_answer(request, _page_body([], [], None, raw), etag=etag_for(raw))
                setattr(empty, FREE_OF_CHARGE, True)
                return empty
            if first < _log_retention_cutoff():
                raise Gone(
                    "This sync token is older than the changes the API keeps "
                    f"({settings.SYNC_LOG_RETENTION_DAYS} days). Start over with a full sync "
                    "(call without a token) and replace what you hold."
                )
            upto = selectors.change_log_head()
            body = self._delta_page(
                SyncToken(mode="delta", since=token.since, scope=token.scope, upto=upto), limit
            )
        else:
            body = self._delta_page(token, limit)
        return sync_answer(request, body, etag=etag_for(body))

    def _snapshot_page(self, token: SyncToken, limit: int) -> str:
        rows = selectors.sync_live_page(scope=token.scope, after=token.after_id, limit=limit)
        page, more = rows[:limit], len(rows) > limit
        if more:
            following = SyncToken(
                mode="snapshot",
                since=token.since,
                scope=token.scope,
                after_id=page[-1]["treatment_id"],
            )
            return _page_body([_document(r) for r in page], [], following.encode(), None)
        done = SyncToken(mode="delta", since=token.since, scope=token.scope)
        return _page_body([_document(r) for r in page], [], None, done.encode())

    def _delta_page(self, token: SyncToken, limit: int) -> str:
        assert token.upto is not None
        changed = selectors.sync_changed_page(
            scope=token.scope,
            since=token.since,
            upto=token.upto,
            after=token.after_sequence,
            limit=limit,
        )
        page, more = changed[:limit], len(changed) > limit
        states = selectors.sync_states(scope=token.scope, treatment_ids=[t for t, _ in page])
        upserts, deletions = [], []
        for treatment_id, _ in page:
            state = states[treatment_id]
            if state.live and state.in_scope:
                upserts.append(_document(state.__dict__))
            else:
                deletions.append(
                    {
                        "id": str(state.treatment_id),
                        "slug": state.slug,
                        "reason": state.gone_reason,
                        "since": state.gone_since.isoformat().replace("+00:00", "Z")
                        if state.gone_since
                        else None,
                    }
                )
        if more:
            following = SyncToken(
                mode="delta",
                since=token.since,
                scope=token.scope,
                upto=token.upto,
                after_sequence=page[-1][1],
            )
            return _page_body(upserts, deletions, following.encode(), None)
        done = SyncToken(mode="delta", since=token.upto, scope=token.scope)
        return _page_body(upserts, deletions, None, done.encode())


def sync_answer(request: HttpRequest, body: str, *, etag: str) -> HttpResponse:
    """A sync-family JSON answer (feed page, bundle manifest): 304 on a matching
    If-None-Match, else the body; with its ETag and the sync cache headers either way."""
    response: HttpResponse
    if is_not_modified_raw(
        request.META.get("HTTP_IF_NONE_MATCH"), None, etag=etag, last_modified_epoch=0
    ):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = SYNC_CACHE_CONTROL
    response["Vary"] = "Accept, Accept-Encoding"
    return response
