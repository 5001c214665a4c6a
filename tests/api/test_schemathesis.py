"""Property-based conformance: every public operation against its OpenAPI contract."""

import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core import NOT_SET

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
public_schema = schema.exclude(tag="editor").exclude(tag="webhooks")
editor_schema = schema.include(tag="editor")
# The partner webhooks API: every operation needs a partner's secret key.
webhooks_schema = schema.include(tag="webhooks")

# The run is deterministic: schemathesis.toml fixes the seed (Schemathesis derives one per
# operation from it), and no example database replays inputs saved by earlier runs.
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
WRITES = {"PUT", "PATCH", "POST", "DELETE"}
OPAQUE_TOKENS = {"cursor", "token"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    # Schemathesis calls the WSGI app directly; before and after each request Django would
    # close "old" connections, which closes the test's own transaction on PostgreSQL. Django's
    # test client disconnects these handlers for the same reason.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    # Cursors and sync tokens are opaque tokens that only the API mints (in `next`,
    # `next_page_token`, `next_sync_token`); a random string is rightly a 400, which
    # test_public_read.py and sync/test_sync_feed.py pin. Everything else is generated freely.
    if case.query:
        case.query = {
            name: value for name, value in case.query.items() if name not in OPAQUE_TOKENS
        }


def case_bucket(case: Any, buckets: int) -> int:
    """A stable bucket for a generated case: the same case always lands in the same one."""
    # Not hash(): str hashes are salted per process (PYTHONHASHSEED). Not a counter either:
    # when Hypothesis replays or shrinks a case, it must be aimed the same way again.
    generated = [
        case.method,
        case.path_parameters,
        dict(case.headers or {}),
        case.query,
        None if case.body is NOT_SET else case.body,
    ]
    return zlib.crc32(json.dumps(generated, sort_keys=True, default=repr).encode()) % buckets


def aim_at_the_treatment(case: Any, treatment: Any) -> None:
    """Point most cases at the seed treatment, and editor writes at its current ETag.

    Generated ids, slugs and If-Match headers almost never name anything, so on their own they
    would only test the 404/400/428 answers and never reach a document or an editor body.
    Out of 16 cases, 2 keep what was generated (404, or 428 when the id came from the schema's
    examples, which show the seed treatment), 1 sends the generated If-Match to the real
    treatment (400/428), 1 names another version of it (412), and 12 send its current ETag.
    Revision numbers become 1, the seed's only revision.
    """
    from api.preconditions import working_copy_etag

    bucket = case_bucket(case, 16)
    if not case.path_parameters or bucket < 2:
        return
    # A case made to test one parameter (a missing If-Match, a malformed id) keeps it as made.
    tested = (getattr(case.meta.phase.data, "parameter", None) or "") if case.meta else ""
    real = {"treatment_id": str(treatment.pk), "key": treatment.slug, "number": 1, "other": 1}
    # New containers, not edits in place: a few generated cases share their containers with
    # later ones, and an edit there would leak into cases it was not meant for.
    case.path_parameters = {
        name: value if name == tested else real.get(name, value)
        for name, value in case.path_parameters.items()
    }
    if (
        "treatment_id" not in case.path_parameters
        or case.method.upper() not in WRITES
        or bucket == 2
        or tested.lower() == "if-match"
    ):
        return
    version = treatment.version + 1 if bucket == 3 else treatment.version
    case.headers = CaseInsensitiveDict(
        {**(case.headers or {}), "If-Match": working_copy_etag(treatment.pk, version)}
    )


# The recovery plan's query has rules JSON Schema cannot state: a zone name tzdata knows, a
# local time that exists in that zone (not skipped by a DST change), an offset that is the
# zone's. A schema-valid query may rightly be a 400, so positive_data_acceptance does not apply.
PLAN_OPERATIONS = {"treatments_recovery_plan", "treatments_recovery_plan_calendar"}
PLAN_QUERY = {"procedure_at": "2026-03-08T09:30", "tz": "America/New_York"}


def aim_at_a_plan(case: Any) -> None:
    """Give most plan cases a real time and zone to reach the plan (2 in 16 keep theirs)."""
    tested = (getattr(case.meta.phase.data, "parameter", None) or "") if case.meta else ""
    if case_bucket(case, 16) < 2 or not isinstance(case.query, dict):
        return
    real = {name: v for name, v in PLAN_QUERY.items() if name != tested and name in case.query}
    case.query = {**case.query, **real}


def aim_at_a_card(case: Any, treatment: Any) -> None:
    """Give most oEmbed cases the URL of a real card (2 in 16 keep the generated URL)."""
    if case_bucket(case, 16) >= 2 and isinstance(case.query, dict) and "url" in case.query:
        card = f"http://localhost/embed/v1/treatments/{treatment.slug}/"
        case.query = {**case.query, "url": card}


@public_schema.parametrize()
@hypothesis_settings(max_examples=40, **SETTINGS)
def test_public_operations_conform_to_the_schema(case: Any, seed_published: Any) -> None:
    aim_at_the_treatment(case, seed_published)
    checks = ALL_CHECKS
    operation = case.operation.definition.raw.get("operationId")
    if operation in PLAN_OPERATIONS:
        aim_at_a_plan(case)
        checks = [c for c in ALL_CHECKS if getattr(c, "__name__", "") != "positive_data_acceptance"]
    # A bundle page's `page` and `pages` come together, `page` up to `pages` and only with a
    # category: rules JSON Schema cannot state for query parameters, so a schema-valid query
    # with either may rightly be a 400 (tests/api/sync/test_bundle_pages.py tests them).
    if operation == "bundle" and {"page", "pages"} & set(case.query or {}):
        checks = [c for c in checks if getattr(c, "__name__", "") != "positive_data_acceptance"]
    # oEmbed 1.0 answers an unsupported `format` with 501 (documented); any other 5xx fails.
    unsupported_format = False
    if operation == "oembed":
        aim_at_a_card(case, seed_published)
        unsupported_format = (case.query or {}).get("format", "json") != "json"
    if unsupported_format:
        checks = [c for c in checks if getattr(c, "__name__", "") != "not_a_server_error"]
    # The in-process WSGI client does not decode gzip; compression is tested over HTTP elsewhere.
    response = case.call_and_validate(checks=checks, headers={"Accept-Encoding": "identity"})
    if unsupported_format:
        assert response.status_code in (400, 501), response.text


@pytest.fixture
def publisher_token(roles: dict[str, Any]) -> str:
    from django.contrib.auth.models import Group
    from knox.models import AuthToken

    # Also a clinical reviewer, so the review operations are reached past the role check.
    roles["publisher"].groups.add(Group.objects.get(name="clinical reviewers"))
    return str(AuthToken.objects.create(user=roles["publisher"])[1])


@editor_schema.parametrize()
@hypothesis_settings(max_examples=30, **SETTINGS)
def test_editor_operations_conform_to_the_schema(
    case: Any, seed_published: Any, publisher_token: str
) -> None:
    from treatments.models import Treatment

    # Read each time: the writes that get through bump the version.
    aim_at_the_treatment(case, Treatment.objects.get(pk=seed_published.pk))
    headers = {"Authorization": f"Token {publisher_token}", "Accept-Encoding": "identity"}
    # Cross-field rules (min <= max, unique slugs, the review gate, states) cannot be written
    # in JSON Schema, so a schema-valid body may rightly be refused: positive_data_acceptance
    # does not apply to editor writes. Every other check runs.
    case.call_and_validate(
        checks=[c for c in ALL_CHECKS if getattr(c, "__name__", "") != "positive_data_acceptance"],
        headers=headers,
    )


@pytest.fixture
def partner_secret_key(db: Any) -> str:
    from partners.models import Partner
    from partners.services import api_key_issue

    partner = Partner.objects.create(name="Schema Partner", contact_email="ops@partner.example")
    return api_key_issue(partner, name="server")[1]


@webhooks_schema.parametrize()
@hypothesis_settings(max_examples=30, **SETTINGS)
def test_webhooks_operations_conform_to_the_schema(case: Any, partner_secret_key: str) -> None:
    # A schema-valid URL may rightly be refused (https only, a public address that resolves),
    # so positive_data_acceptance does not apply to registrations. Every other check runs.
    case.call_and_validate(
        checks=[c for c in ALL_CHECKS if getattr(c, "__name__", "") != "positive_data_acceptance"],
        headers={"X-Api-Key": partner_secret_key, "Accept-Encoding": "identity"},
    )
