"""Deployment settings: production refuses to start without secrets and passes check --deploy."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-0123456789abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "api.example.org",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_settings_have_no_default_for_secrets(missing: str) -> None:
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_redis_cache_keeps_serving_when_redis_is_down() -> None:
    code = (
        "import django; django.setup();"
        "from django.core.cache import cache;"
        "cache.set('k', 1); assert cache.get('k') is None; print('served')"
    )
    env = {
        **PROD_ENV,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    assert "served" in result.stdout


@pytest.mark.parametrize(
    ("raw", "taken"), [("1.1", "1.1"), (" 2 ", "2"), ("", ""), ("  ", ""), ("4.0", "4.0")]
)
def test_the_random_page_cost_is_a_positive_number_or_the_servers(raw: str, taken: str) -> None:
    from config.settings.base import random_page_cost

    assert random_page_cost(raw) == taken


@pytest.mark.parametrize("raw", ["0", "-1", "1e3", "fast", "1.1.1", "١.١", "1; DROP", "2e9"])
def test_a_random_page_cost_postgresql_would_not_take_refuses_to_start(raw: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import random_page_cost

    with pytest.raises(ImproperlyConfigured, match="DATABASE_RANDOM_PAGE_COST"):
        random_page_cost(raw)


@pytest.mark.parametrize(
    ("env", "taken"),
    [
        ({}, "1.1"),
        ({"DATABASE_RANDOM_PAGE_COST": ""}, ""),
        ({"DATABASE_RANDOM_PAGE_COST": "2"}, "2"),
        # Preparing off is the setting for poolers, which may refuse libpq `options`: the
        # session then starts with none unless the cost is set.
        ({"DATABASE_PREPARED_STATEMENTS": "0"}, ""),
        ({"DATABASE_PREPARED_STATEMENTS": "0", "DATABASE_RANDOM_PAGE_COST": "1.1"}, "1.1"),
    ],
)
def test_the_page_cost_a_postgresql_database_is_given(
    env: dict[str, str], taken: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings.base import checked_connections

    for name in ("DATABASE_RANDOM_PAGE_COST", "DATABASE_PREPARED_STATEMENTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    database = checked_connections({"ENGINE": "django.db.backends.postgresql"})
    assert database["RANDOM_PAGE_COST"] == taken
