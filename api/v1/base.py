"""The base kit of every public read view: anonymous, strict, rate-limited, stored bytes.

`PublicView` answers with stored bytes (`stored`), keeps repeat reads in a worker memory
(`hot_memory`, `hot_key`, `remember`) and answers them before DRF (`answer_from_memory`; a view
may answer plain misses there too, `answer_plain_miss`). The
concrete views (api/v1/views.py, the renditions, sync, oEmbed) import this module; it imports
none of them.
"""

import datetime as dt
import functools
from collections.abc import Callable, Hashable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from api.conditional import (
    VARY_LANGUAGE,
    is_not_modified,
    json_bytes_response,
    not_modified,
    stamp,
)
from api.hot import (
    AnonymousReader,
    WorkerMemory,
    accepts_json_plainly,
    hot_document_for,
    serve_hot,
)
from api.live.headers import live_cache_control
from api.pagination import StrictCursorPagination
from api.partner_keys import ApiKeyAuthentication, hot_api_key
from api.querystrict import StrictQueryParametersMixin
from api.replica import public_reads
from api.throttles import refund_free_answers
from treatments.documents.build import etag_for, to_json

# The request attribute that carries the view HotReadMiddleware tried before URL resolution.
TRIED_EARLY = "public_view_tried_early"


def tried_early(request: HttpRequest, view: "PublicView") -> None:
    """Note that `view` tried to answer `request` from memory and as a plain miss, and could
    not: the view that URL resolution reaches does not try again (no second query)."""
    setattr(request, TRIED_EARLY, view)


