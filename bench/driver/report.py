"""The human-readable report: bench/RESULTS.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.driver.endpoints import DETAIL_BASELINE, ENDPOINTS, OURS
from bench.driver.statistics import ratio


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_markdown(path: Path, report: dict[str, Any]) -> None:
    machine, config, sizes = report["machine"], report["config"], report["sizes"]
    counts = [s["count"] for s in sizes]
    worker = f"`{config['worker_class']}`" + (
        f" × {config['threads_per_worker']} threads" if config["worker_class"] == "gthread" else ""
    )
    slice_s = sizes[0]["round_seconds"] if sizes else "?"
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{' '.join(['bench/run.py', *config['argv']])}` (`make bench`) on "
        f"{report['finished_at']}; the whole run took {report['elapsed_s'] / 60:.1f} min "
        "including data generation. Raw numbers: `bench/results.json`.",
        "",
        f"Code: commit `{report['code']['commit']}`"
        + (" with uncommitted changes" if report["code"]["uncommitted_changes"] else "")
        + (
            ". **The code changed while the run was in progress: re-run before trusting it.**"
            if report["code"]["changed_during_run"]
            else "; unchanged during the run."
        ),
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {machine['cpu']} |",
        f"| Cores | {machine['cores']} |",
        f"| RAM | {machine['ram_gb']} GB |",
        f"| Python | {machine['python']} |",
        f"| PostgreSQL | {machine['postgresql']} (same machine, loopback) |",
        f"| Django / DRF / psycopg | {machine.get('django')} / "
        f"{machine.get('djangorestframework')} / {machine.get('psycopg')} |",
        f"| gunicorn | {machine.get('gunicorn')}: {config['workers']} workers, {worker}, "
        "settings `config.settings.bench` (DEBUG off, throttling off) |",
        f"| Load | {machine['wrk']}: `-t{config['threads']} -c{config['connections']} "
        f"--latency`; per endpoint {config['warmup']} s warm-up, then {config['rounds']} "
        f"rounds × {slice_s} s that visit every endpoint in turn; "
        + ("`Accept-Encoding: gzip`" if config["gzip"] else "no `Accept-Encoding` (identity)")
        + " |",
        "",
        "wrk, gunicorn and PostgreSQL share the two cores. req/s is the mean of the rounds, p50 "
        "the median of the rounds' p50, p99 the worst round's. Ratios and targets use the "
        "median over rounds of the per-round ratio, which cancels the machine's drift; the "
        "rows with a floor against the limit (first-time search, detail and list misses) are "
        "compared with the limit measured again just before them in each round. Detail, "
        "304 and naive detail cycle over 100 slugs spread over the data (the seed first; 304 "
        "sends each one's ETag). SQL/req is counted in-process (`CaptureQueriesContext`, same "
        "database): the second of two requests, and in brackets the first where it differs "
        "(a per-worker cache still cold). Bytes: body of the first path, identity and gzip.",
        "",
        "| size | data generated in |",
        "| ---: | ---: |",
        *[
            f"| {s['count']:,} | "
            + (f"{s['generated_in_s']:.1f} s |" if s["generated_in_s"] is not None else "reused |")
            for s in sizes
        ],
        "",
        "## Results",
        "",
        "| endpoint | size | req/s | p50 ms | p99 ms | in-process µs | SQL/req | bytes | gzip bytes"
        " | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in config["endpoints"]:
        for s in sizes:
            c = s["cells"].get(name)
            if not c:
                continue
            if "unavailable" in c:
                lines.append(
                    f"| `{name}` | {s['count']:,} | not available (`{c['path']}` "
                    f"{c['unavailable']} in discovery) | – | – | – | – | – | – | – |"
                )
                continue
            extra = f" (page {c['depth']})" if name == "list_deep" else ""
            if "changes" in c:
                extra = f" ({c['changes']} changes)"
            elif "documents" in c:
                extra = f" ({c['documents']:,} documents)"
            errors = c["errors"] + c["non_2xx_3xx"]
            lines.append(
                f"| `{name}`{extra} | {s['count']:,} | {fmt(c['rps'])} | "
                f"{fmt(c.get('p50_ms'), 2)} | {fmt(c.get('p99_ms'), 2)} | "
                f"{fmt(c.get('inprocess_us'), 0)} | {c.get('queries', '?')}"
                + (
                    f" ({c['queries_cold']} cold)"
                    if c.get("queries_cold", c.get("queries")) != c.get("queries")
                    else ""
                )
                + " | "
                f"{fmt(c['bytes'])} | {fmt(c['bytes_gzip'])} | "
                f"{errors} |"
            )
    lines += ["", "Endpoints:", ""]
    lines += [f"- `{name}`: {ENDPOINTS[name][0]}" for name in config["endpoints"]]
    lines += [
        "",
        "## Peak RSS per worker",
        "",
        "| size | worker VmHWM (MiB) | worker VmRSS at end (MiB) |",
        "| ---: | --- | --- |",
    ]
    for s in sizes:
        hwm = ", ".join(fmt(w.get("VmHWM")) for w in s["workers"])
        now = ", ".join(fmt(w.get("VmRSS")) for w in s["workers"])
        lines.append(f"| {s['count']:,} | {hwm} | {now} |")

    lines += [
        "",
        "## Ratios (req/s, median of per-round ratios)",
        "",
        "Each of our endpoints against the limit view and against the naive equivalent "
        "(detail and 304 against naive detail; the lists against naive list); the mobile "
        "endpoints against the detail (the empty-delta 304 against the detail 304). "
        "`sync_delta` is measured after the changes it needs, in rounds of its own with the "
        "detail and the limit measured again beside it; its ratios use those.",
        "",
        "| endpoint | "
        + " | ".join(f"vs limit @{n:,}" for n in counts)
        + " | "
        + " | ".join(f"vs naive @{n:,}" for n in counts)
        + " | "
        + " | ".join(f"vs detail @{n:,}" for n in counts)
        + " |",
        "| --- | " + " | ".join("---:" for _ in counts * 3) + " |",
    ]
    for name in [n for n in OURS if n in config["endpoints"]]:
        naive = ENDPOINTS[name][1]
        if any("unavailable" in s["cells"].get(name, {}) for s in sizes):
            lines.append(f"| `{name}` | " + " | ".join("n/a" for _ in counts * 3) + " |")
            continue
        vs_limit = [fmt(ratio(s, name, "limit"), 2) for s in sizes]
        vs_naive, vs_detail = [], []
        for s in sizes:
            value = ratio(s, name, naive) if naive else None
            vs_naive.append(f"{value:,.1f}×" if value is not None else "–")
            baseline = DETAIL_BASELINE.get(name)
            vs_detail.append(fmt(ratio(s, name, baseline), 2) if baseline else "–")
        lines.append(f"| `{name}` | " + " | ".join([*vs_limit, *vs_naive, *vs_detail]) + " |")

    lines += [
        "",
        "## Bundle",
        "",
        "Every live document in one answer (`/api/v1/bundle/`): a part built once per public "
        "change (by the task worker, or by the first request that finds none) and stored "
        "gzip-compressed in chunks in the database, then streamed a chunk at a time "
        "(api/v1/sync/bundles.py). *First build*: the first request "
        "after the server started, over HTTP with `Accept-Encoding: gzip` (build, compression "
        "and transfer; one worker); *rebuilt*: the first request after `bench_changes` "
        "published its changes; *in-process build*: the first request in a fresh process "
        "(`bench_probe`, no network); *steady*: wrk req/s and in-process time once built.",
        "",
        "| size | documents | bytes | gzip bytes | first build ms | rebuilt ms | "
        "in-process build ms | steady req/s (gzip) | steady in-process µs | SQL/req |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        c, b = s["cells"].get("bundle"), s.get("bundle") or {}
        if not c or "rps" not in c:
            continue
        lines.append(
            f"| {s['count']:,} | {fmt(b.get('documents'))} | {fmt(c['bytes'])} | "
            f"{fmt(c['bytes_gzip'])} | {fmt(b.get('first_ms'))} | {fmt(b.get('rebuilt_ms'))} | "
            f"{fmt(c.get('cold_ms'))} | {fmt(c['rps'])} | {fmt(c.get('inprocess_us'), 0)} | "
            f"{c.get('queries', '?')} ({c.get('queries_cold', '?')} to build) |"
        )
    lines += [
        "",
        "A phone downloads the parts the manifest lists instead (`bundle_page`): each category "
        "whole up to `BUNDLE_PAGE_DOCUMENTS` (500) documents, else cut into pages of ids; the "
        "row `bundle_page` fetches them all in turn.",
        "",
        "| size | parts listed | documents in all | documents per part (mean) | largest part | "
        "req/s (gzip) | gzip bytes (first part) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        c, b = s["cells"].get("bundle_page"), s.get("bundle_pages") or {}
        if not c or "rps" not in c or not b.get("parts"):
            continue
        lines.append(
            f"| {s['count']:,} | {fmt(b['parts'])} | {fmt(b['documents'])} | "
            f"{fmt(b['documents'] / b['parts'], 0)} | {fmt(b['largest'])} | {fmt(c['rps'])} | "
            f"{fmt(c['bytes_gzip'])} |"
        )

    lines += [
        "",
        "## Targets",
        "",
        "| target | " + " | ".join(f"@{n:,}" for n in counts) + " | verdict |",
        "| --- | " + " | ".join("---:" for _ in counts) + " | --- |",
    ]
    for row in report["targets"]:
        if row["key"] == "bundle_stored":
            values = row["values"]
            text = (
                "steady in-process "
                + " → ".join(fmt(v, 0) + " µs" for v in values["in-process µs"].values())
                + f" (min/max {fmt(values['min/max in-process'], 2)}), SQL/req "
                + " → ".join(fmt(v) for v in values["SQL/req"].values())
                + "; a build takes "
                + " → ".join(fmt(v) + " ms" for v in values["build ms (in-process)"].values())
            )
            cells = [text] + ["" for _ in counts[1:]]
        elif row["key"] == "rows_held":
            held = row["values"]["held"]
            lowest = sorted(held.items(), key=lambda item: item[1])[:3]
            text = (
                f"{len(held)} rows; lowest "
                + ", ".join(f"`{name}` {fmt(value, 2)}" for name, value in lowest)
                + (
                    "; below 0.8: " + ", ".join(f"`{name}`" for name in row["values"]["below"])
                    if row["values"]["below"]
                    else ""
                )
            )
            cells = [text] + ["" for _ in counts[1:]]
        elif row["key"].endswith("_flat"):
            values = row["values"]
            text = (
                f"in-process time min/max {fmt(values['min/max in-process'], 2)} "
                f"({' → '.join(fmt(v, 0) + ' µs' for v in values['in-process µs'].values())}); "
                f"wrk req/s min/max {fmt(values['min/max req/s'], 2)}, relative to limit "
                f"{fmt(values['min/max req/s vs limit'], 2)}"
            )
            cells = [text] + ["" for _ in counts[1:]]
        else:
            missing = row.get("unavailable", {})
            cells = [
                "not available" if n in missing else fmt(row["values"].get(n), 2) for n in counts
            ]
        lines.append(f"| {row['target']} | " + " | ".join(cells) + f" | **{row['verdict']}** |")
    lines += search_plan_lines(sizes)
    lines.append("")
    path.write_text("\n".join(lines))


def search_plan_lines(sizes: list[dict[str, Any]]) -> list[str]:
    """PostgreSQL's plans of first-time searches (`manage.py bench_explain`), per size."""
    measured = [s for s in sizes if s.get("search_plans")]
    if not measured:
        return []
    lines = [
        "",
        "## Search plans",
        "",
        "`EXPLAIN (ANALYZE, BUFFERS)` of every statement of two first-time searches (the band "
        "lookup, then each page query), exactly as the API runs them, in a fresh process after "
        "the load (`manage.py bench_explain`).",
    ]
    for s in measured:
        for search, found in s["search_plans"].items():
            lines += ["", f"### {s['count']:,} treatments: `{search}`"]
            for number, statement in enumerate(found["statements"], 1):
                lines += [
                    "",
                    f"Statement {number} of {len(found['statements'])}:",
                    "",
                    "```",
                    statement["plan"],
                    "```",
                ]
    return lines
