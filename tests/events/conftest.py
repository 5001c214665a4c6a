"""Fixtures for events: handlers registered for one test only."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from events.handlers import event_handler, handler_unregister


@pytest.fixture
def register_handler() -> Iterator[Callable[..., Callable[[Any], Any]]]:
    """Register handlers for this test; they are unregistered after it."""
    names: list[str] = []

    def register(name: str, func: Callable[[Any], Any], **options: Any) -> Callable[[Any], Any]:
        names.append(name)
        return event_handler(name, **options)(func)

    yield register
    for name in names:
        handler_unregister(name)
