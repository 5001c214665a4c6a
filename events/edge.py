"""Edge-cache purge by surrogate key: which cached answers a public change makes stale, and
telling the shared cache (Varnish with the xkey vmod, config/edge/default.vcl) to drop them.

Public answers carry their keys in an `xkey` header (api/edge.py adds them from the request's
path); on every public change the worker sends one `PURGE` with the affected keys in an
`xkey-purge` header to each cache in EDGE_PURGE_URL. The handler runs outside any transaction
(`atomic=False`) after the change committed; publishing never waits for it. While a cache
cannot be reached the purge is retried with the worker's backoff, until an answer cached
before the change would have expired anyway (EDGE_MAX_AGE plus the VCL's grace).

The key names are defined here, once, for both sides: api/ (which tags) imports this module.

    all                  every cached answer (purge it after a deploy)
    treatment:<key>      everything under /api/v1/treatments/<key>/ and the embed card, per id
                         (canonical UUID form) and per slug, former slugs included; a change
                         of a source or a translation purges every language of the treatment
                         (`language_family_keys`: answers on a source's URL are negotiated)
    treatments           unfiltered list and search pages
    category:<slug>      list and search pages filtered by that category
    categories           the category list
    bundle, sync         the offline bundle and the sync feed
    static               answers that only a deploy changes (API root, document schema)
"""

import datetime as dt
import logging
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from treatments.models import SlugAlias, Treatment
from treatments.publication import PublicChange

from .handlers import EventHandler, handler_register, handler_unregister
from .models import OutboxEvent
from .payloads import treatment_payload
from .queue import enqueue_at, retry_later, task
from .types import TREATMENT_EVENT_TYPES

logger = logging.getLogger("events.edge")

KEY_ALL = "all"
KEY_TREATMENTS = "treatments"
KEY_CATEGORIES = "categories"
KEY_BUNDLE = "bundle"
KEY_SYNC = "sync"
KEY_STATIC = "static"

# What a key part may hold: slugs and UUIDs, never a separator of the xkey header (space, comma).
_KEY_PART = re.compile(r"[A-Za-z0-9._~-]{1,160}")

# The VCL's grace (config/edge/default.vcl: beresp.grace): how long past its TTL an object may
# still be served while Varnish fetches a new one. A purge is needed until TTL + grace passed.
EDGE_GRACE_SECONDS = 30
# A purge is sent once more this long after the first one: an origin fetch that started before
# the change committed and finished after the first purge put the old answer back in the cache.
EDGE_SETTLE_SECONDS = 5.0
# Connect and read timeout of one PURGE request.
PURGE_TIMEOUT_SECONDS = 2.0
# The header the VCL reads the keys of a PURGE from.
PURGE_HEADER = "xkey-purge"
# Purges go before other background work (webhook deliveries, emails): they keep the public
# from reading what was withdrawn. django-tasks runs higher priorities first (range -100..100).
PURGE_PRIORITY = 50
HANDLER_NAME = "edge.purge"


def treatment_key(key: str) -> str | None:
    """The surrogate key of a treatment reached as `key` (a slug, former slug or id), or None
    for a key that can never name a treatment (it is then cached under `all` only)."""
    if not _KEY_PART.fullmatch(key):
        return None
    return f"treatment:{key}"


def treatment_keys_of_url_key(key: str) -> list[str]:
    """The keys of an answer under /treatments/<key>/: the key as written and, when it reads
    as a UUID, its canonical form (the id is purged in that form)."""
    keys = []
    own = treatment_key(key)
    if own is not None:
        keys.append(own)
    try:
        canonical = str(uuid.UUID(key))
    except ValueError:
        return keys
    if canonical != key:
        keys.append(f"treatment:{canonical}")
    return keys


def category_key(slug: str) -> str | None:
    """The surrogate key of list pages filtered by category `slug` (None: not a valid slug)."""
    return f"category:{slug}" if _KEY_PART.fullmatch(slug) else None


def treatment_surrogate_keys(
    *, treatment_id: str, slugs: Iterable[str], categories: Iterable[str | None]
) -> list[str]:
    """Every key whose cached answers a public change of one treatment can make stale."""
    keys = {f"treatment:{uuid.UUID(str(treatment_id))}"}
    keys.update(k for k in map(treatment_key, slugs) if k)
    keys.update(k for k in map(category_key, (c for c in categories if c)) if k)
    # Lists, searches, the category list (names, counts, a category gaining its first or
    # losing its last treatment), the bundle and the sync feed can all show any treatment.
    keys.update({KEY_TREATMENTS, KEY_CATEGORIES, KEY_BUNDLE, KEY_SYNC})
    return sorted(keys)


def surrogate_keys(change: PublicChange) -> list[str]:
    """The keys a public change makes stale (for the publication hub's view of a change)."""
    return payload_surrogate_keys(treatment_payload(change))


def payload_surrogate_keys(payload: dict[str, Any]) -> list[str]:
    """The keys a treatment event's payload (events.payloads.treatment_payload) makes stale."""
    treatment = payload["treatment"]
    return treatment_surrogate_keys(
        treatment_id=treatment["id"],
        slugs=[treatment["slug"], *treatment.get("slugs", [])],
        categories=[payload.get("category"), payload.get("previous_category")],
    )


