"""Where rate-limit state lives: Redis shared by all workers, or this worker's memory.

`RedisStore` runs the GCRA step as one Lua script (atomic, one round trip, Redis's clock so
app servers with skewed clocks agree). `MemoryStore` is the same arithmetic under a lock, for
development (SQLite, no Redis) and as the fallback while Redis is unreachable. `ResilientStore`
puts a circuit breaker in front of Redis: short socket timeouts bound one failed call, and
after a few consecutive failures nobody waits on Redis at all until a trial call succeeds.
While the breaker is open the limits are enforced per worker (fail open to a local limit), so
an outage of Redis neither fails nor stalls requests, nor lifts the limits entirely.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis
from cachetools import LRUCache
from redis.backoff import NoBackoff
from redis.retry import Retry

from .breaker import CircuitBreaker
from .policy import Decision, Policy, decide, gcra, gcra_refund

logger = logging.getLogger("api.ratelimit")


class Store(Protocol):
    """Charges and refunds requests against a policy, one key per client."""

    def hit(self, key: str, policy: Policy) -> Decision: ...

    def refund(self, key: str, policy: Policy) -> None: ...


class MemoryStore:
    """GCRA state in this worker's memory: bounded (LRU), thread-safe."""

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        # Least recently seen clients go first when full; an entry past its TAT is harmless
        # (GCRA treats it as a clean slate), so no expiry bookkeeping is needed per request.
        self._tats: LRUCache[str, float] = LRUCache(maxsize=max(max_keys, 1))
        self._clock = clock
        self._lock = threading.Lock()

    def hit(self, key: str, policy: Policy) -> Decision:
        with self._lock:
            now = self._clock()
            new_tat, allowed, slack = gcra(self._tats.get(key), now, policy)
            if new_tat is not None:
                self._tats[key] = new_tat
        return decide(policy, allowed=allowed, slack=slack)

    def refund(self, key: str, policy: Policy) -> None:
        with self._lock:
            now = self._clock()
            tat = gcra_refund(self._tats.get(key), now, policy)
            if tat is None:
                self._tats.pop(key, None)
            else:
                self._tats[key] = tat

    def clear(self) -> None:
        with self._lock:
            self._tats.clear()


# KEYS[1] the client's key. ARGV: emission interval and burst (microseconds, count), and
# 1 to charge or -1 to refund. Returns {allowed (0/1), slack in microseconds}.
GCRA_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
if ARGV[3] == '-1' then
  local earlier = tat - interval
  if earlier > now then
    local ttl = math.ceil((earlier - now) / 1000)
    redis.call('SET', KEYS[1], string.format('%d', earlier), 'PX', ttl)
  else
    redis.call('DEL', KEYS[1])
  end
  return {1, 0}
end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, now - allow_at}
"""


def redis_client(url: str, *, timeout: float) -> redis.Redis:
    """A client for the limiter alone: short timeouts and no retries, so a failure is quick."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


class RedisStore:
    """GCRA state in Redis, shared by every worker; each check is one atomic script call."""

    def __init__(self, client: redis.Redis, *, prefix: str = "ratelimit:") -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(GCRA_SCRIPT)

    def _call(self, key: str, policy: Policy, cost: int) -> tuple[bool, float]:
        interval = max(round(policy.interval * 1_000_000), 1)
        allowed, slack = self._script(keys=[self.prefix + key], args=[interval, policy.burst, cost])
        return bool(allowed), int(slack) / 1_000_000

    def hit(self, key: str, policy: Policy) -> Decision:
        allowed, slack = self._call(key, policy, 1)
        return decide(policy, allowed=allowed, slack=slack)

    def refund(self, key: str, policy: Policy) -> None:
        self._call(key, policy, -1)


class ResilientStore:
    """Redis behind a circuit breaker, falling back to this worker's memory when it fails."""

    def __init__(self, primary: RedisStore, fallback: MemoryStore, breaker: CircuitBreaker) -> None:
        self.primary = primary
        self.fallback = fallback
        self.breaker = breaker

    def hit(self, key: str, policy: Policy) -> Decision:
        if self.breaker.allows():
            try:
                decision = self.primary.hit(key, policy)
            except redis.RedisError as error:
                self._failed(error)
            else:
                self.breaker.succeeded()
                return decision
        return self.fallback.hit(key, policy)

    def refund(self, key: str, policy: Policy) -> None:
        if self.breaker.allows():
            try:
                self.primary.refund(key, policy)
            except redis.RedisError as error:
                self._failed(error)
            else:
                self.breaker.succeeded()
                return
        self.fallback.refund(key, policy)

    def _failed(self, error: Exception) -> None:
        if self.breaker.failed():
            logger.warning(
                "Rate-limit store unreachable (%s: %s); limiting per worker in memory for "
                "%.0f s before trying Redis again.",
                type(error).__name__,
                error,
                self.breaker.cooldown,
            )
