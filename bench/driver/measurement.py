"""Measuring one size: discover each endpoint's paths, run wrk in rounds, count queries."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from bench.driver.endpoints import (
    ACCEPT_LANGUAGE,
    AFTER_CHANGES,
    AFTER_CHANGES_REFERENCES,
    BESIDE_REFERENCE,
    CHANGES,
    EDGE,
    NOT_MODIFIED,
    PLAN_QUERY,
    SEARCH_LANG_QUERY,
)
from bench.driver.environment import (
    Server,
    fetch,
    json_body,
    log,
    manage,
    path_of,
    pg_connect,
    prepare_size,
)
from bench.driver.statistics import aggregate, median
from bench.driver.wrk import run_wrk, wrk_script
from treatments.documents.prose import NOT_SEARCHED

SEED_SLUG = "bone-marrow-stem-cell-injection"
DEEP_PAGES = 50
SAMPLE_SLUGS = 100
SYNC_PAGE_SIZE = 100  # discovery follows a full sync in pages this large
# First-time searches: distinct queries "<site> <word> <word>" (sites from bench_generate, words
# from the seed's prose, so each matches about one treatment in eight, like `q=hip`), more than
# a run requests, each asked once: every request misses the workers' memory of searches.
SEARCH_SITES = ["hip", "knee", "shoulder", "spine", "ankle", "wrist", "elbow", "neck"]
SEARCH_WORDS = 60
# Cache misses: detail paths over the catalogue (at most this many), list pages × page sizes.
MISS_PATHS = 50000
MISS_PAGES = 300
MISS_PAGE_SIZES = range(5, 25)


def timed_bundle(server: Server) -> dict[str, Any]:
    """GET the bundle (gzip accepted, as apps do) and how long it took, in ms.

    Each worker builds its bundle on its first request after a start or a change, so the first
    request after either is a build; the time includes the round trip and the gzip transfer.
    """
    started = time.perf_counter()
    status, headers, body = fetch(server.base + "/api/v1/bundle/", {"Accept-Encoding": "gzip"})
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"/api/v1/bundle/ answered {status}.")
    return {"ms": round(elapsed, 1), "documents": len(json_body(headers, body)["documents"])}


def manifest_parts(server: Server) -> dict[str, Any]:
    """The parts the manifest lists (every category in every language), as a phone fetches
    them; the first request builds the pages nobody asked for yet."""
    status, headers, body = fetch(server.base + "/api/v1/bundle/manifest/")
    if status != 200:
        raise SystemExit(f"/api/v1/bundle/manifest/ answered {status}.")
    parts = json_body(headers, body)["parts"]
    return {
        "paths": [part["url"] for part in parts],
        "headers": {"Accept-Encoding": "gzip"},
        "parts": len(parts),
        "documents": sum(part["documents"] for part in parts),
        "largest": max(part["documents"] for part in parts),
    }


def sync_path(token: str) -> str:
    return f"/api/v1/sync/?token={quote(token, safe='')}"


def full_sync(server: Server) -> tuple[str, int]:
    """Follow a full sync to its end, as a client would: its `next_sync_token` and page count."""
    url, pages = server.base + f"/api/v1/sync/?page_size={SYNC_PAGE_SIZE}", 0
    while True:
        status, headers, body = fetch(url)
        if status != 200:
            raise SystemExit(f"{path_of(url)} answered {status} during a full sync.")
        data, pages = json_body(headers, body), pages + 1
        if data["next_sync_token"]:
            return data["next_sync_token"], pages
        url = server.base + sync_path(data["next_page_token"]) + f"&page_size={SYNC_PAGE_SIZE}"


def empty_delta(server: Server, token: str) -> dict[str, Any]:
    """The empty-delta targets (200 and 304) of a token nothing changed after."""
    path = sync_path(token)
    status, headers, body = fetch(server.base + path)
    if status != 200 or "ETag" not in headers or json_body(headers, body)["upserts"]:
        raise SystemExit(f"{path} answered {status} (no ETag or not empty); cannot benchmark it.")
    return {
        "sync_empty": {"paths": [path]},
        "sync_empty_304": {"paths": [path], "if_none_match": [headers["ETag"]]},
    }


def plan_target(server: Server, slugs: list[str], suffix: str) -> dict[str, Any]:
    """The recovery plan of every sample slug that answers 200; "unavailable" when none does."""
    paths = [f"/api/v1/treatments/{slug}/recovery-plan{suffix}?{PLAN_QUERY}" for slug in slugs]
    status, _, _ = fetch(server.base + paths[0])
    if status != 200:
        return {"unavailable": f"answered {status}", "paths": paths[:1]}
    return {"paths": [p for p in paths if fetch(server.base + p)[0] == 200]}


def partner_key(database_url: str) -> str:
    """A fresh secret key of a fresh bench partner (names are unique, so --reuse works)."""
    name = f"bench {dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}"
    manage(database_url, "partner_keys", "create", name, "--email", "bench@example.org")
    return manage(database_url, "partner_keys", "issue", name, "--name", "bench").strip()


def discover(server: Server, database_url: str) -> dict[str, Any]:
    """The concrete paths (and ETags) each endpoint is measured with at this size."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        slugs = [
            row[0]
            for row in conn.execute(
                "SELECT slug FROM treatments_publication WHERE withdrawn_at IS NULL "
                "AND slug <> %s ORDER BY md5(slug) LIMIT %s",
                (SEED_SLUG, SAMPLE_SLUGS - 1),
            )
        ]
    slugs = [SEED_SLUG, *slugs]
    detail_paths = [f"/api/v1/treatments/{slug}/" for slug in slugs]
    etags = []
    for path in detail_paths:
        status, headers, _ = fetch(server.base + path)
        if status != 200 or "ETag" not in headers:
            raise SystemExit(f"{path} answered {status} without an ETag; cannot benchmark 304s.")
        etags.append(headers["ETag"])
    # Nothing asked for the bundle yet, so this request builds it; the detail requests above
    # already paid the workers' first-request costs (imports, database connection).
    bundle_first = timed_bundle(server)

    url, depth = server.base + "/api/v1/treatments/", 1
    while depth < DEEP_PAGES:
        status, _, body = fetch(url)
        following = json.loads(body).get("next") if status == 200 else None
        if not following:
            break
        url, depth = following, depth + 1
    deep_path = path_of(url)
    detail_misses = every_slug_path(database_url)
    list_misses = distinct_pages(server)
    search_first = first_time_searches(server)
    # The token a client holds after a full sync; "the delta of N changes" reuses it later.
    sync_token, sync_pages = full_sync(server)

    return {
        "detail": {"paths": detail_paths},
        "detail_304": {"paths": detail_paths, "if_none_match": etags},
        "detail_key": {"paths": detail_paths, "headers": {"X-Api-Key": partner_key(database_url)}},
        "detail_lang": {"paths": detail_paths, "headers": {"Accept-Language": ACCEPT_LANGUAGE}},
        "detail_miss": {"paths": detail_misses, "distinct": True},
        "list": {"paths": ["/api/v1/treatments/"]},
        "list_miss": {"paths": list_misses, "distinct": True},
        "list_deep": {"paths": [deep_path], "depth": depth},
        "list_filtered": {
            "paths": ["/api/v1/treatments/?restricted_activity=running&category=pain-treatments"]
        },
        "search": {"paths": ["/api/v1/treatments/?q=hip"]},
        "search_lang": {"paths": [f"/api/v1/treatments/?{SEARCH_LANG_QUERY}"]},
        "search_first": {"paths": search_first, "distinct": True},
        "schema": {"paths": ["/api/v1/schema/treatment-document/"]},
        "naive_detail": {"paths": [f"/bench/naive/treatments/{slug}/" for slug in slugs]},
        "naive_list": {"paths": ["/bench/naive/treatments/"]},
        "limit": {"paths": ["/bench/limit/"]},
        "sync_full": {"paths": ["/api/v1/sync/"]},
        **empty_delta(server, sync_token),
        # Its path is known only once the data changed (see measure_after_changes).
        "sync_delta": {"token": sync_token, "pages": sync_pages},
        "bundle": {
            "paths": ["/api/v1/bundle/"],
            "headers": {"Accept-Encoding": "gzip"},
            "first": bundle_first,
        },
        "bundle_page": manifest_parts(server),
        "plan": plan_target(server, slugs, "/"),
        "plan_ics": plan_target(server, slugs, ".ics"),
    }


