"""Fixtures of the webhook tests: a live receiver, a partner with a secret key, an endpoint."""

from collections.abc import Iterator
from typing import Any

import pytest

from .receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as state:
        yield state


@pytest.fixture
def local_webhooks(settings: Any) -> Any:
    """Development mode (http to loopback), retries due at once, no jitter."""
    settings.WEBHOOKS_ALLOW_LOCAL = True
    settings.WEBHOOKS_RETRY_SCHEDULE = [0, 0, 0, 0, 0]
    settings.WEBHOOKS_RETRY_JITTER = 0
    settings.WEBHOOKS_CONNECT_TIMEOUT = 2
    settings.WEBHOOKS_READ_TIMEOUT = 2
    return settings


@pytest.fixture
def partner(db: Any) -> Any:
    from partners.models import Partner

    return Partner.objects.create(
        name="Clinic Partner", contact_name="Pat", contact_email="pat@clinic.example"
    )


@pytest.fixture
def other_partner(db: Any) -> Any:
    from partners.models import Partner

    return Partner.objects.create(name="Other Portal", contact_email="ops@portal.example")


@pytest.fixture
def endpoint(partner: Any, receiver: Receiver, local_webhooks: Any) -> Any:
    from events.webhooks.services import endpoint_create

    return endpoint_create(partner=partner, url=receiver.url())
