"""A database that cannot answer: 503 problem+json with Retry-After, never a 500.

Real failures, real server: gunicorn serves the project in a subprocess, and the database is
made unavailable for real — on SQLite the database file is moved away (a directory takes its
place, so opening it fails), on PostgreSQL the server is reached through a TCP relay that the
test cuts (open connections are reset, new ones refused), then restores.
"""

import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.processes import (
    OWN_SQLITE_DATABASE,
    Answer,
    Relay,
    gunicorn,
    manage,
    request,
    scratch_database,
    site_env,
)

RETRY_AFTER = "7"
SLUG = "bone-marrow-stem-cell-injection"
DETAIL = f"/api/v1/treatments/{SLUG}/"
PASSWORD = "a-long-outage-test-password"

# Every public operation (one URL each); each answered 200 before the outage.
PUBLIC_URLS = [
    "/api/v1/",
    "/api/v1/categories/",
    "/api/v1/treatments/",
    "/api/v1/treatments/?q=marrow",
    DETAIL,
    f"{DETAIL}revisions/",
    f"{DETAIL}revisions/1/",
    f"{DETAIL}revisions/1/diff/1/",
    f"{DETAIL}recovery-plan/?procedure_at=2026-03-08T09:30&tz=UTC&anaesthesia=yes",
    f"{DETAIL}recovery-plan.ics?procedure_at=2026-03-08T09:30&tz=UTC&anaesthesia=yes",
    "/api/v1/schema/treatment-document/",
    "/api/v1/sync/",
    "/api/v1/bundle/",
]
# What cannot be answered without the database at all.
# Not served before the outage, so not in any worker's memory (lists, searches, categories and
# documents that were served are, and stay servable while the database is down).
NEEDS_DATABASE = [
    "/api/v1/categories/?page_size=7",
    "/api/v1/treatments/?page_size=7",
    "/api/v1/treatments/?q=stem",
    f"{DETAIL}revisions/",
    "/api/v1/treatments/never-served-before/",
]
HOT_TTL = 0.5  # PUBLIC_MEMORY_TTL of the served site: hot entries expire during the outage


def _prepare(env: dict[str, str]) -> str:
    """Migrate, load and publish the seed, create an editor; return the editor's token."""
    # One process for every step: starting Django is the slow part on a busy machine.
    script = f"""
from django.contrib.auth.models import User
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("ensure_roles", verbosity=0)
call_command("load_content", "--publish", verbosity=0)
User.objects.create_superuser("outage-admin", "outage@example.org", {PASSWORD!r})
call_command("issue_token", "outage-admin")
"""
    return manage("shell", "--no-imports", "-c", script, env=env).strip().splitlines()[-1]


def _assert_unavailable(answer: Answer, path: str) -> None:
    assert answer.status == 503, f"{path}: {answer.status} {answer.body[:300]!r}"
    assert answer.headers["Retry-After"] == RETRY_AFTER
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = json.loads(answer.body)
    assert body["type"] == "urn:treatment-knowledge:problem:database-unavailable"
    assert body["status"] == 503
    assert body["retry_after"] == int(RETRY_AFTER)


def _admin_login(port: int) -> Answer:
    page = request(port, "GET", "/admin/login/")
    assert page.status == 200
    cookie = page.headers["Set-Cookie"].split(";")[0]
    token = cookie.split("=", 1)[1]
    form = f"csrfmiddlewaretoken={token}&username=outage-admin&password={PASSWORD}&next=/admin/"
    return request(
        port,
        "POST",
        "/admin/login/",
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/admin/login/",
        },
        body=form.encode(),
    )


