"""Rate limits shared by all workers: GCRA in Redis, or in memory when there is no Redis.

`store()` is this process's store, built from settings on first use: with
`RATE_LIMIT_REDIS_URL` (defaults to `REDIS_URL`) a Redis store behind a circuit breaker with a
per-worker memory fallback; without it, memory only (development, the SQLite test run).
"""

import threading
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .breaker import CircuitBreaker
from .policy import Decision, Policy, make_policy, parse_rate
from .stores import MemoryStore, RedisStore, ResilientStore, Store, redis_client

__all__ = ["Decision", "Policy", "Store", "make_policy", "parse_rate", "reset_store", "store"]

SETTINGS = frozenset(
    {
        "REDIS_URL",
        "RATE_LIMIT_REDIS_URL",
        "RATE_LIMIT_REDIS_TIMEOUT",
        "RATE_LIMIT_BREAKER_FAILURES",
        "RATE_LIMIT_BREAKER_COOLDOWN",
        "RATE_LIMIT_MEMORY_MAX_KEYS",
        # A changed rate starts every client afresh (tests change rates often).
        "REST_FRAMEWORK",
        "API_ANON_BURST",
    }
)

_store: Store | None = None
_lock = threading.Lock()


def build_store() -> Store:
    """A store as the settings describe it."""
    memory = MemoryStore(max_keys=getattr(settings, "RATE_LIMIT_MEMORY_MAX_KEYS", 100_000))
    url = getattr(settings, "RATE_LIMIT_REDIS_URL", "")
    if not url:
        return memory
    client = redis_client(url, timeout=getattr(settings, "RATE_LIMIT_REDIS_TIMEOUT", 0.1))
    breaker = CircuitBreaker(
        threshold=getattr(settings, "RATE_LIMIT_BREAKER_FAILURES", 3),
        cooldown=getattr(settings, "RATE_LIMIT_BREAKER_COOLDOWN", 5.0),
    )
    return ResilientStore(RedisStore(client), memory, breaker)


def store() -> Store:
    """This process's rate-limit store."""
    current = _store
    if current is not None:
        return current
    return _build_once()


def _build_once() -> Store:
    global _store
    with _lock:
        if _store is None:
            _store = build_store()
        return _store


def reset_store() -> None:
    """Forget the store (and its memory); the next request builds one from settings."""
    global _store
    with _lock:
        old, _store = _store, None
    if isinstance(old, ResilientStore):
        old.primary.client.close()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs: Any) -> None:
    if setting in SETTINGS:
        reset_store()
