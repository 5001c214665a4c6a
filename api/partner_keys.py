"""Partner API keys on the public API: where a key travels, how it is checked, what it allows.

A key travels in `Authorization: Api-Key <key>` or `X-Api-Key: <key>`, never in the query
string (URLs end up in logs, browser history and Referer headers): a key-like query parameter
is a 400. A key that is malformed, unknown, expired, revoked or whose partner is suspended is a
401 with `WWW-Authenticate`, never a silent fall-back to anonymous access. A valid key makes
`request.auth` the `ApiKey` (its `partner` loaded) and leaves the user anonymous: keys raise
limits and open CORS for a partner's origins, they never grant editing rights.

Origins: a publishable key (meant for browser code) is accepted only when the request's
`Origin` is one of its partner's allowed origins; a secret key is refused whenever an `Origin`
is sent, because only browsers send one on a GET and a secret key in a browser has leaked.
Both refusals are 403. What makes a key usable, and from where, is `partners.policy`; this
module reads the key from the request, remembers keys, and answers the policy's refusals.

Keys are checked against a small per-worker memory (`API_KEY_CACHE_SECONDS`, 5 by default)
so that a keyed request costs one SHA-256 and no query. A revocation, rotation or partner
change made in this process is seen at once; other workers see it within that many seconds.
The only write is `last_used_at`, at most once per `API_KEY_TOUCH_SECONDS` per key and worker.

Guessing is not free. Every failed authentication (a malformed key, an unknown one, a wrong
secret) costs the caller's address one request of `API_KEY_FAILURE_RATE` (a GCRA policy in the
shared rate-limit store, named `key-failures`); a key this worker does not remember is charged
*before* it is looked up, and the charge is taken back when the key turns out valid. An address
that has spent its budget gets a 429 (`reason: too-many-failed-keys`) without any database
work. Prefixes found to be unknown are remembered in a memory of their own, bounded by
`API_KEY_NEGATIVE_CACHE_MAX`, so a flood of them never pushes valid keys out of the key memory.
A request's key is checked once, even when the hot path and DRF both ask (`VERIFIED`).

What a shared cache may keep: an answer to a request that carried credentials (`X-Api-Key` or
any `Authorization`) is `Cache-Control: private` and varies on both headers
(`PrivateKeyedResponsesMiddleware`), so no shared cache ever serves one partner's answer, or
its rate-limit fields, to another partner or to anonymous callers.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from partners.keys import PUBLISHABLE_TAG, key_matches, key_prefix_of
from partners.models import ApiKey
from partners.policy import api_key_lapse, api_key_origin_refusal, api_key_usable_until
from partners.services import api_key_touch
from partners.signals import api_keys_changed

from .hot import WorkerMemory
from .ratelimit import Decision, Policy, parse_rate, store
from .ratelimit.headers import record
from .throttles import address_key

logger = logging.getLogger(__name__)

AUTH_SCHEME = "Api-Key"
WWW_AUTHENTICATE = f'{AUTH_SCHEME} realm="treatment-knowledge"'
# Query parameter names that would carry a key (compared case-insensitively).
QUERY_KEY_NAMES = frozenset({"api_key", "apikey", "api-key", "x-api-key", "key", "access_key"})


class KeyRefused(exceptions.AuthenticationFailed):
    """401: the key sent cannot be used; `reason` says why in a stable word."""

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail)
        self.extra = {"reason": reason}


class KeyInQuery(exceptions.ParseError):
    """400: a key was sent in the query string."""

    def __init__(self) -> None:
        super().__init__(
            "API keys are never accepted in the query string (URLs are logged and leak). "
            f"Send the key in the header `Authorization: {AUTH_SCHEME} <key>` or "
            "`X-Api-Key: <key>`, and revoke this key if the URL was shared."
        )
        self.extra = {"reason": "key-in-query"}


class TooManyKeyFailures(exceptions.Throttled):
    """429: this address sent too many keys that failed; it may retry after `wait` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(
            wait=wait,
            detail="Too many requests from this address carried an API key that is malformed, "
            "unknown or wrong; no key is checked from it until the Retry-After delay has "
            "passed. Check the key your client sends (the partner dashboard shows your keys).",
        )
        self.extra = {"reason": "too-many-failed-keys"}


