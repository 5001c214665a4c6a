"""What the bench measures: each endpoint, what it is compared with, when it is measured."""

from __future__ import annotations

PLAN_QUERY = "procedure_at=2026-03-08T09:30&tz=America/New_York&anaesthesia=yes"
CHANGES = 10  # published by `bench_changes` for the sync_delta row
ACCEPT_LANGUAGE = "es-MX,es;q=0.9,en;q=0.5"
SEARCH_LANG_QUERY = "language=es&q=knee"

ENDPOINTS: dict[str, tuple[str, str | None]] = {
    "detail": ("GET /api/v1/treatments/<slug>/", "naive_detail"),
    "detail_304": ("GET /api/v1/treatments/<slug>/ + If-None-Match", "naive_detail"),
    "detail_key": ("GET /api/v1/treatments/<slug>/ + X-Api-Key (a partner's key)", "naive_detail"),
    "detail_lang": (
        f"GET /api/v1/treatments/<slug>/ + Accept-Language: {ACCEPT_LANGUAGE} (negotiated; "
        "the bench's treatments have no translation, so each falls back to its source)",
        "naive_detail",
    ),
    "detail_miss": (
        "GET /api/v1/treatments/<slug>/ (cache misses: a distinct slug per request, cycling "
        "over the whole catalogue in a fixed shuffled order)",
        "naive_detail",
    ),
    "list": ("GET /api/v1/treatments/ (page 1)", "naive_list"),
    "list_miss": (
        "GET /api/v1/treatments/?cursor=…&page_size=… (cache misses: distinct pages, up to "
        "the 300th, each at 20 page sizes)",
        "naive_list",
    ),
    "list_deep": ("GET /api/v1/treatments/?cursor=… (deep page)", "naive_list"),
    "list_filtered": (
        "GET /api/v1/treatments/?restricted_activity=running&category=pain-treatments",
        "naive_list",
    ),
    "search": ("GET /api/v1/treatments/?q=hip (repeated search)", "naive_list"),
    "search_lang": (
        f"GET /api/v1/treatments/?{SEARCH_LANG_QUERY} (repeated search in a second language: "
        "the generator tags one treatment in 10 `es`)",
        "naive_list",
    ),
    "search_first": (
        "GET /api/v1/treatments/?q=<site> <word> <word> (first-time searches: distinct "
        "queries, none asked twice)",
        "naive_list",
    ),
    "schema": ("GET /api/v1/schema/treatment-document/", None),
    "naive_detail": ("naive: GET /bench/naive/treatments/<slug>/", None),
    "naive_list": ("naive: GET /bench/naive/treatments/ (page 1, COUNT(*))", None),
    "limit": ("limit: GET /bench/limit/ (bytes from memory)", None),
    "sync_full": ("GET /api/v1/sync/ (first page of a full sync: 20 documents)", None),
    "sync_empty": ("GET /api/v1/sync/?token=… (empty delta, 200)", None),
    "sync_empty_304": ("GET /api/v1/sync/?token=… + If-None-Match (empty delta, 304)", None),
    "sync_delta": (
        f"GET /api/v1/sync/?token=… (a delta of {CHANGES} changes: token taken before "
        "`bench_changes`)",
        None,
    ),
    "bundle": ("GET /api/v1/bundle/ + Accept-Encoding: gzip (every live document)", None),
    "bundle_page": (
        "GET each part `/api/v1/bundle/manifest/` lists, in turn (`?category=…` or "
        "`?category=…&pages=…&page=…`) + Accept-Encoding: gzip (what a phone downloads)",
        None,
    ),
    "plan": (f"GET /api/v1/treatments/<slug>/recovery-plan/?{PLAN_QUERY}", None),
    "plan_ics": (f"GET /api/v1/treatments/<slug>/recovery-plan.ics?{PLAN_QUERY}", None),
    # With --edge only (bench/driver/edge.py): cache hits through Varnish in front of the API.
    "edge_detail": ("edge: GET /api/v1/treatments/<slug>/ through Varnish (hits)", None),
    "edge_list": ("edge: GET /api/v1/treatments/ through Varnish (hits)", None),
}
EDGE = ["edge_detail", "edge_list"]
OURS = [
    "detail",
    "detail_304",
    "detail_key",
    "detail_lang",
    "detail_miss",
    "list",
    "list_deep",
    "list_miss",
    "list_filtered",
    "search",
    "search_lang",
    "search_first",
    "schema",
    "sync_full",
    "sync_empty",
    "sync_empty_304",
    "sync_delta",
    "bundle",
    "bundle_page",
    "plan",
    "plan_ics",
]
# The mobile endpoints are compared with what a client would otherwise fetch: the detail.
DETAIL_BASELINE = {
    "detail_key": "detail",
    "detail_lang": "detail",
    "sync_full": "detail",
    "sync_empty": "detail",
    "sync_empty_304": "detail_304",
    "sync_delta": "detail",
    "bundle": "detail",
    "bundle_page": "detail",
    "plan": "detail",
    "plan_ics": "detail",
}
NOT_MODIFIED = {"detail_304", "sync_empty_304"}
# Measured after `bench_changes` changed the data (see the module docstring), in rounds with
# these references measured again beside them.
AFTER_CHANGES = ["sync_delta"]
AFTER_CHANGES_REFERENCES = ["detail", "limit"]
# Rows judged by a floor relative to another row (issue 22: first-time search, detail and
# list misses against the limit) have that reference measured again just before them in every
# round: a round visits every endpoint (a minute or more), and on this noisy machine the
# limit measured at the other end of it moved the ratio by 10-15 % (bench/RESULTS.md).
BESIDE_REFERENCE = {"search_first": "limit", "detail_miss": "limit", "list_miss": "limit"}
