"""From wrk rounds to cells and ratios, and the verdict on each target."""

from __future__ import annotations

from typing import Any


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def aggregate(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One cell from its rounds: mean req/s, median p50, worst p99, summed errors."""
    rps_rounds = [r["rps"] for r in rounds]
    return {
        "rps": round(sum(rps_rounds) / len(rps_rounds), 1),
        "rps_rounds": rps_rounds,
        "p50_ms": median([r.get("p50_ms") for r in rounds]),
        "p99_ms": max((r.get("p99_ms") or 0 for r in rounds), default=None),
        "requests": sum(r.get("requests", 0) for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in rounds),
    }


# key, description, ours, compared with, threshold
TARGETS = [
    (
        "detail_vs_limit",
        "detail (rotating over 100 documents) ≥ 0.9× limit",
        "detail",
        "limit",
        0.9,
    ),
    ("list_vs_limit", "list page of 20 ≥ 0.5× limit", "list", "limit", 0.5),
    ("search_vs_limit", "repeated search ≥ 0.4× limit", "search", "limit", 0.4),
    (
        "search_lang_vs_search",
        "repeated search in a second language ≥ 0.9× repeated search",
        "search_lang",
        "search",
        0.9,
    ),
    ("search_first_vs_limit", "first-time search ≥ 0.1× limit", "search_first", "limit", 0.1),
    ("detail_miss_vs_limit", "detail cache miss ≥ 0.5× limit", "detail_miss", "limit", 0.5),
    ("list_miss_vs_limit", "list page cache miss ≥ 0.4× limit", "list_miss", "limit", 0.4),
    ("detail_vs_naive", "detail ≥ 8× naive detail", "detail", "naive_detail", 8.0),
    ("list_vs_naive", "list ≥ 25× naive list", "list", "naive_list", 25.0),
    ("304_vs_limit", "304 ≥ 0.9× limit", "detail_304", "limit", 0.9),
    (
        "detail_lang_vs_detail",
        "detail with Accept-Language within 10 % of detail (≥ 0.9×)",
        "detail_lang",
        "detail",
        0.9,
    ),
    ("key_vs_detail", "detail with a key ≥ 0.8× anonymous detail", "detail_key", "detail", 0.8),
    ("deep_vs_page1", "deep cursor page ≈ page 1 (≥ 0.8×)", "list_deep", "list", 0.8),
    (
        "sync_304_vs_detail_304",
        "empty-delta 304 ≥ 0.9× detail 304",
        "sync_empty_304",
        "detail_304",
        0.9,
    ),
    ("plan_vs_detail", "plan JSON ≥ 0.5× detail", "plan", "detail", 0.5),
    ("plan_ics_vs_detail", "plan .ics ≥ 0.5× detail", "plan_ics", "detail", 0.5),
    # --edge only (n/a without): cache hits through Varnish against the origin's bare bytes.
    ("edge_detail_vs_limit", "detail through the edge ≥ 5× limit", "edge_detail", "limit", 5.0),
    ("edge_list_vs_limit", "list through the edge ≥ 5× limit", "edge_list", "limit", 5.0),
]
BUNDLE_TARGET_SIZE = 10000


def rps(size: dict[str, Any], name: str) -> float | None:
    cell = size["cells"].get(name)
    return cell.get("rps") if cell else None


def ratio(size: dict[str, Any], ours: str, other: str | None) -> float | None:
    """Median over rounds of ours/other req/s (each round measures both minutes apart at most).

    An endpoint measured after the changes is compared with its references measured again in
    its own rounds.
    """
    a, b = size["cells"].get(ours), size["cells"].get(other) if other else None
    if not a or "rps_rounds" not in a:
        return None
    theirs = (a.get("references") or {}).get(other) or (b or {}).get("rps_rounds")
    if not theirs:
        return None
    per_round = [x / y for x, y in zip(a["rps_rounds"], theirs, strict=False) if y]
    found = median(per_round)
    return round(found, 3) if found is not None else None


def evaluate(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key, description, ours, other, threshold in TARGETS:
        values = {s["count"]: ratio(s, ours, other) for s in sizes}
        known = [v for v in values.values() if v is not None]
        verdict = ("PASS" if all(v >= threshold for v in known) else "MISS") if known else "n/a"
        unavailable = {
            s["count"]: s["cells"][ours]["unavailable"]
            for s in sizes
            if "unavailable" in s["cells"].get(ours, {})
        }
        rows.append(
            {
                "key": key,
                "target": description,
                "threshold": threshold,
                "values": values,
                "verdict": verdict,
                **({"unavailable": unavailable} if unavailable else {}),
            }
        )
    rows.append(bundle_target(sizes))
    rows.append(held_target(sizes))
    large = [s for s in sizes if s["count"] >= 1000]
    for name in ("detail", "list", "search", "search_first"):
        # req/s of sizes measured minutes apart drift with the machine (see bench_size), so
        # the verdict uses the in-process time per request, timed interleaved across sizes;
        # wrk req/s (raw and relative to the limit view) are shown alongside.
        def spread(values: list[float | None]) -> float | None:
            if len(values) < 2 or not all(values):
                return None
            return round(min(values) / max(values), 3)  # type: ignore[type-var]

        micros = [s["cells"].get(name, {}).get("inprocess_us") for s in large]
        steady = spread(micros)
        rows.append(
            {
                "key": f"{name}_flat",
                "target": (
                    f"{name} flat within 20% from 1 000 to {large[-1]['count']:,}"
                    if large
                    else f"{name} flat"
                ),
                "threshold": 0.8,
                "values": {
                    "in-process µs": dict(zip([s["count"] for s in large], micros, strict=True)),
                    "min/max in-process": steady,
                    "min/max req/s": spread([rps(s, name) for s in large]),
                    "min/max req/s vs limit": spread([ratio(s, name, "limit") for s in large]),
                },
                "verdict": "n/a" if steady is None else ("PASS" if steady >= 0.8 else "MISS"),
            }
        )
    return rows


# Rows judged by how they hold from this size to the largest one measured.
HELD_FROM = 10000
# Not judged so: the whole catalogue in one answer grows with it by design (its phone-sized
# parts are `bundle_page`); the naive baselines and the limit are not ours. Issue 22 gives
# the first-time search and the two cache misses their own floors at the largest size
# (TARGETS: ≥ 0.1×, 0.5×, 0.4× the limit) and asks "every other row" to hold from 10,000:
# a search nobody asked before reads more of a larger catalogue, by design.
HELD_EXCEPT = {"bundle"}
HELD_OWN_FLOOR = {"search_first", "detail_miss", "list_miss"}


def held_target(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    """Every row of ours keeps, at the largest size, at least 80 % of its ratio to the limit
    at HELD_FROM (issue 22: "every other row within 20 % of its 10,000 ratio")."""
    from .endpoints import OURS

    by_count = {s["count"]: s for s in sizes}
    largest = max(by_count, default=0)
    values: dict[str, float] = {}
    if HELD_FROM in by_count and largest > HELD_FROM:
        for name in OURS:
            if name in HELD_EXCEPT or name in HELD_OWN_FLOOR:
                continue
            before = ratio(by_count[HELD_FROM], name, "limit")
            after = ratio(by_count[largest], name, "limit")
            if before and after is not None:
                values[name] = round(after / before, 3)
    below = {name: value for name, value in values.items() if value < 0.8}
    return {
        "key": "rows_held",
        "target": f"every other row at {largest:,} within 20 % of its ratio at {HELD_FROM:,} "
        "(≥ 0.8×; the whole-catalogue `bundle` aside, and the rows with their own floor "
        "at the largest size: first-time search, detail and list misses)",
        "threshold": 0.8,
        "values": {"held": values, "below": below},
        "verdict": "n/a" if not values else ("MISS" if below else "PASS"),
    }


def bundle_target(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    """The bundle is served from stored bytes: no per-document work per request.

    Judged in-process, where the bytes on the wire do not count: per-document work would make
    a steady-state request grow with the documents (×10 from 1 000 to 10 000), stored bytes
    keep it flat (within 20 %, like the other "flat" targets) with the same SQL per request.
    With a single size of at least 1 000, a steady request must cost under 10 % of a build.
    """
    large = [s for s in sizes if s["count"] >= 1000 and "rps" in s["cells"].get("bundle", {})]
    cells = [s["cells"]["bundle"] for s in large]
    micros = [c.get("inprocess_us") for c in cells]
    queries = [c.get("queries") for c in cells]
    builds = [c.get("cold_ms") for c in cells]
    values = {
        "in-process µs": dict(zip([s["count"] for s in large], micros, strict=True)),
        "SQL/req": dict(zip([s["count"] for s in large], queries, strict=True)),
        "build ms (in-process)": dict(zip([s["count"] for s in large], builds, strict=True)),
        "min/max in-process": None,
    }
    verdict = "n/a"
    if len(large) >= 2 and all(micros):
        steady = round(min(micros) / max(micros), 3)  # type: ignore[type-var]
        values["min/max in-process"] = steady
        verdict = "PASS" if steady >= 0.8 and len(set(queries)) == 1 else "MISS"
    elif len(large) == 1 and micros[0] and builds[0]:
        verdict = "PASS" if micros[0] < builds[0] * 1000 * 0.1 else "MISS"
    if not any(s["count"] >= BUNDLE_TARGET_SIZE for s in large):
        verdict = "n/a"
    return {
        "key": "bundle_stored",
        "target": f"bundle of {BUNDLE_TARGET_SIZE:,} served from stored bytes "
        "(steady request flat from 1 000, same SQL)",
        "threshold": 0.8,
        "values": values,
        "verdict": verdict,
    }
