"""Property-based conformance: every public operation against its OpenAPI contract."""

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS, load_all_checks

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

pytestmark = pytest.mark.django_db


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    # Cursors are opaque tokens that only the API mints (in `next`); a random string is
    # rightly a 400, which test_public_read.py pins. Everything else is generated freely.
    if case.query:
        case.query.pop("cursor", None)


@schema.parametrize()
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_public_operations_conform_to_the_schema(case: Any, seed_published: Any) -> None:
    # The in-process WSGI client does not decode gzip; compression is tested over HTTP elsewhere.
    case.call_and_validate(checks=ALL_CHECKS, headers={"Accept-Encoding": "identity"})