def every_slug_path(database_url: str) -> list[str]:
    """Detail paths of live treatments (at most MISS_PATHS), in a fixed shuffled order.

    Asked in turn, none twice before all were asked: once the catalogue holds more documents
    than the workers remember (PUBLIC_MEMORY_MAX_DOCUMENTS each), every request misses.
    """
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT slug FROM treatments_publication WHERE withdrawn_at IS NULL "
            "ORDER BY md5(slug || 'miss') LIMIT %s",
            (MISS_PATHS,),
        )
        return [f"/api/v1/treatments/{row[0]}/" for row in rows]


def distinct_pages(server: Server) -> list[str]:
    """List pages nobody asked for: the cursors of the first MISS_PAGES pages (following
    `next`, as a client does), each at MISS_PAGE_SIZES page sizes, in a fixed shuffled order."""
    import random

    cursors: list[str] = []
    url: str | None = server.base + "/api/v1/treatments/"
    while url and len(cursors) < MISS_PAGES:
        status, _, body = fetch(url)
        if status != 200:
            raise SystemExit(f"{path_of(url)} answered {status}; cannot benchmark page misses.")
        url = json.loads(body).get("next")
        if url:
            cursors.append(parse_qs(urlsplit(url).query)["cursor"][0])
    paths = [
        f"/api/v1/treatments/?cursor={quote(cursor, safe='')}&page_size={size}"
        for cursor in cursors
        for size in MISS_PAGE_SIZES
    ]
    random.Random(3).shuffle(paths)
    return paths


