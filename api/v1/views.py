"""Public read views of API v1: published content only, served from stored bytes."""

import datetime as dt
import functools
from collections.abc import Hashable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from api.hot import WorkerMemory, accepts_json_plainly, hot_document_for, page_key, serve_hot
from api.live.documents import locate_live, raise_if_known_withdrawn
from api.live.headers import live_cache_control
from api.live.memories import (
    document_memory_key,
    hot_documents,
    hot_pages,
    withdrawn_documents,
)
from api.openapi import (
    CONTENT_LANGUAGE,
    CONTENT_LOCATION,
    DOCUMENT_LINK,
    KEY_PARAMETER,
    NUMBER_PARAMETER,
    read_operation,
)
from api.pagination import CategoryCursorPagination, TreatmentCursorPagination, page_links
from api.prepared import prepared_reads
from api.querystrict import query_string_not_utf8
from api.throttles import refund_free_answers
from treatments import selectors
from treatments.documents.build import etag_for, to_json
from treatments.documents.codes import TOKEN_PATTERN
from treatments.documents.schema import (
    LANGUAGE_PATTERN,
    SCHEMA_VERSION,
    SCHEMA_VERSIONS,
    SLUG_PATTERN,
    TreatmentDocument,
    document_json_schema,
)
from treatments.documents.text import TEXT_PATTERN
from treatments.languages import MAX_TAG_LENGTH, accept_language_ranges
from treatments.models import Publication

from . import examples
from .base import PublicView
from .catalogue import catalogue, catalogue_page, catalogue_search_page
from .filters import (
    DRUG_PATTERN,
    MAX_CODE_TOKEN_LENGTH,
    MAX_DRUG_LENGTH,
    MAX_QUERY_LENGTH,
    SEARCH_HELP,
    TreatmentFilterSet,
)
from .languages import (
    ACCEPT_LANGUAGE_PARAMETER,
    CATEGORY_LANG_PARAMETER,
    LANG_PARAMETER,
    TRANSLATION_FIELDS,
    category_languages,
    is_translation,
    language_ranges,
    negotiate,
)
from .links import document_links, treatment_path, with_links, with_self_link
from .renditions.fhir import fhir_response
from .renditions.jsonld import detail_jsonld_view, prefers_jsonld
from .renditions.media import FhirAlternateSchema, FhirJsonRenderer
from .serializers import (
    CategorySerializer,
    RevisionDiffSerializer,
    RevisionPageSerializer,
    RevisionSummarySerializer,
    TreatmentSummarySerializer,
)

FILTER_PARAMETERS = frozenset(TreatmentFilterSet.query_parameters())
# The search filter's own form field: a search alone is validated by the FilterSet's rules
# without building the FilterSet (django-filter deep-copies every filter per instance).
SEARCH_FIELD = TreatmentFilterSet.base_filters["q"].field


# A revision never changes, but a withdrawn treatment's revisions must leave caches within the
# live-document max-age (they answer 410 once it is withdrawn), so they are not `immutable`.
REVISION_CACHE_CONTROL = live_cache_control
# The live publication's columns the detail view reads (one query), the translation link too.
DETAIL_FIELDS = (
    "etag",
    "published_at",
    "document_json",
    "slug",
    "revision_number",
    "language",
    *TRANSLATION_FIELDS,
)


def _page_body(paginator: Any, items: list[str]) -> str:
    # `next`/`previous` absolute (deprecated, api/deprecation.py), `links` relative.
    next_link, previous_link = paginator.get_next_link(), paginator.get_previous_link()
    return (
        '{"next":'
        + to_json(next_link)
        + ',"previous":'
        + to_json(previous_link)
        + ',"results":['
        + ",".join(items)
        + '],"links":'
        + to_json(page_links(next_link, previous_link))
        + "}"
    )


def _latest_change() -> dt.datetime:
    latest = selectors.publication_live_list().aggregate(latest=Max("changed_at"))["latest"]
    return latest or timezone.now().replace(microsecond=0)


def list_item(publication: Any) -> str:
    """A list item: the stored summary with its language and links, without parsing it."""
    # Summaries are stored without the language (it is a column of the read model), so that
    # every stored row, old or new, states it the same way.
    summary: str = publication.summary_json
    stated = f'{summary[:-1]},"language":{language_json(publication.language)}}}'
    return with_self_link(stated, treatment_path(publication.slug))


