"""What the background work is doing, read from the database: for the admin and for Prometheus.

- the task queue: tasks ready per queue, how many are due now, running, and the age of the
  oldest due task (how far behind the workers are);
- webhooks: deliveries by state, attempts by outcome, and per endpoint its state and counts.

`metrics_registry()` exposes the same numbers as Prometheus metrics, computed at scrape time
(a custom collector: every worker process answers the same, since the numbers are rows).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .queue import TaskResultStatus
from .webhooks.models import Attempt, Delivery, DeliveryState, WebhookEndpoint

PREFIX = "treatments"


@dataclass(frozen=True)
class QueueStats:
    """One task queue now."""

    name: str
    ready: int  # waiting, due or not
    due: int  # ready and due now: the backlog
    running: int
    oldest_due_age_seconds: float  # 0 when nothing is due


@dataclass(frozen=True)
class EndpointStats:
    """One webhook endpoint now."""

    id: int
    partner: str
    url: str
    enabled: bool
    disabled_reason: str
    consecutive_failures: int
    deliveries: dict[str, int] = field(default_factory=dict)  # by state


@dataclass(frozen=True)
class WebhookStats:
    """Webhook deliveries now."""

    deliveries: dict[str, int]  # by state
    attempts: dict[str, int]  # "succeeded" / "failed"
    endpoints: list[EndpointStats]


def queue_stats(*, now: dt.datetime | None = None) -> list[QueueStats]:
    """Every queue that has ready or running tasks, by name."""
    now = now or timezone.now()
    ready = Q(status=TaskResultStatus.READY)
    # A task enqueued with no time is due at once: the backend stores its time as the far future.
    undated = ready & Q(run_after=get_date_max())
    dated_due = ready & Q(run_after__lte=now)
    rows = (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name")
        .annotate(
            ready=Count("pk", filter=ready),
            due=Count("pk", filter=dated_due | undated),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest_dated=Min("run_after", filter=dated_due),
            oldest_undated=Min("enqueued_at", filter=undated),
        )
        .order_by("queue_name")
    )
    found = []
    for row in rows:
        since = [t for t in (row["oldest_dated"], row["oldest_undated"]) if t is not None]
        found.append(
            QueueStats(
                name=row["queue_name"],
                ready=row["ready"],
                due=row["due"],
                running=row["running"],
                oldest_due_age_seconds=max(0.0, (now - min(since)).total_seconds())
                if since
                else 0.0,
            )
        )
    return found


def webhook_stats() -> WebhookStats:
    """Deliveries by state, attempts by outcome, and each endpoint's state and deliveries."""
    by_state = dict(
        Delivery.objects.values("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    attempts = dict(
        Attempt.objects.values("succeeded").annotate(n=Count("pk")).values_list("succeeded", "n")
    )
    per_endpoint: dict[int, dict[str, int]] = {}
    for endpoint_id, state, n in (
        Delivery.objects.values("endpoint_id", "state")
        .annotate(n=Count("pk"))
        .values_list("endpoint_id", "state", "n")
    ):
        per_endpoint.setdefault(endpoint_id, {})[state] = n
    endpoints = [
        EndpointStats(
            id=e.pk,
            partner=e.partner.name,
            url=e.url,
            enabled=e.enabled,
            disabled_reason=e.disabled_reason,
            consecutive_failures=e.consecutive_failures,
            deliveries={s: per_endpoint.get(e.pk, {}).get(s, 0) for s in DeliveryState.values},
        )
        for e in WebhookEndpoint.objects.select_related("partner").order_by("partner__name", "id")
    ]
    return WebhookStats(
        deliveries={s: by_state.get(s, 0) for s in DeliveryState.values},
        attempts={"succeeded": attempts.get(True, 0), "failed": attempts.get(False, 0)},
        endpoints=endpoints,
    )


class BackgroundWorkCollector(Collector):
    """Prometheus metrics of the queue and the webhooks, read from the database per scrape."""

    def collect(self) -> Iterator[Any]:
        queues = queue_stats()
        depth = GaugeMetricFamily(
            f"{PREFIX}_tasks_queue_depth",
            "Tasks waiting in the queue (ready), due now or later.",
            labels=["queue"],
        )
        due = GaugeMetricFamily(
            f"{PREFIX}_tasks_due", "Tasks due now and not yet started.", labels=["queue"]
        )
        running = GaugeMetricFamily(
            f"{PREFIX}_tasks_running", "Tasks a worker is running.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            f"{PREFIX}_tasks_oldest_due_age_seconds",
            "How long the oldest due task has waited (0 when none is due).",
            labels=["queue"],
        )
        for q in queues:
            depth.add_metric([q.name], q.ready)
            due.add_metric([q.name], q.due)
            running.add_metric([q.name], q.running)
            age.add_metric([q.name], q.oldest_due_age_seconds)
        yield from (depth, due, running, age)

        hooks = webhook_stats()
        deliveries = GaugeMetricFamily(
            f"{PREFIX}_webhook_deliveries", "Webhook deliveries by state.", labels=["state"]
        )
        for state, n in hooks.deliveries.items():
            deliveries.add_metric([state], n)
        attempts = CounterMetricFamily(
            f"{PREFIX}_webhook_attempts",
            "Webhook delivery attempts by outcome (as logged; pruning the log lowers it).",
            labels=["outcome"],
        )
        for outcome, n in hooks.attempts.items():
            attempts.add_metric([outcome], n)
        per_endpoint = GaugeMetricFamily(
            f"{PREFIX}_webhook_endpoint_deliveries",
            "Webhook deliveries per endpoint and state.",
            labels=["endpoint", "partner", "state"],
        )
        enabled = GaugeMetricFamily(
            f"{PREFIX}_webhook_endpoint_enabled",
            "1 if the endpoint receives events, 0 if it is disabled.",
            labels=["endpoint", "partner"],
        )
        failures = GaugeMetricFamily(
            f"{PREFIX}_webhook_endpoint_consecutive_failures",
            "Failed attempts in a row (the endpoint is disabled at the configured limit).",
            labels=["endpoint", "partner"],
        )
        for e in hooks.endpoints:
            labels = [str(e.id), e.partner]
            for state, n in e.deliveries.items():
                per_endpoint.add_metric([*labels, state], n)
            enabled.add_metric(labels, 1 if e.enabled else 0)
            failures.add_metric(labels, e.consecutive_failures)
        yield from (deliveries, attempts, per_endpoint, enabled, failures)


def metrics_registry() -> CollectorRegistry:
    """A registry holding the background-work collector (a fresh one: nothing global)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackgroundWorkCollector())
    return registry
