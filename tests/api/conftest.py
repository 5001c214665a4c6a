"""Fixtures of the API tests: the worker memories on a clock the test moves by hand."""

from collections.abc import Iterator
from typing import Any

import pytest

from api.hot import change_log_head
from partners.services import api_key_issue, partner_create


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


@pytest.fixture
def raw_key() -> str:
    """The secret of a server key of a partner on https://clinic.example, with limits no test
    reaches (the test's own `django_db` mark gives the database)."""
    partner = partner_create(
        name="Example Clinic",
        contact_email="web@clinic.example",
        allowed_origins=["https://clinic.example"],
        requests_per_minute=6000,
        burst=1000,
    )
    return api_key_issue(partner, name="server")[1]
