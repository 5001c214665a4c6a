"""Benchmark the public read API against a naive DRF baseline and a bare "limit" view.

    make bench                                   # sizes 10, 1 000, 10 000 (~15 minutes)
    make bench BENCH_ARGS="--full"               # adds 100 000 (+ ~6 min generation)
    make bench BENCH_ARGS="--sizes 1000 --duration 3 --rounds 1 --reuse"

For each size: a fresh PostgreSQL database (cloned from a migrated template) is filled by
``manage.py bench_generate``, the project is served by gunicorn with
``config.settings.bench``, and wrk drives each endpoint over loopback: a warm-up per endpoint,
then rounds that visit every endpoint in turn (see ``bench_size``). SQL queries per request
are counted in-process (``manage.py bench_probe``), response sizes are fetched from the server
with and without gzip, and peak RSS is read from each gunicorn worker's /proc/<pid>/status.
Writes bench/RESULTS.md and bench/results.json; scratch files (wrk scripts, logs) go to
bench/out/.

The mobile endpoints (sync, bundle, recovery plans) are measured alongside and reported as a
ratio to the detail (the empty-delta 304 to the detail 304) and to the limit. The sync tokens
are taken from the API during discovery. "A delta of N changes" needs data that changed after
its token was taken, so it is measured last, in a second phase of the size: after the
read-only rounds, ``manage.py bench_changes`` publishes N real changes (replace + publish),
and the delta is measured in rounds with the detail and the limit measured again beside it.
The database then no longer holds the generated data, so its ``--reuse`` marker is cleared.
The recovery plans are reported as "not available" when they do not answer 200 in discovery.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PY = sys.executable
SEED_SLUG = "bone-marrow-stem-cell-injection"
DEFAULT_SIZES = [10, 1000, 10000]
FULL_SIZE = 100000
DEEP_PAGES = 50
SAMPLE_SLUGS = 100
PLAN_QUERY = "procedure_at=2026-03-08T09:30&tz=America/New_York&anaesthesia=yes"
SYNC_PAGE_SIZE = 100  # discovery follows a full sync in pages this large
CHANGES = 10  # published by `bench_changes` for the sync_delta row

# name -> (what is requested, the naive endpoint it is compared with)
ENDPOINTS: dict[str, tuple[str, str | None]] = {
    "detail": ("GET /api/v1/treatments/<slug>/", "naive_detail"),
    "detail_304": ("GET /api/v1/treatments/<slug>/ + If-None-Match", "naive_detail"),
    "detail_key": ("GET /api/v1/treatments/<slug>/ + X-Api-Key (a partner's key)", "naive_detail"),
    "list": ("GET /api/v1/treatments/ (page 1)", "naive_list"),
    "list_deep": ("GET /api/v1/treatments/?cursor=… (deep page)", "naive_list"),
    "list_filtered": (
        "GET /api/v1/treatments/?restricted_activity=running&category=pain-treatments",
        "naive_list",
    ),
    "search": ("GET /api/v1/treatments/?q=hip", "naive_list"),
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
    "plan": (f"GET /api/v1/treatments/<slug>/recovery-plan/?{PLAN_QUERY}", None),
    "plan_ics": (f"GET /api/v1/treatments/<slug>/recovery-plan.ics?{PLAN_QUERY}", None),
}
OURS = [
    "detail",
    "detail_304",
    "detail_key",
    "list",
    "list_deep",
    "list_filtered",
    "search",
    "schema",
    "sync_full",
    "sync_empty",
    "sync_empty_304",
    "sync_delta",
    "bundle",
    "plan",
    "plan_ics",
]
# The mobile endpoints are compared with what a client would otherwise fetch: the detail.
DETAIL_BASELINE = {
    "detail_key": "detail",
    "sync_full": "detail",
    "sync_empty": "detail",
    "sync_empty_304": "detail_304",
    "sync_delta": "detail",
    "bundle": "detail",
    "plan": "detail",
    "plan_ics": "detail",
}
NOT_MODIFIED = {"detail_304", "sync_empty_304"}
# Measured after `bench_changes` changed the data (see the module docstring), in rounds with
# these references measured again beside them.
AFTER_CHANGES = ["sync_delta"]
AFTER_CHANGES_REFERENCES = ["detail", "limit"]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------- environment


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    command = "apt-get update && apt-get install -y wrk"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        log(f"wrk is missing; running as root, so trying: {command}")
        for step in (
            ["apt-get", "install", "-y", "wrk"],
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "wrk"],
        ):
            subprocess.run(step, check=False, stdout=subprocess.DEVNULL)
            found = shutil.which("wrk")
            if found:
                return found
    sys.exit(f"wrk (HTTP load generator) is not installed. Install it with:\n  sudo {command}")


def pg_connect(base_url: str, dbname: str) -> Any:
    import psycopg

    return psycopg.connect(f"{base_url}/{dbname}", autocommit=True)


def machine_info(base_url: str, wrk: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    with pg_connect(base_url, "postgres") as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout
    versions = subprocess.run(
        [
            PY,
            "-c",
            "import django, rest_framework, gunicorn, psycopg; print(django.__version__, "
            "rest_framework.__version__, gunicorn.__version__, psycopg.__version__)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    names = ["django", "djangorestframework", "gunicorn", "psycopg"]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "wrk": " ".join(re.findall(r"^wrk \S+", wrk_version) or ["wrk"]),
        "os": platform.platform(),
        **dict(zip(names, versions, strict=False)),
    }


# ---------------------------------------------------------------------------- databases


def django_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def manage(database_url: str, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=django_env(database_url),
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed (exit {result.returncode}).")
    return result.stdout


def recreate_database(base_url: str, name: str, template: str | None = None) -> None:
    with pg_connect(base_url, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')


def database_marker(base_url: str, name: str) -> str | None:
    with pg_connect(base_url, "postgres") as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return row[0] if row else None


def code_fingerprint() -> dict[str, Any]:
    """The commit and a digest of the served code, to tell whether it changed during a run."""
    import hashlib

    digest = hashlib.sha256()
    for folder in ("api", "treatments", "partners", "config", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "api", "treatments", "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return {
        "commit": git.stdout.strip() or "unknown",
        "uncommitted_changes": bool(dirty.stdout.strip()),
        "digest": digest.hexdigest()[:16],
    }


def generator_fingerprint(count: int, seed: int) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(
        [
            *(ROOT / "treatments").rglob("*.py"),
            *(ROOT / "treatments" / "content").glob("*"),
            BENCH / "management" / "commands" / "bench_generate.py",
        ]
    ):
        digest.update(path.read_bytes())
    return f"bench count={count} seed={seed} code={digest.hexdigest()[:16]}"


def prepare_size(args: argparse.Namespace, count: int, template: str) -> tuple[str, float | None]:
    """A database holding `count` synthetic treatments; returns its URL and generation time."""
    name = f"{args.db_prefix}_{count}"
    url = f"{args.pg}/{name}"
    marker = generator_fingerprint(count, args.seed)
    if args.reuse and database_marker(args.pg, name) == marker:
        log(f"size {count}: reusing database {name}")
        return url, None
    started = time.monotonic()
    recreate_database(args.pg, name, template)
    log(f"size {count}: generating {count} treatments into {name}")
    out = manage(url, "bench_generate", "--count", str(count), "--seed", str(args.seed))
    log("  " + out.strip())
    with pg_connect(args.pg, name) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
    return url, time.monotonic() - started


# ---------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn serving config.wsgi with the bench settings, on a free loopback port."""

    def __init__(self, args: argparse.Namespace, database_url: str, label: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = OUT / f"gunicorn-{label}.log"
        self.command = [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
            "--chdir",
            str(ROOT),
        ]
        if args.worker_class == "gthread":
            self.command += ["--threads", str(args.threads_per_worker)]
        self.env = django_env(database_url)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/bench/limit/", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= 1:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log_path}")
        # Let every worker boot before load starts.
        time.sleep(1.0)

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def memory(self) -> list[dict[str, Any]]:
        """Peak (VmHWM) and current (VmRSS) resident memory of each worker, in MiB."""
        rows = []
        for pid in self.worker_pids():
            fields: dict[str, Any] = {"pid": pid}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, value = line.partition(":")
                    if key in ("VmHWM", "VmRSS"):
                        fields[key] = round(int(value.split()[0]) / 1024, 1)
            except OSError:
                continue
            rows.append(fields)
        return rows

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its own workers on SIGTERM
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------------------- HTTP helpers


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def json_body(headers: dict[str, str], body: bytes) -> Any:
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


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
    # The token a client holds after a full sync; "the delta of N changes" reuses it later.
    sync_token, sync_pages = full_sync(server)

    return {
        "detail": {"paths": detail_paths},
        "detail_304": {"paths": detail_paths, "if_none_match": etags},
        "detail_key": {"paths": detail_paths, "headers": {"X-Api-Key": partner_key(database_url)}},
        "list": {"paths": ["/api/v1/treatments/"]},
        "list_deep": {"paths": [deep_path], "depth": depth},
        "list_filtered": {
            "paths": ["/api/v1/treatments/?restricted_activity=running&category=pain-treatments"]
        },
        "search": {"paths": ["/api/v1/treatments/?q=hip"]},
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
        "plan": plan_target(server, slugs, "/"),
        "plan_ics": plan_target(server, slugs, ".ics"),
    }


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


