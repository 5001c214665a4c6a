"""The circuit breaker: open after consecutive failures, one trial per cool-down."""

from api.ratelimit.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_it_opens_after_the_threshold_of_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown=5, clock=Clock())
    assert not breaker.failed() and not breaker.failed()
    breaker.succeeded()  # a success in between resets the count
    assert not breaker.failed() and not breaker.failed()
    assert breaker.allows()
    assert breaker.failed(), "the third consecutive failure opens it"
    assert breaker.is_open and not breaker.allows()


def test_after_the_cooldown_exactly_one_caller_makes_the_trial() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    breaker.failed()
    clock.now = 4.9
    assert not breaker.allows()
    clock.now = 5.0
    assert breaker.allows(), "the trial call"
    assert not breaker.allows(), "everyone else keeps away while the trial runs"
    breaker.failed()
    clock.now = 9.9
    assert not breaker.allows(), "a failed trial re-opens it for another cool-down"
    clock.now = 10.0
    assert breaker.allows()
    breaker.succeeded()
    assert not breaker.is_open and breaker.allows() and breaker.allows()