def _check_outage(port: int, token: str, break_database: Any, restore_database: Any) -> None:
    editor = {"Authorization": f"Token {token}"}
    before = {path: request(port, "GET", path) for path in PUBLIC_URLS}
    for path, answer in before.items():
        assert answer.status == 200, f"{path} before the outage: {answer.status}"
    assert request(port, "GET", "/api/v1/editor/treatments/", headers=editor).status == 200

    break_database()
    time.sleep(HOT_TTL + 0.5)  # the head is due for a re-read, which fails: memory is kept
    try:
        for path in PUBLIC_URLS:
            answer = request(port, "GET", path)
            # Served from this worker's memory, or 503: never a 500.
            if answer.status != 200:
                _assert_unavailable(answer, path)
        for path in NEEDS_DATABASE:
            _assert_unavailable(request(port, "GET", path), path)
        # The live document this worker served a moment ago is still served, byte for byte,
        # and shared caches may keep it only as long as the client is told to wait.
        hot = request(port, "GET", DETAIL)
        assert hot.status == 200
        assert hot.body == before[DETAIL].body
        assert hot.headers["ETag"] == before[DETAIL].headers["ETag"]
        # From the hot path (its usual caching), or from the error handler (kept only as long
        # as the client is told to wait).
        assert hot.headers["Cache-Control"] in (
            before[DETAIL].headers["Cache-Control"],
            f"public, max-age={RETRY_AFTER}",
        )
        etag = {"If-None-Match": hot.headers["ETag"]}
        assert request(port, "GET", DETAIL, headers=etag).status == 304
        for method, path in [
            ("GET", "/api/v1/editor/treatments/"),
            ("POST", "/api/v1/editor/import/?dry_run=true"),
        ]:
            answer = request(
                port,
                method,
                path,
                headers={**editor, "Content-Type": "application/json"},
                body=b"{}" if method == "POST" else None,
            )
            _assert_unavailable(answer, path)
        login = _admin_login(port)
        assert login.status == 503, login.body[:500]
        assert login.headers["Retry-After"] == RETRY_AFTER
        assert login.headers["Content-Type"].startswith("text/html")
    finally:
        restore_database()

    for path in PUBLIC_URLS:
        assert request(port, "GET", path).status == 200, f"{path} after the outage"
    assert request(port, "GET", "/api/v1/editor/treatments/", headers=editor).status == 200
    assert _admin_login(port).status == 302  # logged in: redirected to /admin/


@OWN_SQLITE_DATABASE
def test_a_missing_sqlite_file_answers_503_with_retry_after_and_recovers(
    tmp_path: Path,
) -> None:
    database = tmp_path / "db.sqlite3"
    env = site_env(
        DATABASE_URL=f"sqlite:///{database}",
        DATABASE_CONN_MAX_AGE="0",  # each request opens the file, as after a restart
        DATABASE_RETRY_AFTER=RETRY_AFTER,
        PUBLIC_MEMORY_TTL=str(HOT_TTL),
    )
    token = _prepare(env)
    away = tmp_path / "moved-away.sqlite3"

    def break_database() -> None:
        database.rename(away)
        database.mkdir()  # sqlite cannot open a directory: "unable to open database file"

    def restore_database() -> None:
        database.rmdir()
        away.rename(database)

    with gunicorn(env) as port:
        _check_outage(port, token, break_database, restore_database)


@pytest.mark.postgres
def test_a_lost_postgresql_connection_answers_503_with_retry_after_and_recovers() -> None:
    url = os.environ["DATABASE_URL"]
    with scratch_database(url, "_outage") as scratch:
        parts = urlsplit(scratch)
        relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
        relay.start()
        netloc = f"{parts.username or 'postgres'}@127.0.0.1:{relay.port}"
        env = site_env(
            DATABASE_URL=urlunsplit(parts._replace(netloc=netloc)),
            DATABASE_RETRY_AFTER=RETRY_AFTER,
            PUBLIC_MEMORY_TTL=str(HOT_TTL),
        )
        token = _prepare(env)
        try:
            with gunicorn(env) as port:
                _check_outage(port, token, relay.cut, relay.start)
        finally:
            relay.cut()