# ---------------------------------------------------------------------------- wrk


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(name: str, target: dict[str, Any]) -> Path:
    paths = ", ".join(lua_string(p) for p in target["paths"])
    tags = target.get("if_none_match")
    tag_table = "{" + ", ".join(lua_string(t) for t in tags) + "}" if tags else "nil"
    extra = target.get("headers")
    extra_table = (
        "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in extra.items()) + "}"
        if extra
        else "nil"
    )
    script = OUT / f"{name}.lua"
    script.write_text(
        f"""-- generated by bench/run.py: cycle over the endpoint's paths
local paths = {{{paths}}}
local etags = {tag_table}
local extra = {extra_table}
local headers = nil
local n = #paths
local i = 0
request = function()
  i = i % n + 1
  if etags then
    return wrk.format("GET", paths[i], {{["If-None-Match"] = etags[i]}})
  end
  if extra then
    if not headers then
      -- wrk's own headers (Host, -H) plus the endpoint's, built once per thread
      headers = {{}}
      for k, v in pairs(wrk.headers) do headers[k] = v end
      for k, v in pairs(extra) do headers[k] = v end
    end
    return wrk.format("GET", paths[i], headers)
  end
  return wrk.format("GET", paths[i])
end
"""
    )
    return script


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unparseable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    result: dict[str, Any] = {"errors": 0, "non_2xx_3xx": 0}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(line.split()[1])
        elif re.match(r"^(50|75|90|99)%\s", line):
            pct, value = line.split()
            result[f"p{pct[:-1]}_ms"] = round(_ms(value), 3)
        elif line.startswith("Socket errors:"):
            result["errors"] = sum(int(n) for n in re.findall(r"\d+", line))
        elif line.startswith("Non-2xx or 3xx responses:"):
            result["non_2xx_3xx"] = int(line.split(":")[1])
        elif "requests in" in line:
            result["requests"] = int(line.split()[0])
    if "rps" not in result:
        raise ValueError("wrk printed no Requests/sec:\n" + output)
    return result


