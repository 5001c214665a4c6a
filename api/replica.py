"""A read replica for the public read path; every other read, and every write, on the primary.

With `DATABASE_REPLICA_URL` set, the settings add the `replica` database alias and install
`PrimaryReplicaRouter`. The rule is one opt-in, so that nothing reads the replica by accident:

- reads go to the replica only inside `public_reads(request)`: a public read view
  (`api.v1.base.PublicView`: documents, lists, search, sync, renditions, oEmbed) or the hot
  path in front of them (`api.v1.hot_reads`), for a safe method (GET, HEAD, OPTIONS);
- never for an edge refill (a request carrying `Surrogate-Capability`): the edge keeps that
  answer for a day, and a lagging replica could refill a purge with a just-withdrawn document;
- never inside a transaction on the primary (a read there is part of a write);
- everything else reads the primary: the editor API, the admin (sessions included), preview
  links, partners' webhook settings, the worker, management commands. An editor therefore
  always reads what they wrote;
- every write goes to the primary.

Public reads are eventually consistent anyway (each worker's memory may be `PUBLIC_MEMORY_TTL`
old, the edge is purged by the worker); the replica adds its replication lag to that bound.
The change-log head is read where the request reads, so a worker's memory generation and the
data it keeps under it come from the same database. Without the setting nothing is routed, and
`public_reads` is a shared no-op.
"""

import contextlib
import contextvars
import functools
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import receiver
from django.http import HttpRequest

from api.edge import EDGE_FETCH_META

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_public_read: contextvars.ContextVar[bool] = contextvars.ContextVar("public_read", default=False)


@functools.cache
def has_replica() -> bool:
    """Whether the settings name a replica (read once; again when a test changes them)."""
    return REPLICA in settings.DATABASES


@receiver(setting_changed)
def _databases_changed(setting: str, **kwargs: Any) -> None:
    if setting == "DATABASES":
        has_replica.cache_clear()


def reads_replica(request: HttpRequest) -> bool:
    """Whether this request's reads may use the replica (see the module docstring)."""
    return request.method in SAFE_METHODS and EDGE_FETCH_META not in request.META


class _ReplicaReads:
    """Sets the flag the router reads for the length of a `with` block."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _public_read.set(True)

    def __exit__(self, *exc: object) -> None:
        _public_read.reset(self._token)


_PRIMARY = contextlib.nullcontext()


def public_reads(request: HttpRequest) -> contextlib.AbstractContextManager[None]:
    """Within it, the reads of a public read request go to the replica, when there is one.

    Without a replica it is a shared no-op, almost free on the hot path.
    """
    if has_replica() and reads_replica(request):
        return _ReplicaReads()
    return _PRIMARY


class PrimaryReplicaRouter:
    """Public reads to `replica`; every other read, every write and every migration default."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if (
            _public_read.get()
            and has_replica()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows: an object may relate to either

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None  # `migrate` runs on the primary; the replica replicates its schema