class OriginRefused(exceptions.PermissionDenied):
    """403: the key may not be used from this Origin."""

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail)
        self.extra = {"reason": reason}


@dataclass(frozen=True, slots=True)
class Remembered:
    """What a worker keeps of a key: the instance and its validity, ready to compare."""

    key: ApiKey
    usable_until: float  # epoch seconds: the earlier of expiry and revocation (inf if none)
    origins: frozenset[str]


def _configured() -> tuple[WorkerMemory, WorkerMemory]:
    ttl = settings.API_KEY_CACHE_SECONDS
    return (
        WorkerMemory(ttl=ttl, maxsize=settings.API_KEY_CACHE_MAX),
        WorkerMemory(ttl=ttl, maxsize=settings.API_KEY_NEGATIVE_CACHE_MAX),
    )


# Keys found (Remembered), and prefixes found to be unknown: apart, so that unknown prefixes
# (anyone can make up millions) only ever push out other unknown prefixes.
_memory, _unknown = _configured()
_touched: dict[int, float] = {}  # key pk -> monotonic time of this worker's last touch
_touch_lock = threading.Lock()
# WSGI environ key (extension keys carry a dot): (raw key, Remembered or the refusal raised).
VERIFIED = "treatments.api_key"
KEY_FAILURES_POLICY = "key-failures"


@receiver(setting_changed)
def _reconfigure(setting: str, **kwargs: Any) -> None:
    global _memory, _unknown
    if setting in ("API_KEY_CACHE_SECONDS", "API_KEY_CACHE_MAX", "API_KEY_NEGATIVE_CACHE_MAX"):
        _memory, _unknown = _configured()