def first_time_searches(server: Server) -> list[str]:
    """Distinct search paths (see SEARCH_SITES), in a fixed shuffled order."""
    status, headers, body = fetch(server.base + f"/api/v1/treatments/{SEED_SLUG}/")
    if status != 200:
        raise SystemExit(f"the seed document answered {status}; cannot build search terms.")
    return search_paths(json_body(headers, body))


def search_paths(document: Any) -> list[str]:
    """Distinct three-word searches (a site and two words of `document`'s prose), none asked
    twice, in a fixed shuffled order: the first-time searches of `search_first`."""
    import random

    # Words of the document's prose (string values, never keys, links or identifiers), so
    # that every query matches the treatments of its site, as a reader's search would.
    def prose(value: Any, key: str = "") -> list[str]:
        if isinstance(value, dict):
            return [t for k, v in value.items() if k not in NOT_SEARCHED for t in prose(v, k)]
        if isinstance(value, list):
            return [t for v in value for t in prose(v, key)]
        return [value] if isinstance(value, str) else []

    text = " ".join(prose(document)).lower()
    words = sorted({w for w in re.findall(r"[a-z]{5,}", text) if w not in SEARCH_SITES})
    words = random.Random(1).sample(words, min(SEARCH_WORDS, len(words)))
    queries = [
        f"{site} {a} {b}"
        for site in SEARCH_SITES
        for i, a in enumerate(words)
        for b in words[i + 1 :]
    ]
    random.Random(2).shuffle(queries)
    return [f"/api/v1/treatments/?q={quote(q)}" for q in queries]


