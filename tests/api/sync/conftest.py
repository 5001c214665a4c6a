from collections.abc import Iterator
from typing import Any

import pytest

from api.v1.sync import bundles


@pytest.fixture
def prebuild(settings: Any) -> Iterator[None]:
    """The worker's rebuild handler registered, as in production."""
    settings.BUNDLE_PREBUILD = True
    assert bundles.bundle_register()
    yield
    settings.BUNDLE_PREBUILD = False
    bundles.bundle_register()
