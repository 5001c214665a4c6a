"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
# Off by default so query counts are exact; tests/api/test_hot_documents.py turns it on.
PUBLIC_MEMORY_TTL = 0.0
# The bundle's rebuild handler stands aside (tests count handler runs and tasks); the first
# request builds a part instead. tests/api/sync/test_bundle_parts.py registers it.
BUNDLE_PREBUILD = False
# Hardening (issue 22): failed credentials from the test client's one address add up across
# tests (Redis keeps them); tests of the budget set their own rate.
API_KEY_FAILURE_RATE = "100000/minute"