def drain(base: str, timeout: float = 180.0) -> None:
    """Wait until the server has worked off what the last wrk run left queued.

    wrk closes its connections when its time is up, but sync workers still answer every request
    already accepted or waiting in the listen backlog; a slow endpoint (naive list) leaves many
    seconds of work that would otherwise be billed to the next endpoint.
    """
    deadline = time.monotonic() + timeout
    fast = 0
    while time.monotonic() < deadline and fast < 3:
        started = time.perf_counter()
        fetch(base + "/bench/limit/")
        fast = fast + 1 if time.perf_counter() - started < 0.05 else 0
        time.sleep(0.2)


def run_wrk(
    args: argparse.Namespace, wrk: str, base: str, script: Path, seconds: float, gzip: bool
) -> dict[str, Any]:
    command = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    result = subprocess.run([*command, base], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stderr or result.stdout}")
    drain(base)
    return parse_wrk(result.stdout)


# ---------------------------------------------------------------------------- one size


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
            if "unavailable" in targets[name]:
                cells[name] = {
                    "unavailable": targets[name]["unavailable"],
                    "path": targets[name]["paths"][0],
                }
        first = [n for n in args.endpoints if n not in cells and n not in AFTER_CHANGES]
        later = [n for n in args.endpoints if n not in cells and n in AFTER_CHANGES]
        scripts = {}
        for name in first:
            scripts[name] = prepare_cell(args, wrk, server, count, name, targets[name], cells)
        for _ in range(args.rounds):
            for name in first:
                measured = run_wrk(args, wrk, server.base, scripts[name], slice_s, args.gzip)
                rounds.setdefault(name, []).append(measured)
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
    for name in [n for n in args.endpoints if n in rounds]:
        target = targets[name]
        headers = dict(target.get("headers") or {})
        if "if_none_match" in target:
            headers["If-None-Match"] = target["if_none_match"][0]
        probes.append({"name": name, "path": target["paths"][0], "headers": headers})
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
    }


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
    script = wrk_script(f"{count}-{name}", target)
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
    # Let every worker's in-memory documents expire (PUBLIC_MEMORY_TTL, 2 s by default).
    time.sleep(2.5)
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


