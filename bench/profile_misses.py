"""Profile cache misses in-process: a detail, a list page and a search the worker's memory does
not hold.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_misses_2000 \\
        .venv/bin/python bench/profile_misses.py [-n 2000] [--cprofile 30] [--only detail]

Every request asks a live document (or a list page: a cursor × a page size) in a fixed shuffled
order over the catalogue, and the worker's memories of documents and pages are cleared before
each request, so every answer is built from the database, as `detail_miss` and `list_miss` of
`make bench` are. Prints the wall time per request (best of 5 batches) and, with --cprofile N,
the N most expensive functions by cumulative and by internal time. Full WSGI stack of
config.settings.bench, no network: the costs inside Django, without gunicorn and wrk.

The searches are `make bench`'s first-time searches (`search_first`: a site and two words of the
seed document, none asked twice). --compare times each miss as before and after issue 22's
changes to it, --compare-checks with
a `SELECT 1` before every request and with the project backend's health check, each in
alternating batches in one process (the only ratios that hold on a machine others share).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES = 60
PAGE_SIZES = range(5, 25)


def detail_paths(limit: int) -> list[str]:
    """Detail paths of live treatments, in a fixed shuffled order."""
    from treatments.models import Publication

    slugs = list(Publication.objects.live().values_list("slug", flat=True)[:limit])
    random.Random(1).shuffle(slugs)
    return [f"/api/v1/treatments/{slug}/" for slug in slugs]


def page_paths(get: Callable[[str], tuple[int, bytes]]) -> list[str]:
    """List pages (cursors of the first PAGES pages × PAGE_SIZES), in a fixed shuffled order."""
    cursors: list[str] = []
    path: str | None = "/api/v1/treatments/"
    while path and len(cursors) < PAGES:
        status, body = get(path)
        assert status == 200, f"{path} answered {status}; is the database generated?"
        url = json.loads(body).get("next")
        path = None
        if url:
            cursor = parse_qs(urlsplit(url).query)["cursor"][0]
            cursors.append(cursor)
            path = f"/api/v1/treatments/?cursor={quote(cursor, safe='')}"
    paths = [
        f"/api/v1/treatments/?cursor={quote(c, safe='')}&page_size={s}"
        for c in cursors
        for s in PAGE_SIZES
    ]
    random.Random(3).shuffle(paths)
    return paths


def search_paths(get: Callable[[str], tuple[int, bytes]]) -> list[str]:
    """The bench's first-time searches (bench/driver/measurement.py: `search_paths`)."""
    from bench.driver.measurement import SEED_SLUG
    from bench.driver.measurement import search_paths as paths_of

    status, body = get(f"/api/v1/treatments/{SEED_SLUG}/")
    assert status == 200, f"the seed document answered {status}; is the database generated?"
    return paths_of(json.loads(body))


