"""Fixtures of the API tests: the worker memories on a clock the test moves by hand."""

from collections.abc import Iterator
from typing import Any

import pytest

from api.hot import change_log_head


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Memory on (head re-read at most every second), on a clock the test controls."""
    settings.PUBLIC_MEMORY_TTL = 1.0
    clock = Clock()
    monkeypatch.setattr(change_log_head(), "timer", clock)
    change_log_head().forget()
    yield clock
    change_log_head().forget()
