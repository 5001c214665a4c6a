"""The machine, the databases, the gunicorn server under test, and plain HTTP to it."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PY = sys.executable


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


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
        # The generated data is the same; the schema may have moved on since (a new table).
        manage(url, "migrate", "--noinput")
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
