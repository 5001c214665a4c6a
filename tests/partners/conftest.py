"""Fixtures for partners and their keys."""

from collections.abc import Iterator
from typing import Any

import pytest

from api.partner_keys import forget_all_keys
from partners.models import Partner
from partners.services import partner_create

CLINIC = "https://clinic.example"


@pytest.fixture(autouse=True)
def _fresh_key_memory() -> Iterator[None]:
    """Each test starts with a worker that remembers no key."""
    forget_all_keys()
    yield
    forget_all_keys()


@pytest.fixture
def partner(db: Any) -> Partner:
    return partner_create(
        name="Example Clinic",
        contact_email="web@clinic.example",
        allowed_origins=[CLINIC],
        requests_per_minute=600,
        burst=20,
    )