@functools.lru_cache(maxsize=256)
def language_json(language: str) -> str:
    """A language tag as JSON (a catalogue holds a few: each written once per worker)."""
    return to_json(language)


class CategoryListView(PublicView, generics.ListAPIView):
    """Categories that hold published treatments, named in the language asked for."""

    pagination_class = CategoryCursorPagination

    def query_parameter_names(self) -> set[str]:
        return CategoryCursorPagination().query_parameters() | {"lang"}

    def get_queryset(self) -> Any:
        return selectors.category_live_list()

    def hot_memory(self) -> WorkerMemory:
        return hot_pages()

    def hot_key(self, request: HttpRequest, kwargs: dict[str, Any]) -> Hashable | None:
        # The page as negotiated on Accept-Language (`?lang=` is in the query already).
        key = page_key(request, "categories")
        return None if key is None else document_memory_key(key, request.META)

    @read_operation(
        operation_id="categories_list",
        tag="categories",
        description="Categories that hold at least one published treatment, by name. Named in "
        "the language asked for (`?lang=`, else `Accept-Language`, looked up as RFC 4647 says: "
        "`es-MX` finds `es`) where a published document in that language gave the category "
        "its name; else in the catalogue's language. Each item's `language` says which.",
        ok=CategorySerializer(many=True),
        ok_description="A page of categories.",
        parameters=[
            OpenApiParameter("ordering", str, enum=["name", "-name"], default="name"),
            CATEGORY_LANG_PARAMETER,
            ACCEPT_LANGUAGE_PARAMETER,
        ],
        not_found=False,
        example=examples.category_example(),
        extra_headers=[
            CONTENT_LANGUAGE.on(
                200,
                304,
                description="The language asked for when any category has a published name "
                "in it, else the catalogue's (BCP 47); each item states its own.",
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        generation = hot_pages().generation()
        chosen = category_languages(language_ranges(request))
        paginator = self.cursor_paginator()
        categories = selectors.category_live_list(languages=chosen.order)
        page: list[Any] = paginator.paginate_queryset(categories, request, view=self) or []
        items = [to_json(CategorySerializer(c).data) for c in page]
        body = _page_body(paginator, items)
        return self.stored_page(
            request, generation, body, _latest_change(), language=chosen.language
        )


class TreatmentListView(PublicView, generics.ListAPIView):
    """Published treatments as compact summaries, filtered, searched and cursor-paginated."""

    pagination_class = TreatmentCursorPagination
    filterset_class = TreatmentFilterSet

    def query_parameter_names(self) -> set[str]:
        return (
            TreatmentFilterSet.query_parameters() | TreatmentCursorPagination().query_parameters()
        )

    def get_queryset(self) -> Any:
        # A copy of a queryset built once: building it cost a list miss more than 10 % of its
        # time (bench/PROFILE.md), a copy almost nothing. It is never evaluated itself.
        return catalogue(every_language="language" in self.request.query_params).all()

    def hot_memory(self) -> WorkerMemory:
        return hot_pages()

    def hot_key(self, request: HttpRequest, kwargs: dict[str, Any]) -> Hashable | None:
        return page_key(request, "treatments")

    @read_operation(
        operation_id="treatments_list",
        tag="treatments",
        description=(
            "Published treatments as compact summaries. Filters combine with AND. Cursor "
            "pagination: follow `next`; there is no total count. Unknown parameters are a 400."
        ),
        ok=TreatmentSummarySerializer(many=True),
        ok_description="A page of treatment summaries.",
        parameters=[
            OpenApiParameter(
                "ordering", str, enum=list(TreatmentCursorPagination.orderings), default="title"
            ),
            OpenApiParameter(
                "category",
                {"type": "string", "minLength": 1, "maxLength": 80, "pattern": SLUG_PATTERN},
                description="Category slug, e.g. `pain-treatments`.",
            ),
            OpenApiParameter(
                "q",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_QUERY_LENGTH,
                    "pattern": TEXT_PATTERN,
                },
                description=SEARCH_HELP,
            ),
            OpenApiParameter(
                "language",
                {
                    "type": "string",
                    "minLength": 2,
                    "maxLength": MAX_TAG_LENGTH,
                    "pattern": LANGUAGE_PATTERN,
                },
                description="Only documents written in this language (BCP 47), translations "
                "included, e.g. `es`. Without it the list shows each treatment once, in its "
                "source language. A malformed tag is a 400.",
            ),
            OpenApiParameter(
                "onset_within_weeks",
                {"type": "number", "minimum": 0, "maximum": 520},
                description="Treatments whose effect is first noticed within this many weeks "
                "(the earliest end of any onset event).",
            ),
            OpenApiParameter(
                "code",
                {
                    "type": "string",
                    "minLength": 3,
                    "maxLength": MAX_CODE_TOKEN_LENGTH,
                    "pattern": TOKEN_PATTERN,
                },
                description="Treatments carrying this clinical code anywhere, as "
                "`<system>|<code>` (FHIR token search), e.g. `http://snomed.info/sct|<code>`.",
            ),
            OpenApiParameter(
                "drug",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_DRUG_LENGTH,
                    "pattern": DRUG_PATTERN,
                },
                description="Treatments giving this drug (a medication's name or class, "
                "whole and case-insensitive).",
            ),
        ],
        not_found=False,
        example=examples.list_example(),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        generation = hot_pages().generation()
        paginator = self.cursor_paginator()
        # django-filter deep-copies every filter per request: unfiltered pages and plain
        # searches skip it. Filter parameters were already checked against the allowlist.
        filters = FILTER_PARAMETERS.intersection(request.query_params)
        if not filters:
            # The plain catalogue: its page query is compiled once per connection.
            page = paginator.paginate(request, self, fetch=catalogue_page)
        elif filters == {"q"}:
            # A plain search of the catalogue: its band reads are compiled once per connection.
            searched = selectors.publication_search(
                self.get_queryset(), query=_search_query(request.query_params["q"])
            )
            page = paginator.paginate(
                request,
                self,
                queryset=searched,
                fetch=functools.partial(catalogue_search_page, searched),
            )
        else:
            queryset = self.filter_queryset(self.get_queryset())
            page = paginator.paginate_queryset(queryset, request, view=self)
        body, last = _treatment_page(paginator, page or [])
        return self.stored_page(request, generation, body, last)

    def answer_plain_miss(
        self, request: HttpRequest, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        """A plain catalogue page or plain search the memory does not hold, answered before
        DRF's request machinery, exactly as `get` answers it (tests/api/test_list_plain_miss.py).

        Only what a hit would be served for (a GET with a plain JSON Accept and a memory key),
        with no parameter but `cursor`, `page_size`, `ordering` and `q`, each given once and
        valid: the page is read as `get` reads it, kept in memory, and served as the hit that
        follows will be (`serve_hot`). None for anything else (filters, HEAD, a parameter DRF
        would refuse, a refused key or rate limit): DRF answers it as documented.
        """
        memory_key = self.memory_key(request, kwargs)
        if (
            memory_key is None
            or request.method != "GET"
            or not accepts_json_plainly(request.META.get("HTTP_ACCEPT"))
            or query_string_not_utf8(request.META.get("QUERY_STRING", ""))
            or not _plain_page_parameters(request)
        ):
            return None
        memory = hot_pages()
        generation = memory.generation()
        paginator = TreatmentCursorPagination()
        words = request.GET.get("q")
        try:
            if words is None:
                rows = paginator.paginate(Request(request), self, fetch=catalogue_page)
            else:
                searched = selectors.publication_search(
                    catalogue(every_language=False).all(), query=_search_query(words)
                )
                fetch = functools.partial(catalogue_search_page, searched)
                rows = paginator.paginate(Request(request), self, queryset=searched, fetch=fetch)
        except ValidationError:
            return None  # DRF answers the 400 (a bad cursor, page size, ordering or search)
        # After the query, as the hot path checks after its lookup: a refused request costs
        # one query, and DRF then answers the 429 (charging no second time).
        if not self._hot_throttles_allow(request):
            return None
        body, last = _treatment_page(paginator, rows or [])
        entry = hot_document_for(
            body=body, etag=etag_for(body), last_modified=last, cache_control=live_cache_control()
        )
        memory.put(memory_key, entry, generation=generation)  # untagged: any change drops it
        response = serve_hot(request, entry, self.HOT_ALLOW)
        refund_free_answers(self.get_throttles(), response)
        return response


# The parameters of a plain catalogue page or search (TreatmentListView.answer_plain_miss).
PLAIN_PAGE_PARAMETERS = frozenset({*TreatmentCursorPagination().query_parameters(), "q"})


def _plain_page_parameters(request: HttpRequest) -> bool:
    """True when the query holds plain page parameters only, each once, none empty (the
    strict check's rules, api/querystrict.py: anything else is DRF's to refuse)."""
    for name, values in request.GET.lists():
        if name not in PLAIN_PAGE_PARAMETERS or len(values) != 1 or not values[0].strip():
            return False
    return True


def _treatment_page(paginator: Any, page: list[Any]) -> tuple[str, dt.datetime]:
    """A page's body and its Last-Modified (its newest change; the catalogue's when empty)."""
    body = _page_body(paginator, [list_item(p) for p in page])
    return body, max((p.changed_at for p in page), default=None) or _latest_change()


def _search_query(value: str) -> str:
    """A search query checked by the search filter's own rules (a 400 names `q`)."""
    try:
        cleaned: str = SEARCH_FIELD.clean(value)
    except DjangoValidationError as error:
        raise ValidationError({"q": error.messages}) from None
    return cleaned


class TreatmentDetailView(PublicView):
    """The full published document of a treatment."""

    # `Accept: application/fhir+json` answers the FHIR Bundle (api/v1/renditions/fhir.py). The
    # hot path never sees it: that Accept header is not plain JSON.
    renderer_classes = [*PublicView.renderer_classes, FhirJsonRenderer]
    schema = FhirAlternateSchema()
    # A key `answer_plain_miss` found to be no live slug: `get` does not ask again.
    not_a_live_slug: str | None = None

    def hot_memory(self) -> WorkerMemory:
        return hot_documents()

    def hot_key(self, request: HttpRequest, kwargs: dict[str, Any]) -> Hashable | None:
        # Only the canonical slug is kept (see `get`), with the Accept-Language it answered;
        # a query string (`?lang=`, or a 400 from DRF) is never kept.
        if request.META.get("QUERY_STRING"):
            return None
        return document_memory_key(kwargs.get("key"), request.META)

    def query_parameter_names(self) -> set[str]:
        return {"lang"}

    def learn_from(self, earlier: PublicView) -> None:
        if isinstance(earlier, TreatmentDetailView):
            self.not_a_live_slug = earlier.not_a_live_slug

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A cheap test first: JSON-LD is never asked for on the hot path.
        if "ld+json" in request.META.get("HTTP_ACCEPT", "") and prefers_jsonld(request):
            return detail_jsonld_view(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def answer_plain_miss(
        self, request: HttpRequest, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        """A plain read of a live document by its slug that the memory does not hold, answered
        before DRF's request machinery (about half a miss's cost in-process, bench/PROFILE.md).

        Only what a hit would be served for (a GET without a query string, with a plain
        JSON Accept, that has a memory key): the document is read and negotiated as `get`
        does, kept in memory, and served as the hit that follows will be (`serve_hot`), so both
        paths answer the same bytes and headers (tests/api/test_plain_miss.py). None for
        anything else, a key that is no live slug (an id, a former slug, unknown, withdrawn)
        or a refused rate limit: DRF answers it as documented.
        """
        key = kwargs.get("key")
        memory_key = self.memory_key(request, kwargs)
        if (
            memory_key is None
            or not isinstance(key, str)
            # Not HEAD: DRF's HEAD answer states the GET's Content-Length, a memory one 0.
            or request.method != "GET"
            or not accepts_json_plainly(request.META.get("HTTP_ACCEPT"))
            or withdrawn_documents().get(key) is not None  # `get` answers its 410, no query
        ):
            return None
        memory = hot_documents()
        generation = memory.generation()
        with prepared_reads(Publication):
            row = selectors.publication_document(slug=key, fields=DETAIL_FIELDS)
        if row is None:
            self.not_a_live_slug = key
            return None
        # After the query, as the hot path checks after its lookup: a refused request costs
        # one query, and DRF then answers the 429 (charging no second time).
        if not self._hot_throttles_allow(request):
            return None
        ranges = accept_language_ranges(request.META.get("HTTP_ACCEPT_LANGUAGE"))
        served = negotiate(row, ranges, DETAIL_FIELDS)
        entry = hot_document_for(
            body=served.body,
            etag=served.etag,
            last_modified=served.last_modified,
            cache_control=live_cache_control(),
            language=served.language,
            headers=served.headers,
        )
        memory.put(memory_key, entry, generation=generation, tag=_memory_tag(row, ranges))
        response = serve_hot(request, entry, self.HOT_ALLOW)
        refund_free_answers(self.get_throttles(), response)
        return response

    @read_operation(
        operation_id="treatments_retrieve",
        tag="treatments",
        description=(
            "The full published document: steps, risks, recovery rules, timeline, course, "
            "review and sources. Addressable by slug, UUID or a former slug. Send "
            "`If-None-Match` with the ETag you hold to get a 304. Send "
            "`Accept: application/fhir+json` for the FHIR R5 Bundle (as `fhir/`)."
        ),
        ok=TreatmentDocument,
        ok_description="The live published document.",
        parameters=[KEY_PARAMETER, LANG_PARAMETER, ACCEPT_LANGUAGE_PARAMETER],
        example=examples.document_example(),
        extra_headers=[
            CONTENT_LANGUAGE.on(200, 304),
            DOCUMENT_LINK.on(200, 304, required=False),
            CONTENT_LOCATION.on(200, 304, required=False),
        ],
    )
    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if isinstance(request.accepted_renderer, FhirJsonRenderer):
            return fhir_response(self, request, key)
        generation = hot_documents().generation()
        raise_if_known_withdrawn(key)  # a withdrawn key, once known, costs no query
        ranges = language_ranges(request)
        fields = DETAIL_FIELDS
        row = None
        if key != self.not_a_live_slug:
            with prepared_reads(Publication):
                row = selectors.publication_document(slug=key, fields=fields)
        canonical = True
        if row is None:
            located = locate_live(key)
            row = selectors.publication_document(slug=located.slug, fields=fields)
            canonical = located.canonical
            if row is None:  # withdrawn between the two reads
                raise NotFound(f"No published treatment is known as '{key}'.")
        # The served bytes are a function of the stored bytes and the languages asked for: a
        # plain answer keeps the stored ETag, one with a note (translation, fallback) has its own.
        served = negotiate(row, ranges, fields)
        response = self.stored(
            request,
            body=served.body,
            etag=served.etag,
            last_modified=served.last_modified,
            cache_control=live_cache_control(),
        )
        for name, value in served.headers.items():
            response[name] = value
        if canonical:
            self.remember(
                request,
                generation,
                body=served.body,
                etag=served.etag,
                last_modified=served.last_modified,
                cache_control=live_cache_control(),
                language=served.language,
                headers=served.headers,
                kwargs={"key": key},
                tag=_memory_tag(row, ranges),
            )
        else:
            canonical_link = f'<{treatment_path(row["slug"])}>; rel="canonical"'
            links = served.headers.get("Link")
            response["Link"] = f"{canonical_link}, {links}" if links else canonical_link
        response["Content-Language"] = served.language
        patch_vary_headers(response, ("Accept-Language",))
        return response


def _memory_tag(row: dict[str, Any], ranges: list[str]) -> Any:
    """The tag a live document's answer is kept under in memory (see WorkerMemory.put)."""
    # Tagged with the one treatment it shows only when it is that treatment's own stored
    # bytes; a negotiated or translated answer also depends on other treatments (a
    # translation, its source), so any change drops it.
    return None if ranges or is_translation(row) else row["treatment_id"]


class RevisionListView(PublicView, generics.GenericAPIView):
    """The published history of a treatment, newest first."""

    pagination_class = None

    def query_parameter_names(self) -> set[str]:
        return set()

    @read_operation(
        operation_id="treatments_revisions_list",
        tag="revisions",
        description="Every published revision of the treatment, newest first.",
        ok=RevisionPageSerializer,
        ok_description="The published history.",
        parameters=[KEY_PARAMETER],
        example=examples.revisions_example(),
    )
    def get(self, request: Request, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        located = locate_live(key)
        revisions = list(selectors.revision_public_list(treatment_id=located.treatment_id))
        base = document_links(located.slug, 1)["revisions"]
        data = RevisionSummarySerializer(revisions, many=True, context={"base": base}).data
        body = to_json(
            {
                "next": None,
                "previous": None,
                "results": data,
                "links": {"next": None, "previous": None},
            }
        )
        return self.stored(
            request,
            body=body,
            last_modified=revisions[0].created_at,
            cache_control=live_cache_control(),
        )


def _revision(located: selectors.Located, number: int) -> Any:
    revision = selectors.revision_public_get(treatment_id=located.treatment_id, number=number)
    if revision is None:
        raise NotFound(f"'{located.slug}' has no revision {number}.")
    return revision


class RevisionDetailView(PublicView):
    """One frozen revision; it never changes, so it is cacheable forever."""

    @read_operation(
        operation_id="treatments_revisions_retrieve",
        tag="revisions",
        description="The document exactly as published in revision `number`. Immutable.",
        ok=TreatmentDocument,
        ok_description="The frozen document of that revision.",
        parameters=[KEY_PARAMETER, NUMBER_PARAMETER],
        example=examples.document_example(),
    )
    def get(
        self, request: Request, key: str, number: int, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        revision = _revision(locate_live(key), number)
        # Links name the slug the revision was published under, so its bytes never change.
        links = document_links(revision.document["slug"], revision.number)
        return self.stored(
            request,
            body=with_links(revision.document_json, links),
            etag=revision.etag,
            last_modified=revision.created_at,
            cache_control=REVISION_CACHE_CONTROL(),
        )


class RevisionDiffView(PublicView):
    """What changed between two revisions, as an RFC 6902 JSON Patch."""

    @read_operation(
        operation_id="treatments_revisions_diff",
        tag="revisions",
        description="A JSON Patch (RFC 6902) that turns revision `number` into revision `other`.",
        ok=RevisionDiffSerializer,
        ok_description="The patch between the two revisions.",
        parameters=[
            KEY_PARAMETER,
            NUMBER_PARAMETER,
            OpenApiParameter("other", int, OpenApiParameter.PATH, description="Revision to."),
        ],
        example=examples.diff_example(),
    )
    def get(
        self, request: Request, key: str, number: int, other: int, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        located = locate_live(key)
        old, new = _revision(located, number), _revision(located, other)
        patch = selectors.revision_diff(old=old, new=new)
        body = to_json({"from_revision": number, "to_revision": other, "patch": patch})
        return self.stored(
            request,
            body=body,
            last_modified=max(old.created_at, new.created_at),
            cache_control=REVISION_CACHE_CONTROL(),
        )


# One builder per version, made once, so that each body is serialised once (PublicView.constant).
_SCHEMA_BUILDERS = {v: functools.partial(document_json_schema, v) for v in SCHEMA_VERSIONS}


class DocumentSchemaView(PublicView):
    """The JSON Schema (2020-12) of treatment documents, of the current or an earlier version."""

    allowed_query_parameters = frozenset({"version"})

    @read_operation(
        operation_id="schemas_treatment_document",
        tag="schemas",
        description="The JSON Schema (2020-12) of a treatment document: by default of the "
        f"current `schema_version` ({SCHEMA_VERSION}); `?version=1.0` or `?version=1.1` gives "
        "that schema as it was published (revisions keep the version they were frozen with). "
        "Properties added after 1.0 carry `x-added-in`.",
        ok=OpenApiTypes.OBJECT,
        ok_description="A JSON Schema document.",
        not_found=False,
        parameters=[
            OpenApiParameter(
                "version",
                str,
                enum=list(SCHEMA_VERSIONS),
                default=SCHEMA_VERSION,
                description="The document schema version.",
            )
        ],
        example=examples.document_schema_example(),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        version = request.query_params.get("version", SCHEMA_VERSION)
        if version not in _SCHEMA_BUILDERS:
            known = ", ".join(SCHEMA_VERSIONS)
            raise ValidationError({"version": [f"Unknown schema version. Known: {known}."]})
        return self.constant(request, _SCHEMA_BUILDERS[version])


class RootView(PublicView):
    """Where everything in API v1 lives."""

    @read_operation(
        operation_id="root",
        tag="root",
        description="The entry point of API v1: links to every collection and to the docs.",
        ok=OpenApiTypes.OBJECT,
        ok_description="Links by name.",
        not_found=False,
        example=examples.root_example(),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.constant(request, examples.root_links)
