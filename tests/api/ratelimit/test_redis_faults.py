"""Redis down or hung neither fails nor stalls requests: a real, private redis-server.

Each test starts its own redis-server on a free port (never the shared one), then pauses it
with SIGSTOP (hung: connections are accepted, nothing is answered) or kills it (down). Redis
calls are counted by wrapping the real store's call, so "no longer waits on Redis" is asserted
as "no longer calls Redis", with a generous per-request time bound as a second witness.
Throughput under a paused Redis is measured by bench/rate_limits.py, not here.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from api.live.memories import hot_documents
from api.ratelimit import build_store, parse_rate, store
from api.ratelimit.stores import ResilientStore

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
LIST = "/api/v1/treatments/"
DETAIL = "/api/v1/treatments/bone-marrow-stem-cell-injection/"
SOCKET_TIMEOUT = 1.0  # seconds; large so that "faster than a timeout" is not a tight bound


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        self.resume()
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path: Any) -> Iterator[PrivateRedis]:
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = PrivateRedis(port, process)
    deadline = time.monotonic() + 15
    while True:
        try:
            server.client().ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield server
    if process.poll() is None:
        server.kill()


@pytest.fixture
def limited_by(private_redis: PrivateRedis, seed_published: Any) -> Iterator[Callable[..., Any]]:
    """Point the limiter at the private Redis with a given anonymous rate and breaker."""
    overrides: list[Any] = []

    def configure(rate: str, *, failures: int = 2, cooldown: float = 60.0) -> ResilientStore:
        current: dict[str, Any] = settings.REST_FRAMEWORK
        rates = {**current["DEFAULT_THROTTLE_RATES"], "anon": rate}
        override = override_settings(
            REST_FRAMEWORK={**current, "DEFAULT_THROTTLE_RATES": rates},
            RATE_LIMIT_REDIS_URL=private_redis.url,
            RATE_LIMIT_REDIS_TIMEOUT=SOCKET_TIMEOUT,
            RATE_LIMIT_BREAKER_FAILURES=failures,
            RATE_LIMIT_BREAKER_COOLDOWN=cooldown,
            PUBLIC_MEMORY_TTL=60.0,
        )
        override.enable()
        overrides.append(override)
        current_store = store()
        assert isinstance(current_store, ResilientStore)
        return current_store

    yield configure
    for override in reversed(overrides):
        override.disable()
    cache.clear()
    hot_documents().clear()


class CountingCalls:
    """Counts the limiter's calls to Redis (the real call still happens)."""

    def __init__(self, resilient: ResilientStore) -> None:
        self.count = 0
        real = resilient.primary._call

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        resilient.primary._call = counted  # type: ignore[method-assign]


def timed_get(client: Client, url: str) -> tuple[int, float]:
    started = time.monotonic()
    status = client.get(url).status_code
    return status, time.monotonic() - started


def test_the_limit_is_shared_by_every_worker_through_redis(
    private_redis: PrivateRedis, limited_by: Any, client: Client
) -> None:
    limited_by("3/minute")
    # Two workers: two stores, each with its own memory, one Redis.
    first, second = build_store(), build_store()
    policy = parse_rate("anonymous", "3/minute")
    answers = [first.hit("ip:shared", policy), second.hit("ip:shared", policy)]
    answers += [first.hit("ip:shared", policy), second.hit("ip:shared", policy)]
    assert [a.allowed for a in answers] == [True, True, True, False]
    assert client.get(LIST).status_code == 200
    assert private_redis.client().exists("ratelimit:ip:127.0.0.1")


@pytest.mark.parametrize("url", [LIST, DETAIL], ids=["drf-path", "hot-path"])
def test_a_hung_redis_neither_fails_nor_stalls_requests_once_the_breaker_opens(
    private_redis: PrivateRedis, limited_by: Any, client: Client, url: str
) -> None:
    resilient = limited_by("1000/minute", failures=2)
    assert client.get(url).status_code == 200  # warm: the hot document is in memory
    calls = CountingCalls(resilient)
    private_redis.pause()
    answers = [timed_get(client, url) for _ in range(12)]
    assert [status for status, _ in answers] == [200] * 12, "no 5xx, and no request refused"
    assert calls.count == 2, "after 2 failed calls the breaker stops calling Redis"
    assert resilient.breaker.is_open
    slowest_after_open = max(seconds for _, seconds in answers[2:])
    assert slowest_after_open < SOCKET_TIMEOUT, "no request waits on the hung Redis any more"


def test_limits_still_hold_per_worker_while_redis_is_down(
    private_redis: PrivateRedis, limited_by: Any, client: Client
) -> None:
    resilient = limited_by("3/minute", failures=1)
    calls = CountingCalls(resilient)
    private_redis.kill()
    statuses = [client.get(LIST).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429], "fail open to the memory limiter, not to none"
    assert calls.count == 1
    refused = client.get(LIST)
    assert refused["RateLimit"].startswith('"anonymous";r=0;') and refused["Retry-After"]


def test_redis_is_used_again_after_the_cooldown_once_it_answers(
    private_redis: PrivateRedis, limited_by: Any, client: Client
) -> None:
    resilient = limited_by("1000/minute", failures=1, cooldown=0.5)
    private_redis.pause()
    assert client.get(LIST).status_code == 200
    assert resilient.breaker.is_open
    private_redis.resume()
    time.sleep(0.6)
    calls = CountingCalls(resilient)
    assert client.get(LIST).status_code == 200
    assert calls.count == 1 and not resilient.breaker.is_open, "the trial call closed it"
    assert private_redis.client().exists("ratelimit:ip:127.0.0.1")
