"""Fixtures for scheduling and releases: people with addresses, drafts, gates and faults."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from treatments.models import Treatment
from treatments.publication import PublicChange, publication_hooks
from treatments.services import content_load

from .support import refusing_gate_install, variant


@pytest.fixture
def people(roles: dict[str, User]) -> dict[str, User]:
    """The roles' users, each with an email address (notices go to them)."""
    for name, user in roles.items():
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return roles


@pytest.fixture
def publisher(people: dict[str, User]) -> User:
    return people["publisher"]


@pytest.fixture
def drafts(db: Any, seed_data: dict[str, Any]) -> list[Treatment]:
    """Three never-published treatments."""
    for index in range(3):
        content_load(content=variant(seed_data, index))
    return list(Treatment.objects.order_by("slug"))


@pytest.fixture
def failing_hook() -> Iterator[Callable[[int], None]]:
    """Make the publication hub fail on the n-th public change (an injected fault, for tests)."""
    state: dict[str, int] = {"seen": 0, "fail_at": 0}

    def hook(change: PublicChange) -> None:
        state["seen"] += 1
        if state["fail_at"] and state["seen"] == state["fail_at"]:
            raise RuntimeError(f"injected failure at public change {state['seen']}")

    def arm(n: int) -> None:
        state["seen"], state["fail_at"] = 0, n

    publication_hooks().append(hook)
    yield arm
    publication_hooks().remove(hook)


@pytest.fixture
def gate() -> Iterator[dict[Any, str]]:
    """A publish gate that refuses the treatments put in the returned dict (id -> reason)."""
    refused = refusing_gate_install()
    yield refused
    refused.clear()