class PublicView(StrictQueryParametersMixin, APIView):
    """A public, read-only view: anonymous access, strict query parameters, stored bytes."""

    permission_classes = [AllowAny]
    # Partner keys only: they raise limits, never grant rights (see api/partner_keys.py).
    authentication_classes: list = [ApiKeyAuthentication]
    HOT_ALLOW = "GET, HEAD, OPTIONS"

    def hot_memory(self) -> WorkerMemory | None:
        """The worker memory this view answers repeat reads from (None: no hot path)."""
        return None

    def hot_key(self, request: HttpRequest, kwargs: dict[str, Any]) -> Hashable | None:
        """This request's key in `hot_memory()` (None: never answered from memory)."""
        return None

    def memory_key(self, request: HttpRequest, kwargs: dict[str, Any]) -> Hashable | None:
        """`hot_key`, worked out once per request: `answer_from_memory` and then
        `answer_plain_miss` ask for it (a list page's key parses the query string)."""
        known = self.__dict__.get("_memory_key_of")
        if known is not None and known[0] is request:
            key: Hashable | None = known[1]
            return key
        key = self.hot_key(request, kwargs)
        self._memory_key_of = (request, key)
        return key

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with public_reads(request):  # on the read replica, when there is one (api.replica)
            hot = None
            earlier = request.__dict__.pop(TRIED_EARLY, None)
            if earlier is not None and type(earlier) is type(self):
                self.learn_from(earlier)  # HotReadMiddleware tried both for this request
            else:
                hot = self.answer_from_memory(request, kwargs)
                if hot is None:
                    hot = self.answer_plain_miss(request, kwargs)
            return hot if hot is not None else super().dispatch(request, *args, **kwargs)

    def learn_from(self, earlier: "PublicView") -> None:
        """Take what `earlier` (the same view, before URL resolution) learned about this
        request while it tried `answer_from_memory` and `answer_plain_miss`; nothing by
        default."""

    def answer_from_memory(
        self, request: HttpRequest, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        """The hot path: a plain GET/HEAD of something this worker served since the change log
        last moved, answered from memory, skipping DRF's request machinery but not the rate
        limit. None for anything else (unusual Accept, other methods, misses): DRF answers it,
        validating and answering errors exactly as documented; only what DRF answered is ever
        kept, so a hit was a valid request. Called by `dispatch`, and before URL resolution by
        `api.v1.hot_reads.HotReadMiddleware`.
        """
        memory = self.hot_memory()
        if (
            memory is None
            or not memory.enabled
            or request.method not in ("GET", "HEAD")
            or not accepts_json_plainly(request.META.get("HTTP_ACCEPT"))
        ):
            return None
        key = self.memory_key(request, kwargs)
        entry = memory.get(key) if key is not None else None
        if entry is None or not self._hot_throttles_allow(request):
            return None
        response = serve_hot(request, entry, self.HOT_ALLOW)
        refund_free_answers(self.get_throttles(), response)
        return response

    def answer_plain_miss(
        self, request: HttpRequest, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        """A miss the view can answer before DRF's request machinery, exactly as DRF would
        answer it (same bytes and headers), or None: DRF answers it. Called by `dispatch`
        after `answer_from_memory` found nothing; none by default."""
        return None

    def remember(
        self,
        request: HttpRequest,
        generation: Any,
        *,
        body: str,
        etag: str,
        last_modified: dt.datetime,
        cache_control: str,
        language: str = "",
        headers: dict[str, str] | None = None,
        kwargs: dict[str, Any] | None = None,
        tag: Hashable | None = None,
    ) -> None:
        """Keep an answer in `hot_memory()` for the generation read before it was built.

        `tag`: the one treatment the answer shows, so that only a change of it drops the
        answer; None (a page of many) drops it on any change.
        """
        memory = self.hot_memory()
        key = self.hot_key(request, kwargs or {})
        if memory is None or key is None or not memory.enabled:
            return
        entry = hot_document_for(
            body=body,
            etag=etag,
            last_modified=last_modified,
            cache_control=cache_control,
            language=language,
            headers=headers,
        )
        memory.put(key, entry, generation=generation, tag=tag)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.check_query_parameters(request)

    def get_throttles(self) -> list[BaseThrottle]:
        # The same instances that charged the request can refund it (see finalize_response).
        if not hasattr(self, "_throttles"):
            self._throttles = super().get_throttles()
        return self._throttles

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        refund_free_answers(self.get_throttles(), response)
        return response

    def _hot_throttles_allow(self, request: HttpRequest) -> bool:
        """The rate limit, for fast paths that answer without DRF's request machinery."""
        reader = AnonymousReader(request)
        try:
            reader.auth = hot_api_key(request)
        except APIException:
            return False  # DRF's path answers the 400/401/403 exactly as documented
        throttles = self.get_throttles()
        if not throttles:
            return True
        return all(throttle.allow_request(reader, self) for throttle in throttles)  # type: ignore[arg-type]

    def cursor_paginator(self) -> StrictCursorPagination:
        paginator = getattr(self, "paginator", None)
        assert isinstance(paginator, StrictCursorPagination), "set a cursor pagination_class"
        return paginator

    def stored(
        self,
        request: HttpRequest,
        *,
        body: str | bytes,
        etag: str | None = None,
        last_modified: dt.datetime,
        cache_control: str,
    ) -> HttpResponse:
        """Answer with stored bytes, or 304 when the client's copy is current."""
        etag = etag or etag_for(body)
        if is_not_modified(request, etag=etag, last_modified=last_modified):
            return not_modified(etag=etag, last_modified=last_modified, cache_control=cache_control)
        response = json_bytes_response(body)
        return stamp(response, etag=etag, last_modified=last_modified, cache_control=cache_control)

    def stored_page(
        self,
        request: Request,
        generation: Any,
        body: str,
        last_modified: dt.datetime,
        *,
        language: str = "",
    ) -> HttpResponse:
        """Answer with a page's bytes (ETag: their hash) and keep them for repeat reads.

        A page with a `language` was negotiated on Accept-Language: it says its language
        (Content-Language) and varies on Accept-Language, from memory as well (`serve_hot`).
        """
        etag, cache_control = etag_for(body), live_cache_control()
        self.remember(
            request,
            generation,
            body=body,
            etag=etag,
            last_modified=last_modified,
            cache_control=cache_control,
            language=language,
        )
        response = self.stored(
            request, body=body, etag=etag, last_modified=last_modified, cache_control=cache_control
        )
        if language:
            response["Content-Language"] = language
            response["Vary"] = VARY_LANGUAGE
        return response

    def constant(self, request: HttpRequest, build: Callable[[], Any]) -> HttpResponse:
        """Answer with a body that never changes in this process (built once)."""
        body, built = _constant_body(build)
        return self.stored(
            request, body=body, last_modified=built, cache_control=live_cache_control()
        )


@functools.cache
def _constant_body(build: Callable[[], Any]) -> tuple[str, dt.datetime]:
    """A body that never changes in this process, serialised once, and when that was."""
    return to_json(build()), timezone.now().replace(microsecond=0)