# ---------------------------------------------------------------------------- report


# key, description, ours, compared with, threshold
TARGETS = [
    ("detail_vs_limit", "detail ≥ 0.7× limit", "detail", "limit", 0.7),
    ("detail_vs_naive", "detail ≥ 8× naive detail", "detail", "naive_detail", 8.0),
    ("list_vs_naive", "list ≥ 25× naive list", "list", "naive_list", 25.0),
    ("304_vs_limit", "304 ≥ 0.9× limit", "detail_304", "limit", 0.9),
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
    large = [s for s in sizes if s["count"] >= 1000]
    for name in ("detail", "list"):
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
        "median over rounds of the per-round ratio, which cancels the machine's drift. Detail, "
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
        "Every live document in one answer (`/api/v1/bundle/`), built once per change by each "
        "worker and kept in memory, raw and gzip-compressed. *First build*: the first request "
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
    lines.append("")
    path.write_text("\n".join(lines))


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=None, help="Comma-separated treatment counts (default 10,1000,10000)."
    )
    parser.add_argument("--full", action="store_true", help=f"Also run {FULL_SIZE:,}.")
    parser.add_argument(
        "--duration", type=int, default=9, help="Measured seconds per endpoint and size (9)."
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="Rounds the duration is split into (3)."
    )
    parser.add_argument("--warmup", type=int, default=2, help="Warm-up seconds per cell (2).")
    parser.add_argument(
        "--timing-requests",
        type=int,
        default=200,
        help="Requests per in-process timing of an endpoint (200).",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2).")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument(
        "--threads-per-worker",
        type=int,
        default=4,
        help="gunicorn threads per worker with gthread (4).",
    )
    parser.add_argument(
        "--gzip", action="store_true", help="Send Accept-Encoding: gzip in every load request."
    )
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help="Comma-separated subset of: " + ", ".join(ENDPOINTS),
    )
    parser.add_argument("--seed", type=int, default=1, help="Data generator seed (1).")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database (env BENCH_PG).",
    )
    parser.add_argument(
        "--db-prefix",
        default="treatments_bench",
        help="Databases are <prefix>_template and <prefix>_<size>.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Reuse a size's database if it holds the same generated data (a run that "
        "measured sync_delta changed it, so the next one generates it again).",
    )
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(DEFAULT_SIZES)
    if args.full and FULL_SIZE not in sizes:
        sizes.append(FULL_SIZE)
    args.size_list = sorted(set(sizes))
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    args.argv = argv
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    try:
        machine = machine_info(args.pg, wrk)
    except Exception as exc:
        sys.exit(f"Cannot reach PostgreSQL at {args.pg} ({exc}); start it or pass --pg.")
    log(
        f"{machine['cpu']}, {machine['cores']} cores; PostgreSQL {machine['postgresql']}; "
        f"sizes {args.size_list}"
    )

    code_before = code_fingerprint()
    template = f"{args.db_prefix}_template"
    recreate_database(args.pg, template)
    manage(f"{args.pg}/{template}", "migrate", "--noinput")
    log(f"migrated template database {template}")

    sizes = [bench_size(args, wrk, count, template) for count in args.size_list]
    log("timing every endpoint in-process at every size")
    time_in_process(args, sizes)
    report = {
        "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed_s": round(time.monotonic() - started, 1),
        "machine": machine,
        "config": {
            "argv": args.argv,
            "sizes": args.size_list,
            "endpoints": args.endpoints,
            "duration": args.duration,
            "warmup": args.warmup,
            "threads": args.threads,
            "connections": args.connections,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads_per_worker": args.threads_per_worker,
            "gzip": args.gzip,
            "rounds": args.rounds,
            "seed": args.seed,
        },
        "sizes": sizes,
    }
    code_after = code_fingerprint()
    report["code"] = {**code_before, "changed_during_run": code_after != code_before}
    if report["code"]["changed_during_run"]:
        log("WARNING: the code under api/, treatments/, config/ or bench/ changed during the run")
    report["targets"] = evaluate(sizes)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(args.output, report)
    for row in report["targets"]:
        log(f"{row['verdict']:<4}  {row['target']}  {row['values']}")
    log(f"done in {report['elapsed_s'] / 60:.1f} min; wrote {args.output} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