def search_plans(
    database_url: str, targets: dict[str, Any], endpoints: list[str]
) -> dict[str, Any] | None:
    """PostgreSQL's plan (EXPLAIN ANALYZE) of two first-time searches, as the API runs them."""
    if "search_first" not in endpoints or "search_first" not in targets:
        return None
    paths = targets["search_first"]["paths"][:2]
    plans: dict[str, Any] = json.loads(
        manage(database_url, "bench_explain", stdin=json.dumps(paths))
    )
    return plans


def response_facts(server: Server, target: dict[str, Any]) -> dict[str, Any]:
    """Status, result count and body sizes (identity and gzip) of the endpoint's first path."""
    headers = {}
    if "if_none_match" in target:
        headers["If-None-Match"] = target["if_none_match"][0]
    url = server.base + target["paths"][0]
    status, _, body = fetch(url, headers)
    _, gz_headers, gz_body = fetch(url, {**headers, "Accept-Encoding": "gzip"})
    facts: dict[str, Any] = {
        "status": status,
        "bytes": len(body),
        "bytes_gzip": len(gz_body) if gz_headers.get("Content-Encoding") == "gzip" else None,
    }
    if status == 200 and body[:1] == b"{":
        data = json.loads(body)
        for key in ("results", "upserts", "deletions", "documents"):
            if isinstance(data.get(key), list):
                facts[key] = len(data[key])
    return facts


def bench_size(args: argparse.Namespace, wrk: str, count: int, template: str) -> dict[str, Any]:
    """Measure every endpoint at one data size.

    This machine is noisy (two vCPUs that slow each other down when both are busy, and
    neighbours), so each endpoint's time is split into rounds that visit all endpoints in turn:
    slow spells then hit every endpoint alike, and ratios are taken within a round. The
    endpoints that need changed data (AFTER_CHANGES) come last, in rounds of their own with
    their references measured again (see measure_after_changes).
    """
    database_url, generated_in = prepare_size(args, count, template)
    server = Server(args, database_url, str(count))
    server.start()
    cells: dict[str, Any] = {}
    rounds: dict[str, list[dict[str, Any]]] = {}
    slice_s = max(1, round(args.duration / args.rounds))
    changes = None
    try:
        targets = discover(server, database_url)
        for name in args.endpoints:
            if "unavailable" in targets.get(name, {}):
                cells[name] = {
                    "unavailable": targets[name]["unavailable"],
                    "path": targets[name]["paths"][0],
                }
        first = [
            n for n in args.endpoints if n not in cells and n not in AFTER_CHANGES and n not in EDGE
        ]
        later = [n for n in args.endpoints if n not in cells and n in AFTER_CHANGES]
        scripts = {}
        for name in first:
            scripts[name] = prepare_cell(args, wrk, server, count, name, targets[name], cells)
        for _ in range(args.rounds):
            for name, beside in round_plan(first, BESIDE_REFERENCE):
                measured = run_wrk(args, wrk, server.base, scripts[name], slice_s, args.gzip)
                if beside is None:
                    rounds.setdefault(name, []).append(measured)
                else:  # this round's reference for `beside` (statistics.ratio uses it)
                    references = cells[beside].setdefault("references", {})
                    references.setdefault(name, []).append(measured["rps"])
        edge = [n for n in args.endpoints if n in EDGE]
        if edge:
            from bench.driver.edge import measure_edge

            measure_edge(args, wrk, server, count, slice_s, targets, cells, rounds, edge)
        if later:
            changes = measure_after_changes(
                args,
                wrk,
                server,
                database_url,
                count,
                slice_s,
                targets,
                cells,
                rounds,
                scripts,
                later,
            )
        memory = server.memory()
    finally:
        server.stop()

    for name in [n for n in args.endpoints if n in rounds]:
        cells[name].update(aggregate(rounds[name]))
        c = cells[name]
        log(
            f"  {count:>6} {name:<14} {c['rps']:>9.1f} req/s "
            f"(rounds {', '.join(f'{r:.0f}' for r in c['rps_rounds'])})  "
            f"p50 {c.get('p50_ms') or 0:>7.2f} ms  p99 {c.get('p99_ms') or 0:>8.2f} ms"
            + (
                f"  ERRORS {c['errors'] + c['non_2xx_3xx']}"
                if c["errors"] + c["non_2xx_3xx"]
                else ""
            )
        )
    for name, c in cells.items():
        if "unavailable" in c:
            log(f"  {count:>6} {name:<14} not available: {c['path']} {c['unavailable']}")

    probes = []
    for name in [n for n in args.endpoints if n in rounds and n not in EDGE]:
        target = targets[name]
        headers = dict(target.get("headers") or {})
        if "if_none_match" in target:
            headers["If-None-Match"] = target["if_none_match"][0]
        probe = {"name": name, "path": target["paths"][0], "headers": headers}
        if target.get("distinct"):
            # In-process too, every request a new path (the first of them was asked in
            # discovery: the probes start from the end of the list).
            probe["paths"] = target["paths"][::-1][:2000]
        probes.append(probe)
    counted = json.loads(manage(database_url, "bench_probe", stdin=json.dumps(probes)))
    for name, probe in counted.items():
        cells[name]["queries"] = probe["queries"]
        cells[name]["queries_cold"] = probe["queries_cold"]
        cells[name]["cold_ms"] = probe.get("cold_ms")
        cells[name]["sql"] = probe["sql"]
        if probe["status"] != cells[name]["status"]:
            cells[name]["probe_status_mismatch"] = probe["status"]
    bundle = targets["bundle"]
    return {
        "search_plans": search_plans(database_url, targets, args.endpoints),
        "count": count,
        "database_url": database_url,
        "probes": probes,
        "generated_in_s": generated_in,
        "round_seconds": slice_s,
        "workers": memory,
        "cells": cells,
        "changes": changes,
        "bundle": {
            "documents": bundle["first"]["documents"],
            "first_ms": bundle["first"]["ms"],
            "rebuilt_ms": bundle.get("rebuilt", {}).get("ms"),
        },
        "bundle_pages": {
            key: targets["bundle_page"][key]
            for key in ("parts", "documents", "largest")
            if key in targets.get("bundle_page", {})
        },
    }


