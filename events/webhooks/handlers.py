"""The event handler that turns each public change into deliveries to partners' endpoints."""

from events.handlers import event_handler
from events.models import OutboxEvent
from events.types import EventType

from .delivery import FAN_OUT_HANDLER, deliveries_create


# Atomic: the deliveries and "this event was fanned out" commit together, exactly once.
@event_handler(FAN_OUT_HANDLER, event_types=list(EventType), atomic=True)
def fan_out(event: OutboxEvent) -> None:
    """Write a delivery of `event` to each enabled endpoint subscribed to its type."""
    deliveries_create(event)
