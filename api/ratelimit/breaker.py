"""A small circuit breaker: stop calling a failing dependency, try again after a cool-down.

Not pybreaker: it holds one lock for the whole guarded call, which would queue every thread of
a worker behind a single slow Redis call; here the lock is taken only to change state, and the
closed state (the normal case) is a lock-free attribute read.
"""

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; lets one trial call through per cool-down."""

    def __init__(
        self,
        *,
        threshold: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = max(int(threshold), 1)
        self.cooldown = float(cooldown)
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until: float | None = None  # None: closed

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allows(self) -> bool:
        """True when the caller may use the dependency now (closed, or this is the trial call)."""
        if self._open_until is None:
            return True
        now = self._clock()
        with self._lock:
            if self._open_until is None:
                return True
            if now < self._open_until:
                return False
            # Half-open: this caller makes the trial; the others keep away for another cool-down
            # (or until the trial succeeds and closes the breaker).
            self._open_until = now + self.cooldown
            return True

    def succeeded(self) -> None:
        if self._failures or self._open_until is not None:
            with self._lock:
                self._failures = 0
                self._open_until = None

    def failed(self) -> bool:
        """Count a failure; True when this failure opened (or re-opened) the breaker."""
        with self._lock:
            self._failures += 1
            if self._open_until is not None or self._failures >= self.threshold:
                self._open_until = self._clock() + self.cooldown
                return True
            return False