def round_plan(names: list[str], beside: dict[str, str]) -> list[tuple[str, str | None]]:
    """One round's wrk runs, in order: every endpoint of `names` (paired with None) and, just
    before each one that `beside` gives a reference measured in `names`, that reference again
    (paired with the endpoint it is measured for)."""
    plan: list[tuple[str, str | None]] = []
    for name in names:
        reference = beside.get(name)
        if reference is not None and reference in names:
            plan.append((reference, name))
        plan.append((name, None))
    return plan


def prepare_cell(
    args: argparse.Namespace,
    wrk: str,
    server: Server,
    count: int,
    name: str,
    target: dict[str, Any],
    cells: dict[str, Any],
) -> Path:
    """Check the endpoint's answer, record its facts, write its wrk script and warm it up."""
    facts = response_facts(server, target)
    expected = 304 if name in NOT_MODIFIED else 200
    if facts["status"] != expected:
        raise SystemExit(f"{name} {target['paths'][0]} answered {facts['status']}.")
    cells[name] = {**facts, "path": target["paths"][0], "paths": len(target["paths"])}
    if "depth" in target:
        cells[name]["depth"] = target["depth"]
    script = wrk_script(f"{count}-{name}", target, args.threads)
    if args.warmup > 0:
        run_wrk(args, wrk, server.base, script, args.warmup, args.gzip)
    return script