def missing(one: Callable[[], tuple[str, int]]) -> Callable[[], tuple[str, int]]:
    """`one`, with the worker's memories of documents and pages emptied first."""
    from api.live.memories import hot_documents, hot_pages, parsed_documents

    documents, pages, parsed = hot_documents(), hot_pages(), parsed_documents()

    def miss() -> tuple[str, int]:
        documents.clear()
        pages.clear()
        parsed.clear()
        return one()

    return miss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="Requests to time (2000).")
    parser.add_argument("--cprofile", type=int, default=0, help="Show the top N functions.")
    parser.add_argument("--only", choices=["detail", "list", "search"], default=None)
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="Also time the detail miss as before this round's changes (through DRF, the ORM "
        "building the query) and after, in alternating batches: a ratio that holds on a busy "
        "machine.",
    )
    parser.add_argument(
        "--compare-checks",
        action="store_true",
        help="Also time each miss with Django's health check before every request (SELECT 1, "
        "the interval at 0) and with the project backend's (config/database/postgresql), in "
        "alternating batches.",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from bench.wsgi_timing import environ_for, requester, time_per_request

    app = get_wsgi_application()
    headers = dict(h.split(":", 1) for h in args.header)

    def get(path: str) -> tuple[int, bytes]:
        out: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            out.append(status)

        environ = environ_for(path)
        environ["wsgi.input"] = io.BytesIO(b"")
        body = b"".join(app(environ, start_response))
        return int(out[-1].split()[0]), body

    kinds: dict[str, list[str]] = {}
    if args.only in (None, "detail"):
        kinds["detail"] = detail_paths(args.n)
    if args.only in (None, "list"):
        kinds["list"] = page_paths(get)
    if args.only in (None, "search"):
        kinds["search"] = search_paths(get)

    for kind, paths in kinds.items():
        one = missing(requester(app, paths, headers))
        status, size = one()
        micros = time_per_request(one, args.n)
        print(
            f"{kind} miss: {status}, ~{size} bytes, {micros:.0f} µs/request in-process "
            f"({len(paths)} distinct paths, {connection_vendor()})"
        )
        if kind == "detail" and args.compare:
            compare_plain_miss(one, args.n)
        if kind == "list" and args.compare:
            compare_plain_page(one, args.n)
        if kind == "search" and args.compare:
            compare_compiled_search(one, args.n)
        if args.compare_checks:
            compare_health_checks(kind, one, args.n)
        if args.cprofile:
            profile(one, args.n, args.cprofile)
    return 0


def compare_plain_miss(one: Callable[[], Any], n: int, rounds: int = 5) -> None:
    """Time detail misses as before and after this round's changes, alternating batches.

    before: DRF answers every miss, and the ORM builds the document query each time;
    DRF, compiled: DRF answers, the query is compiled once (treatments.selectors.public);
    after: `answer_plain_miss` answers before DRF, with the compiled query.
    """
    from api.v1.views import TreatmentDetailView
    from bench.wsgi_timing import time_per_request
    from treatments.selectors import public

    plain_miss = TreatmentDetailView.answer_plain_miss
    compiled = public.compiled_query

    def variant(label: str) -> None:
        TreatmentDetailView.answer_plain_miss = (  # type: ignore[method-assign]
            plain_miss if label == "after" else lambda *a: None
        )
        public.compiled_query = (  # type: ignore[assignment]
            (lambda *a: None) if label == "before" else compiled
        )

    labels = ("before", "DRF, compiled", "after")
    best = dict.fromkeys(labels, float("inf"))
    try:
        for _ in range(rounds):
            for label in labels:
                variant(label)
                best[label] = min(best[label], time_per_request(one, n, batches=1))
    finally:
        variant("after")
    print(
        "detail miss, best of "
        + f"{rounds} alternating batches of {n}: "
        + ", ".join(f"{label} {best[label]:.0f} µs" for label in labels)
        + f" ({best['before'] / best['after']:.2f}× faster)"
    )


def compare_plain_page(one: Callable[[], Any], n: int) -> None:
    """Time list-page misses as before and after issue 22's list changes, alternating batches.

    before: DRF answers every miss, the ORM builds the page query, links are written by DRF
    then signed; DRF, compiled: DRF answers, with the page query compiled once
    (api/v1/catalogue.py) and links signed in one step; after: `answer_plain_miss` answers
    before DRF, with both.
    """
    from rest_framework.pagination import CursorPagination

    from api import pagination
    from api.v1 import views
    from api.v1.catalogue import catalogue

    view = views.TreatmentListView
    plain_miss, compiled_page = view.answer_plain_miss, views.catalogue_page
    encode = pagination.StrictCursorPagination.encode_cursor

    def old_encode(self: Any, cursor: Any) -> str:
        url = CursorPagination.encode_cursor(self, cursor)
        return pagination.cursor_link_sealed(url, self.cursor_query_param, tuple(self.ordering))

    def orm_page(page: Any) -> list[Any]:
        return pagination.page_from_queryset(catalogue(every_language=False), page)

    def variant(label: str) -> Callable[[], None]:
        def setup() -> None:
            view.answer_plain_miss = (  # type: ignore[method-assign]
                plain_miss if label == "after" else lambda *a: None
            )
            views.catalogue_page = orm_page if label == "before" else compiled_page
            pagination.StrictCursorPagination.encode_cursor = (  # type: ignore[method-assign]
                old_encode if label == "before" else encode
            )

        return setup

    best = alternate(
        one, n, {label: variant(label) for label in ("before", "DRF, compiled", "after")}
    )
    print(
        f"list miss, best of 5 alternating batches of {n}: "
        + ", ".join(f"{label} {value:.0f} µs" for label, value in best.items())
        + f" ({best['before'] / best['after']:.2f}× faster)"
    )


def compare_compiled_search(one: Callable[[], Any], n: int) -> None:
    """Time first-time searches with the ORM building every band read (before) and with the
    band reads compiled once per connection (after, api/v1/catalogue.py), alternating."""
    from api import pagination
    from api.v1 import views

    compiled = views.catalogue_search_page

    def variant(label: str) -> Callable[[], None]:
        def setup() -> None:
            views.catalogue_search_page = (
                pagination.search_page if label == "before" else compiled  # type: ignore[assignment]
            )

        return setup

    best = alternate(one, n, {label: variant(label) for label in ("before", "after")})
    print(
        f"first-time search, best of 5 alternating batches of {n}: "
        + ", ".join(f"{label} {value:.0f} µs" for label, value in best.items())
        + f" ({best['before'] / best['after']:.2f}× faster)"
    )


def alternate(
    one: Callable[[], Any], n: int, variants: dict[str, Callable[[], None]], rounds: int = 5
) -> dict[str, float]:
    """The best batch of each variant (µs per request), batches of `n` alternating `rounds`
    times; each variant's setup runs before its batch. The last variant is left in place."""
    from bench.wsgi_timing import time_per_request

    best = dict.fromkeys(variants, float("inf"))
    for _ in range(rounds):
        for label, setup in variants.items():
            setup()
            best[label] = min(best[label], time_per_request(one, n, batches=1))
    return best


def compare_health_checks(kind: str, one: Callable[[], Any], n: int) -> None:
    """Time misses with a SELECT 1 before each request (the interval at 0, Django's check) and
    with the backend's check (the configured interval), alternating batches."""
    from django.db import connection

    configured = getattr(connection, "health_check_interval", None)
    if configured is None:
        print(f"{kind} miss: no project backend on {connection.vendor}; nothing to compare")
        return

    def interval(seconds: float) -> Callable[[], None]:
        def setup() -> None:
            connection.health_check_interval = seconds

        return setup

    best = alternate(
        one, n, {"SELECT 1 per request": interval(0.0), "checked socket": interval(configured)}
    )
    before, after = best.values()
    print(
        f"{kind} miss, best of 5 alternating batches of {n}: "
        + ", ".join(f"{label} {value:.0f} µs" for label, value in best.items())
        + f" ({before / after:.2f}× faster)"
    )


def connection_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def profile(one: Callable[[], Any], n: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        one()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
