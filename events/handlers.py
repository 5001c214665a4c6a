"""The registry of event handlers: the extension point for everything that reacts to a change.

A handler is a function of one `OutboxEvent`, registered under a unique name for some event
types. For every event, each matching handler gets its own `HandlerRun` row and its own task,
written in the transaction of the change; so one failing or slow consumer never blocks the
others, and each is retried on its own (see events.tasks.handle_event).

    from events.handlers import event_handler
    from events.types import EventType

    @event_handler("edge.purge", event_types={EventType.TREATMENT_WITHDRAWN}, atomic=False)
    def purge(event: OutboxEvent) -> None: ...

Register from your app's `AppConfig.ready()` (import the module that holds the decorators), so
that the web process (which enqueues) and the worker (which runs) both know the handler.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .types import EventType

if TYPE_CHECKING:
    from .models import OutboxEvent

HandlerFunc = Callable[["OutboxEvent"], object]


@dataclass(frozen=True)
class EventHandler:
    """A registered consumer of events.

    `atomic=True` runs the handler in one transaction with the bookkeeping of its run: its
    database writes and "succeeded" commit together, so it takes effect exactly once (use it
    for work that only writes the database: enqueue deliveries, rebuild a bundle). It holds
    the write lock on SQLite while it runs, so it must not wait on the network.
    `atomic=False` runs it outside any transaction: for network calls (an edge purge, an
    HTTP request); it may run more than once (after a crash or a retry), so make it
    idempotent. A handler that raises is retried with exponential backoff and jitter, up to
    `max_attempts` (default EVENTS_HANDLER_MAX_ATTEMPTS), then its run is marked failed.
    """

    name: str
    func: HandlerFunc
    event_types: frozenset[str]
    atomic: bool = True
    max_attempts: int | None = None
    queue_name: str = "default"
    priority: int = 0


_registry: dict[str, EventHandler] = {}


def event_handler(
    name: str,
    *,
    event_types: Iterable[EventType | str],
    atomic: bool = True,
    max_attempts: int | None = None,
    queue_name: str = "default",
    priority: int = 0,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register the decorated function as the handler `name` for `event_types`."""

    def register(func: HandlerFunc) -> HandlerFunc:
        handler_register(
            EventHandler(
                name=name,
                func=func,
                event_types=frozenset(str(t) for t in event_types),
                atomic=atomic,
                max_attempts=max_attempts,
                queue_name=queue_name,
                priority=priority,
            )
        )
        return func

    return register


def handler_register(handler: EventHandler) -> None:
    """Add `handler` to the registry (a second registration of one name must be the same)."""
    unknown = handler.event_types - set(EventType.values)
    if unknown:
        raise ValueError(
            f"Handler {handler.name!r} subscribes to unknown event types {sorted(unknown)}; "
            "add them to events.types.EventType first."
        )
    existing = _registry.get(handler.name)
    if existing is not None and existing.func is not handler.func:
        raise ValueError(
            f"An event handler named {handler.name!r} is registered already "
            f"({existing.func.__module__}.{existing.func.__qualname__}); choose another name."
        )
    _registry[handler.name] = handler


def handler_unregister(name: str) -> None:
    """Remove the handler `name` (tests use this to clean up after themselves)."""
    _registry.pop(name, None)


def handlers_for(event_type: str) -> list[EventHandler]:
    """The handlers subscribed to `event_type`, in name order."""
    return [h for _, h in sorted(_registry.items()) if event_type in h.event_types]


def handler_get(name: str) -> EventHandler:
    """The handler registered as `name`; a LookupError says which ones exist."""
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(
            f"No event handler named {name!r} is registered in this process (known: "
            f"{', '.join(sorted(_registry)) or 'none'}). Register it from an AppConfig.ready()."
        ) from None
