"""Rate limits over HTTP: per key or address, spoof-proof, with IETF RateLimit headers."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from drf_spectacular.types import OpenApiTypes

from api.live.memories import hot_documents

pytestmark = pytest.mark.django_db
DETAIL = "/api/v1/treatments/bone-marrow-stem-cell-injection/"
LIST = "/api/v1/treatments/"
KEYED = "/api/v1/keyed/"
# RFC 9651 lists of items: "name";q=…;w=… and "name";r=…;t=…
POLICY_FIELD = re.compile(r'^"([a-z-]+)";q=(\d+);w=(\d+)$')
LIMIT_FIELD = re.compile(r'^"([a-z-]+)";r=(\d+);t=(\d+)$')


def limit_of(response: Any) -> tuple[str, int, int]:
    match = LIMIT_FIELD.match(response["RateLimit"])
    assert match, f"RateLimit {response['RateLimit']!r} is not a structured-field item"
    return match.group(1), int(match.group(2)), int(match.group(3))


@pytest.fixture
def anon_rate() -> Any:
    """Set the anonymous rate for one test, starting every client afresh."""
    stack: list[Any] = []

    def set_rate(rate: str, **extra: Any) -> None:
        current: dict[str, Any] = settings.REST_FRAMEWORK
        rates = {**current["DEFAULT_THROTTLE_RATES"], "anon": rate}
        override = override_settings(
            REST_FRAMEWORK={**current, "DEFAULT_THROTTLE_RATES": rates}, **extra
        )
        override.enable()
        stack.append(override)
        cache.clear()

    yield set_rate
    for override in reversed(stack):
        override.disable()
    cache.clear()


@pytest.mark.parametrize("hot", [False, True], ids=["database", "memory"])
def test_every_limited_answer_carries_the_policy_and_what_is_left(
    client: Client, seed_published: Any, anon_rate: Any, hot: bool
) -> None:
    anon_rate("3/minute", PUBLIC_MEMORY_TTL=60.0 if hot else 0.0)
    hot_documents().clear()
    first = client.get(DETAIL)
    assert first.status_code == 200
    assert POLICY_FIELD.match(first["RateLimit-Policy"]).groups() == ("anonymous", "3", "60")  # type: ignore[union-attr]
    assert limit_of(first) == ("anonymous", 2, 20)
    not_modified = client.get(DETAIL, headers={"If-None-Match": first["ETag"]})
    assert not_modified.status_code == 304
    assert limit_of(not_modified)[1] == 2, "a 304 is refunded, and the header says so"
    bad = client.get(DETAIL + "?nonsense=1")
    assert bad.status_code == 400 and limit_of(bad)[1] == 1, "a 400 still costs a request"
    missing = client.get("/api/v1/treatments/no-such-treatment/")
    assert missing.status_code == 404 and limit_of(missing)[1] == 0
    refused = client.get(DETAIL)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    name, remaining, reset = limit_of(refused)
    assert (name, remaining) == ("anonymous", 0)
    assert int(refused["Retry-After"]) >= reset > 0, "Retry-After is never before the reset"
    assert refused["RateLimit-Policy"] == first["RateLimit-Policy"]


def test_unlimited_paths_carry_no_rate_limit_fields(client: Client, db: Any) -> None:
    response = client.get("/api/v1/no-such-path/")
    assert response.status_code == 404
    assert "RateLimit" not in response and "RateLimit-Policy" not in response


@pytest.mark.parametrize(
    "proxies", [[], ["10.9.9.9"]], ids=["no trusted proxy", "peer is not the proxy"]
)
def test_rotating_x_forwarded_for_does_not_raise_the_anonymous_allowance(
    client: Client, seed_published: Any, anon_rate: Any, proxies: list[str]
) -> None:
    anon_rate("5/minute", TRUSTED_PROXIES=proxies)
    statuses = [
        client.get(LIST, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
        for n in range(30)
    ]
    assert statuses.count(200) == 5 and statuses.count(429) == 25


def test_behind_a_trusted_proxy_each_client_address_has_its_own_allowance(
    seed_published: Any, anon_rate: Any
) -> None:
    anon_rate("2/minute", TRUSTED_PROXIES=["10.0.0.0/8"])
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    def get(forwarded: str) -> int:
        return proxy.get(LIST, headers={"X-Forwarded-For": forwarded}).status_code

    assert [get("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert [get("203.0.113.2") for _ in range(3)] == [200, 200, 429]
    # A client that forges a left part is still who the proxy saw.
    assert get("1.1.1.1, 203.0.113.1") == 429


def test_ipv6_clients_share_the_allowance_of_their_64_block(
    seed_published: Any, anon_rate: Any
) -> None:
    anon_rate("2/minute")
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n:x}").get(LIST).status_code for n in range(1, 4)
    ]
    assert statuses == [200, 200, 429]
    assert Client(REMOTE_ADDR="2001:db8:1:3::1").get(LIST).status_code == 200


@pytest.mark.urls("tests.api.ratelimit.keyed_urls")
def test_a_partner_key_is_limited_by_its_own_plan_and_burst(client: Client, anon_rate: Any) -> None:
    anon_rate("1/minute")

    def get(key: str | None) -> Any:
        return client.get(KEYED, headers={"X-Test-Key": key} if key else {})

    answers = [get("7:120:3") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Policy"] == '"partner";q=120;w=60'
    assert [limit_of(a)[1] for a in answers] == [2, 1, 0, 0]
    assert int(answers[-1]["Retry-After"]) == 1, "120/minute refills one request every 0.5 s"
    assert get("8:120:3").status_code == 200, "another key has its own allowance"
    assert [get(None).status_code for _ in range(2)] == [200, 429], "anonymous is separate"


def test_the_editor_api_reports_its_per_user_limit(
    client: Client, roles: dict[str, Any], settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/minute", "user": "2/minute"},
    }
    cache.clear()
    client.force_login(roles["editor"])
    statuses = []
    for _ in range(3):
        response = client.get("/api/v1/editor/treatments/")
        statuses.append(response.status_code)
        assert limit_of(response)[0] == "user"
    assert statuses == [200, 200, 429]
    cache.clear()


def test_the_openapi_header_declarations_land_on_the_responses() -> None:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.utils import extend_schema
    from rest_framework.response import Response

    from api.ratelimit.openapi import rate_limit_headers
    from api.v1.base import PublicView

    class Documented(PublicView):
        @extend_schema(
            operation_id="documented",
            parameters=rate_limit_headers(),
            responses={200: OpenApiTypes.STR, 429: OpenApiTypes.STR},
        )
        def get(self, request: Any) -> Response:
            return Response("ok")

    from django.urls import path

    generator = SchemaGenerator(patterns=[path("api/v1/documented/", Documented.as_view())])
    responses = generator.get_schema(request=None, public=True)["paths"]["/api/v1/documented/"][
        "get"
    ]["responses"]
    assert set(responses["200"]["headers"]) == {"RateLimit-Policy", "RateLimit"}
    assert set(responses["429"]["headers"]) == {"RateLimit-Policy", "RateLimit", "Retry-After"}
