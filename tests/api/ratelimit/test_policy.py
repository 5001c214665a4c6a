"""GCRA arithmetic: the allowance holds at any rate, burst first, then the steady rate."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.ratelimit.policy import decide, gcra, gcra_refund, parse_rate
from api.ratelimit.stores import MemoryStore

FIXED = settings(derandomize=True, database=None, max_examples=80, deadline=None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("rate", "quota", "window"),
    [("600/minute", 600, 60), ("10/s", 10, 1), ("5000/hour", 5000, 3600), ("100/10s", 100, 10)],
)
def test_rates_are_parsed_like_drf_writes_them(rate: str, quota: int, window: int) -> None:
    policy = parse_rate("p", rate)
    assert (policy.quota, policy.window, policy.burst) == (quota, window, quota)


@pytest.mark.parametrize("rate", ["", "ten/minute", "0/minute", "5/fortnight", "5"])
def test_a_bad_rate_says_how_to_write_one(rate: str) -> None:
    with pytest.raises(ValueError, match="requests"):
        parse_rate("p", rate)


@FIXED
@given(
    quota=st.integers(1, 100_000),
    window=st.sampled_from([1, 60, 3600]),
    burst=st.integers(1, 200),
)
def test_a_fresh_client_gets_exactly_its_burst_then_waits_one_interval(
    quota: int, window: int, burst: int
) -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    policy = parse_rate("p", f"{quota}/{window}s", burst)
    decisions = [store.hit("k", policy) for _ in range(burst + 1)]
    assert all(d.allowed for d in decisions[:-1])
    assert [d.remaining for d in decisions[:-1]] == list(range(burst - 1, -1, -1))
    refused = decisions[-1]
    assert not refused.allowed and refused.remaining == 0
    assert refused.retry_after >= policy.interval
    assert refused.retry_after == refused.reset
    clock.now += policy.interval
    assert store.hit("k", policy).allowed, "one interval later one more request is allowed"


@FIXED
@given(
    quota=st.integers(1, 1000),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=200),
)
def test_no_window_ever_admits_more_than_burst_plus_the_steady_rate(
    quota: int, burst: int, gaps: list[float]
) -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    policy = parse_rate("p", f"{quota}/minute", burst)
    admitted: list[float] = []
    for gap in gaps:
        clock.now += gap
        if store.hit("k", policy).allowed:
            admitted.append(clock.now)
    span = 60.0
    for start in admitted:
        inside = sum(1 for t in admitted if start <= t < start + span)
        assert inside <= burst + quota, "GCRA admits at most burst + rate x span in any span"


def test_a_refund_gives_back_exactly_one_request() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    policy = parse_rate("p", "3/minute")
    for _ in range(3):
        assert store.hit("k", policy).allowed
    store.refund("k", policy)
    assert store.hit("k", policy).allowed
    assert not store.hit("k", policy).allowed


def test_refunding_a_clean_slate_keeps_it_clean() -> None:
    policy = parse_rate("p", "3/minute")
    assert gcra_refund(None, 10.0, policy) is None
    new_tat, allowed, _ = gcra(None, 10.0, policy)
    assert allowed and gcra_refund(new_tat, 10.0, policy) is None


def test_reset_is_the_time_until_one_more_request() -> None:
    policy = parse_rate("p", "60/minute", 5)
    decision = decide(policy, allowed=True, slack=2.5)  # 2 full intervals of slack
    assert (decision.remaining, decision.reset) == (2, 1)
    refused = decide(policy, allowed=False, slack=0.2)
    assert (refused.remaining, refused.reset, refused.retry_after) == (0, 1, 1)


def test_memory_state_is_a_clean_slate_after_a_quiet_spell_and_stays_bounded() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, max_keys=10)
    policy = parse_rate("p", "6/minute")
    store.hit("k", policy)
    clock.now += 11
    assert store.hit("k", policy).remaining == 5
    for index in range(50):
        store.hit(f"other-{index}", policy)
    assert len(store._tats) <= 10, "the fallback is bounded however many clients there are"