@receiver(api_keys_changed)
def _forget(sender: Any, prefixes: list[str] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
    _memory.discard(*prefixes)
    _unknown.discard(*prefixes)


def forget_all_keys() -> None:
    """Drop every remembered key in this worker (tests, and after bulk changes)."""
    _memory.clear()
    _unknown.clear()
    with _touch_lock:
        _touched.clear()


def key_memory_sizes() -> dict[str, int]:
    """How many keys this worker remembers: found ones, and prefixes known to be unknown."""
    return {"keys": len(_memory), "unknown": len(_unknown)}


def _remembered(prefix: str) -> Remembered | None:
    """The key this worker remembers under `prefix`, without any lookup."""
    found: Remembered | None = _memory.get(prefix)
    return found


def _remember(prefix: str) -> Remembered | None:
    found = _remembered(prefix)
    if found is not None:
        return found
    if _unknown.get(prefix) is not None:
        return None
    key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    if key is None:
        _unknown.put(prefix, True)
        return None
    remembered = Remembered(
        key=key,
        usable_until=api_key_usable_until(key),
        origins=frozenset(key.partner.allowed_origins),
    )
    _memory.put(prefix, remembered)
    return remembered


def _raw_key_from(meta: dict[str, Any]) -> str | None:
    header = meta.get("HTTP_AUTHORIZATION")
    from_header = None
    if header:
        scheme, _, credential = header.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == AUTH_SCHEME.lower():
            if not credential:
                raise KeyRefused(
                    f"The Authorization header names {AUTH_SCHEME} but carries no key.",
                    reason="malformed",
                )
            from_header = credential
        elif key_prefix_of(credential) is not None:
            # One of our keys under another scheme (Bearer, Token): say so, don't ignore it.
            raise KeyRefused(
                f"Send an API key as `Authorization: {AUTH_SCHEME} <key>`, not as {scheme}.",
                reason="wrong-scheme",
            )
    custom = meta.get("HTTP_X_API_KEY")
    if custom is not None:
        custom = custom.strip()
        if not custom:
            raise KeyRefused("The X-Api-Key header is empty.", reason="malformed")
        if from_header is not None and custom != from_header:
            raise KeyRefused(
                "Two different keys were sent (Authorization and X-Api-Key); send one.",
                reason="ambiguous",
            )
        return custom
    return from_header


def refuse_key_in_query(query: QueryDict) -> None:
    """400 when a query parameter looks like it carries an API key."""
    for name, values in query.lists():
        if name.lower() in QUERY_KEY_NAMES or any(
            isinstance(v, str) and key_prefix_of(v.strip()) is not None for v in values
        ):
            raise KeyInQuery()


def api_key_from_request(meta: dict[str, Any], *, origin: str | None = None) -> ApiKey | None:
    """The valid ApiKey a request carries in its headers, None if it carries none.

    Raises KeyRefused (401) or OriginRefused (403) as the module docstring describes. Does
    not look at the query string (see `refuse_key_in_query`).
    """
    raw = _raw_key_from(meta)
    if raw is None:
        return None
    remembered = _verified(raw, meta)
    key = remembered.key
    lapse = api_key_lapse(key, usable_until=remembered.usable_until, now=time.time())
    if lapse is not None:
        raise KeyRefused(lapse.detail, reason=lapse.reason)
    origin = meta.get("HTTP_ORIGIN") if origin is None else origin
    refusal = api_key_origin_refusal(key, origins=remembered.origins, origin=origin)
    if refusal is not None:
        raise OriginRefused(refusal.detail, reason=refusal.reason)
    _maybe_touch(key)
    return key


class _MetaOnly:
    """What `address_key` needs of a request: its environ."""

    __slots__ = ("META",)

    def __init__(self, meta: dict[str, Any]) -> None:
        self.META = meta


def key_failures_policy() -> Policy | None:
    """The budget of failed authentications per address (None: `API_KEY_FAILURE_RATE` unset)."""
    rate = getattr(settings, "API_KEY_FAILURE_RATE", "")
    return parse_rate(KEY_FAILURES_POLICY, rate) if rate else None


def charge_failed_credentials(meta: dict[str, Any]) -> tuple[str, Policy, Decision] | None:
    """Charge one failed (or not yet verified) authentication to the caller's address.

    Shared by partner keys and the editor API's tokens (api/auth.py): one budget per address.

    Raises TooManyKeyFailures (429) when the address has no budget left. Returns what to pass
    to `refund_failed_credentials` if the key turns out valid (None when no budget is configured).
    """
    policy = key_failures_policy()
    if policy is None:
        return None
    client = f"{KEY_FAILURES_POLICY}:{address_key(_MetaOnly(meta))}"
    decision = store().hit(client, policy)
    if not decision.allowed:
        record(meta, decision)
        raise TooManyKeyFailures(decision.retry_after)
    return client, policy, decision


def refund_failed_credentials(charge: tuple[str, Policy, Decision] | None) -> None:
    """Take back a charge: the credentials turned out valid."""
    if charge is not None:
        client, policy, _ = charge
        store().refund(client, policy)


def note_failed_credentials(
    meta: dict[str, Any], charge: tuple[str, Policy, Decision] | None
) -> None:
    """Show what is left of the budget on the failure's answer (RateLimit fields)."""
    if charge is not None:
        record(meta, charge[2])


def _failed(meta: dict[str, Any], detail: str, *, reason: str) -> KeyRefused:
    """A 401 for a failed authentication, charged to the address (or a 429 past its budget)."""
    note_failed_credentials(meta, charge_failed_credentials(meta))
    return KeyRefused(detail, reason=reason)


def _verified(raw: str, meta: dict[str, Any]) -> Remembered:
    """The key `raw` names, its secret checked, once per request (the outcome is kept in META)."""
    kept = meta.get(VERIFIED)
    if kept is not None and kept[0] == raw:
        if isinstance(kept[1], Remembered):
            return kept[1]
        raise kept[1]
    try:
        remembered = _verify(raw, meta)
    except exceptions.APIException as refusal:
        meta[VERIFIED] = (raw, refusal)
        raise
    meta[VERIFIED] = (raw, remembered)
    return remembered


def _verify(raw: str, meta: dict[str, Any]) -> Remembered:
    prefix = key_prefix_of(raw)
    if prefix is None:
        raise _failed(
            meta,
            "The API key is malformed: keys look like tks_<10 characters>.<43 characters> "
            "(tkp_ for publishable keys). Copy the whole key.",
            reason="malformed",
        )
    unknown = f"No API key {prefix} matches this secret."
    remembered = _remembered(prefix)
    if remembered is None:
        # The database would be asked: charge the address first, so that an address out of
        # budget costs nothing; a valid key gets its charge back.
        charge = charge_failed_credentials(meta)
        remembered = _remember(prefix)
        if remembered is not None and key_matches(raw, remembered.key.hashed_key):
            refund_failed_credentials(charge)
            return remembered
        note_failed_credentials(meta, charge)
        raise KeyRefused(unknown, reason="unknown")
    if not key_matches(raw, remembered.key.hashed_key):
        raise _failed(meta, unknown, reason="unknown")
    return remembered


def _maybe_touch(key: ApiKey) -> None:
    """Record use at most once per API_KEY_TOUCH_SECONDS per key in this worker."""
    interval = settings.API_KEY_TOUCH_SECONDS
    if interval <= 0:
        return
    now = time.monotonic()
    with _touch_lock:
        last = _touched.get(key.pk)
        if last is not None and now - last < interval:
            return
        _touched[key.pk] = now
    try:
        api_key_touch(key, now=timezone.now())
    except DatabaseError:  # a read-only replica, say: losing a timestamp never fails a read
        logger.warning("Could not record the use of API key %s", key.prefix, exc_info=True)


def publishable_key_origins(prefix: str) -> frozenset[str] | None:
    """The origins where the publishable key `prefix` may be used, if it is active now.

    For pages that name a publishable key by its prefix (the embed card's `frame-ancestors`);
    None for an unknown, secret, expired or revoked key or a suspended partner.
    """
    if not prefix.startswith(PUBLISHABLE_TAG):
        return None
    remembered = _remember(prefix)
    if remembered is None:
        return None
    lapse = api_key_lapse(remembered.key, usable_until=remembered.usable_until, now=time.time())
    return None if lapse is not None else remembered.origins


def hot_api_key(request: HttpRequest) -> ApiKey | None:
    """The key of a request on a fast path that bypasses DRF (raises like the DRF class)."""
    if request.META.get("QUERY_STRING"):
        refuse_key_in_query(request.GET)
    return api_key_from_request(request.META)


class ApiKeyAuthentication(BaseAuthentication):
    """DRF authentication of partner API keys; the user stays anonymous, `auth` is the key."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        refuse_key_in_query(request.query_params)
        key = api_key_from_request(request.META)
        if key is None:
            return None
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return WWW_AUTHENTICATE


CREDENTIAL_HEADERS = ("HTTP_X_API_KEY", "HTTP_AUTHORIZATION")
KEYED_VARY = ("X-Api-Key", "Authorization")


def private_cache_control(value: str) -> str:
    """A Cache-Control value with `public` made `private` and shared-cache directives dropped."""
    directives = []
    for part in value.split(","):
        directive = part.strip()
        name = directive.partition("=")[0].strip().lower()
        if name in ("public", "private", "s-maxage", "proxy-revalidate") or not directive:
            continue
        directives.append(directive)
    return ", ".join(["private", *directives])


class PrivateKeyedResponsesMiddleware:
    """Answers to requests that carried credentials are private to that caller.

    Public reads say `public` so that shared caches keep them; an answer computed for a key
    (its partner's rate-limit fields, its origin checks) must not be kept there and handed to
    anyone else. Place it outside every middleware that may answer (the hot path included).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        meta = request.META
        if CREDENTIAL_HEADERS[0] in meta or CREDENTIAL_HEADERS[1] in meta:
            control = response.get("Cache-Control")
            if control and "no-store" not in control:
                response["Cache-Control"] = private_cache_control(control)
            patch_vary_headers(response, KEYED_VARY)
        return response
