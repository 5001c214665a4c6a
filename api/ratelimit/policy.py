"""Rate-limit policies and the GCRA arithmetic every store shares.

A policy allows `quota` requests per `window` seconds, refilled continuously (one request every
`window / quota` seconds), with up to `burst` requests at once. The Generic Cell Rate Algorithm
keeps one number per client, the theoretical arrival time (TAT) of its next request, so a check
costs the same whatever the rate: one read and one write of one key. (DRF's throttle kept a
list of every timestamp in the window, so its cost grew with the allowed rate.)
"""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

EPSILON = 1e-6  # seconds; below any interval a rate could have (1e6 per second)
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Policy:
    """A quota per window with a burst, named as it appears in RateLimit-Policy."""

    name: str
    quota: int
    window: int  # seconds
    burst: int

    @property
    def interval(self) -> float:
        """Seconds between two requests at the steady rate (GCRA's emission interval)."""
        return self.window / self.quota


@dataclass(slots=True)
class Decision:
    """The outcome of one check: allowed or not, what is left, and when more comes."""

    policy: Policy
    allowed: bool
    remaining: int  # requests that could be sent right now
    reset: int  # seconds until one more request is available (RateLimit's `t`)
    retry_after: int  # seconds to wait before retrying (0 when allowed)

    def refunded(self) -> None:
        """Account for a charge taken back after the answer turned out to cost nothing."""
        self.remaining = min(self.remaining + 1, self.policy.burst)


@lru_cache(maxsize=256)
def parse_rate(name: str, rate: str, burst: int | None = None) -> Policy:
    """`600/minute`, `10/s`, `5000/hour`, `100/10s` -> a Policy; burst defaults to the quota."""
    match = RATE_PATTERN.match(rate or "")
    if match is None:
        raise ValueError(
            f"Rate {rate!r} is not understood; write it as <requests>/<period>, "
            "for example 600/minute, 10/second or 100/10s."
        )
    quota = int(match.group(1))
    window = int(match.group(2) or "1") * PERIODS[match.group(3).lower()]
    if quota < 1 or window < 1:
        raise ValueError(
            f"Rate {rate!r} must allow at least one request per period; write it as "
            "<requests>/<period> with <requests> of 1 or more."
        )
    return make_policy(name, quota=quota, window=window, burst=burst)


def make_policy(name: str, *, quota: int, window: int, burst: int | None = None) -> Policy:
    """A policy with a sane burst: at least 1, the quota when not given."""
    quota = max(int(quota), 1)
    chosen = quota if burst is None or burst <= 0 else int(burst)
    return Policy(name=name, quota=quota, window=max(int(window), 1), burst=chosen)


def decide(policy: Policy, *, allowed: bool, slack: float) -> Decision:
    """A Decision from a store's raw answer.

    `slack` is in seconds: for an allowed request, how far `now` is past the earliest moment
    the request was allowed (each full interval of it is one more request available now); for
    a refused one, how long until it would be allowed.
    """
    interval = policy.interval
    if allowed:
        remaining = min(math.floor(slack / interval + 1e-6), policy.burst - 1)
        # One more request becomes available when the slack reaches the next whole interval.
        until_more = (remaining + 1) * interval - slack
        return Decision(policy, True, max(remaining, 0), _seconds(until_more), 0)
    wait = _seconds(slack)
    return Decision(policy, False, 0, wait, wait)


def _seconds(value: float) -> int:
    """Whole seconds, rounded up, at least 1 (delay-seconds never promise sooner than true)."""
    return max(math.ceil(value - 1e-9), 1)


def gcra(tat: float | None, now: float, policy: Policy) -> tuple[float | None, bool, float]:
    """One GCRA step: (new TAT to store or None to keep, allowed, slack in seconds)."""
    interval = policy.interval
    start = now if tat is None or tat < now else tat
    new_tat = start + interval
    allow_at = new_tat - policy.burst * interval
    if now < allow_at - EPSILON:  # float sums of intervals drift by ~1e-13
        return None, False, allow_at - now
    return new_tat, True, max(now - allow_at, 0.0)


def gcra_refund(tat: float | None, now: float, policy: Policy) -> float | None:
    """The TAT after taking back one charge, or None when the client is back to a clean slate."""
    if tat is None:
        return None
    earlier = tat - policy.interval
    return earlier if earlier > now else None