def language_family_keys(treatment_id: str) -> list[str]:
    """The keys of the treatment's other languages: its source and the source's translations
    (by id and by every slug), or [] for a treatment in one language.

    A source's URL answers in a translation's language (negotiation), so a translation's
    publish or withdrawal makes the source's cached answers stale; and a source's new revision
    outdates its translations (their `translation.outdated`), so their answers go too. The
    translation link is read through the ORM's relation names (`translation_of`, defined by
    editorial.translations): events sits below editorial and imports none of it.
    """
    pk = uuid.UUID(str(treatment_id))
    source = (
        Treatment.objects.filter(pk=pk).values_list("translation_of__source_id", flat=True).first()
    )
    root = source or pk
    members = dict(
        Treatment.objects.filter(Q(pk=root) | Q(translation_of__source_id=root)).values_list(
            "pk", "slug"
        )
    )
    members.pop(pk, None)
    if not members:
        return []
    aliases = SlugAlias.objects.filter(treatment_id__in=members).values_list("slug", flat=True)
    keys = {f"treatment:{uuid.UUID(str(member))}" for member in members}
    keys.update(k for k in map(treatment_key, [*members.values(), *aliases]) if k)
    return sorted(keys)


def purge_urls() -> list[str]:
    """The caches to purge: EDGE_PURGE_URL, a comma-separated list of URLs ('' = no edge)."""
    return [url.strip() for url in str(settings.EDGE_PURGE_URL).split(",") if url.strip()]


def purge_horizon(changed_at: dt.datetime) -> dt.datetime:
    """After this time every answer cached before a change made at `changed_at` has expired:
    a purge that could not be sent until then is no longer needed."""
    return changed_at + dt.timedelta(seconds=int(settings.EDGE_MAX_AGE) + EDGE_GRACE_SECONDS)


# Straight to the cache: never through a proxy named by the environment (http_proxy).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PurgeFailed(Exception):
    """A cache did not confirm a purge (unreachable, or an answer other than 200)."""


def purge(keys: Iterable[str], *, urls: Iterable[str] | None = None) -> int:
    """Send one PURGE with `keys` to every cache; the number of objects they said they dropped.

    Raises PurgeFailed naming every cache that did not answer 200 (after trying all of them:
    a purge is idempotent, so a retry purges the ones that worked once more, harmlessly).
    """
    header = " ".join(sorted(set(keys)))
    dropped, failures = 0, []
    for url in purge_urls() if urls is None else list(urls):
        request = urllib.request.Request(url, method="PURGE", headers={PURGE_HEADER: header})
        try:
            with _OPENER.open(request, timeout=PURGE_TIMEOUT_SECONDS) as response:
                reason = str(response.reason or "")
        except urllib.error.HTTPError as exc:
            failures.append(f"{url}: HTTP {exc.code} {exc.reason}")
            continue
        except OSError as exc:  # refused, timed out, unresolvable
            failures.append(f"{url}: {exc}")
            continue
        match = re.search(r"(\d+)", reason)
        dropped += int(match.group(1)) if match else 0
    if failures:
        raise PurgeFailed("; ".join(failures))
    return dropped


def edge_purge(event: OutboxEvent) -> None:
    """The handler: purge the keys of a treatment event from every cache (raises to retry)."""
    if timezone.now() > purge_horizon(event.created_at):
        logger.info("Edge purge of event #%s skipped: cached answers expired", event.pk)
        return
    keys = payload_surrogate_keys(event.payload)
    keys += language_family_keys(event.payload["treatment"]["id"])
    dropped = purge(keys)
    logger.info("Edge purge of event #%s dropped %s object(s): %s", event.pk, dropped, keys)
    # Once more after in-flight origin fetches settled (durable: a task of its own).
    enqueue_at(
        edge_purge_again,
        timezone.now() + dt.timedelta(seconds=EDGE_SETTLE_SECONDS),
        keys=keys,
        not_after=purge_horizon(event.created_at).isoformat(),
    )


@task(priority=PURGE_PRIORITY)
def edge_purge_again(*, keys: list[str], not_after: str, attempt: int = 1) -> int:
    """Purge `keys` again (the settling purge); retried with backoff until `not_after`."""
    if timezone.now() > dt.datetime.fromisoformat(not_after):
        return 0
    try:
        return purge(keys)
    except PurgeFailed:
        logger.warning("Settling edge purge failed (try %s); trying again later", attempt)
        retry_later(edge_purge_again, attempt=attempt, keys=keys, not_after=not_after)
        return 0


def edge_register() -> bool:
    """Register the purge handler when EDGE_PURGE_URL names a cache; True if registered.

    Called from EventsConfig.ready(): without an edge, no purge runs are written at all.
    """
    if not purge_urls():
        handler_unregister(HANDLER_NAME)
        return False
    handler_register(
        EventHandler(
            name=HANDLER_NAME,
            func=edge_purge,
            event_types=frozenset(str(t) for t in TREATMENT_EVENT_TYPES),
            atomic=False,  # a network call: outside any transaction, idempotent
            # Retried until the horizon (the handler then succeeds without purging); this only
            # bounds a run whose horizon is far (EDGE_MAX_AGE of days, a capped backoff).
            max_attempts=1000,
            priority=PURGE_PRIORITY,
        )
    )
    return True