def measure_after_changes(
    args: argparse.Namespace,
    wrk: str,
    server: Server,
    database_url: str,
    count: int,
    slice_s: int,
    targets: dict[str, Any],
    cells: dict[str, Any],
    rounds: dict[str, list[dict[str, Any]]],
    scripts: dict[str, Path],
    later: list[str],
) -> dict[str, Any]:
    """Publish CHANGES real changes, then measure what needs them beside fresh references.

    Runs after every read-only endpoint of the size was measured, so that those see exactly the
    generated data. The token taken in discovery now stands before the changes: its delta is
    those changes (for as long as nothing else changes). Afterwards the targets that depended
    on the old data (the empty delta's token and ETag, the 304s' ETags) are re-discovered, so
    that the in-process probes, run later, still ask the same questions.
    """
    changes = json.loads(manage(database_url, "bench_changes", "--count", str(CHANGES)))
    database = f"{args.db_prefix}_{count}"
    with pg_connect(args.pg, database) as conn:
        # No longer the generated data: --reuse must generate it again.
        conn.execute(f"COMMENT ON DATABASE \"{database}\" IS 'changed by bench_changes'")
    changed = len(changes["changed"])
    log(f"size {count}: published {changed} changes (manage.py bench_changes)")
    # Let every worker see the change log move (it re-reads the head at most every
    # PUBLIC_MEMORY_TTL seconds, 1 by default).
    time.sleep(1.5)
    targets["bundle"]["rebuilt"] = timed_bundle(server)

    path = sync_path(targets["sync_delta"]["token"])
    status, headers, body = fetch(server.base + path)
    data = json_body(headers, body) if status == 200 else {}
    if status != 200 or len(data["upserts"]) != changed:
        raise SystemExit(
            f"the delta of {changed} changes answered {status} with "
            f"{len(data.get('upserts', []))} upserts."
        )
    targets["sync_delta"]["paths"] = [path]
    targets.update(empty_delta(server, data["next_sync_token"]))
    detail_304 = targets["detail_304"]
    detail_304["if_none_match"] = [fetch(server.base + p)[1]["ETag"] for p in detail_304["paths"]]

    references = [name for name in AFTER_CHANGES_REFERENCES if name in scripts]
    for name in later:
        scripts[name] = prepare_cell(args, wrk, server, count, name, targets[name], cells)
        cells[name]["changes"] = changed
    again: dict[str, list[float]] = {name: [] for name in references}
    for _ in range(args.rounds):
        for name in [*later, *references]:
            measured = run_wrk(args, wrk, server.base, scripts[name], slice_s, args.gzip)
            if name in again:
                again[name].append(measured["rps"])
            else:
                rounds.setdefault(name, []).append(measured)
    for name in later:
        cells[name]["references"] = again
    return changes


# Requests per in-process timing: the naive views take tens to hundreds of milliseconds.
TIMING_REQUESTS = {"naive_list": 10, "naive_detail": 50}


def time_in_process(args: argparse.Namespace, sizes: list[dict[str, Any]]) -> None:
    """Single-threaded wall time per request of every endpoint at every size, in-process.

    Sizes are visited in turn, twice, so that a slow spell of the machine hits all of them;
    the median is kept. This is the steady measure the "flat across sizes" targets use.
    """
    samples: dict[tuple[int, str], list[float]] = {}
    for _ in range(2):
        for size in sizes:
            probes = [
                {**probe, "n": TIMING_REQUESTS.get(probe["name"], args.timing_requests)}
                for probe in size["probes"]
            ]
            timed = json.loads(
                manage(
                    size["database_url"],
                    "bench_probe",
                    "--no-queries",
                    "--time",
                    "1",
                    stdin=json.dumps(probes),
                )
            )
            for name, result in timed.items():
                samples.setdefault((size["count"], name), []).append(result["micros"])
    for size in sizes:
        for name, cell in size["cells"].items():
            cell["inprocess_us"] = median(samples.get((size["count"], name), []))
