"""The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers).

Both are Structured Field lists (RFC 9651) of one item per policy that limited the request:

    RateLimit-Policy: "anonymous";q=600;w=60
    RateLimit: "anonymous";r=599;t=1

`q` requests per `w` seconds is the policy; `r` is what the client may send right now and `t`
the seconds until one more request is available. Throttles record their decisions in the
request's environ; the middleware writes the fields on whatever response the view produced
(2xx, 304, 4xx and the 429 itself), so fast paths that skip DRF get them too.
"""

from collections.abc import Callable, Iterable, MutableMapping
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .policy import Decision, Policy

# WSGI environ key (extension keys carry a dot) holding {policy name: Decision}.
DECISIONS = "treatments.ratelimit"
POLICY_HEADER = "RateLimit-Policy"
LIMIT_HEADER = "RateLimit"


def record(meta: MutableMapping[str, Any], decision: Decision) -> None:
    """Remember a decision for this request's response headers (the latest per policy wins)."""
    decisions = meta.get(DECISIONS)
    if decisions is None:
        meta[DECISIONS] = {decision.policy.name: decision}
    else:
        decisions[decision.policy.name] = decision


def _token(name: str) -> str:
    # Policy names are ours (no quotes or backslashes), but keep the field valid regardless.
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@lru_cache(maxsize=1024)
def _policy_item(policy: Policy) -> str:
    return f"{_token(policy.name)};q={policy.quota};w={policy.window}"


def policy_field(policies: Iterable[Policy]) -> str:
    return ", ".join(_policy_item(p) for p in policies)


def limit_field(decisions: Iterable[Decision]) -> str:
    return ", ".join(f"{_token(d.policy.name)};r={d.remaining};t={d.reset}" for d in decisions)


def stamp(response: HttpResponseBase, decisions: dict[str, Decision]) -> None:
    values = decisions.values()
    response[POLICY_HEADER] = policy_field(d.policy for d in values)
    response[LIMIT_HEADER] = limit_field(values)


class RateLimitHeadersMiddleware:
    """Write RateLimit-Policy and RateLimit on every response a rate limit looked at."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        decisions = request.META.get(DECISIONS)
        if decisions:
            stamp(response, decisions)
        return response
