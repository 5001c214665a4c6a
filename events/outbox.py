"""Writing the outbox: one event per public change, and one queued run per handler.

`event_record` is the only writer of `OutboxEvent`. The publication hub calls
`on_public_change` inside its transaction (registered in EventsConfig.ready), so the event, its
handler runs and their tasks commit or roll back with the change itself. Nothing here waits on
anything but the database: publishing never waits for delivery.
"""

import uuid
from typing import Any

from django.db import transaction

from treatments.publication import PublicChange

from .handlers import handlers_for
from .models import HandlerRun, OutboxEvent
from .payloads import treatment_event_type, treatment_payload
from .types import EventType


@transaction.atomic
def event_record(
    *,
    type: EventType,
    payload: dict[str, Any],
    sequence: int | None = None,
    treatment_id: uuid.UUID | None = None,
    slug: str = "",
    revision: int | None = None,
) -> OutboxEvent:
    """Write one event and enqueue a task per subscribed handler, in the caller's transaction."""
    from .tasks import handle_event  # the task module imports this one's models

    event = OutboxEvent.objects.create(
        type=type,
        payload=payload,
        sequence=sequence,
        treatment_id=treatment_id,
        slug=slug,
        revision=revision,
    )
    handlers = handlers_for(type)
    HandlerRun.objects.bulk_create(HandlerRun(event=event, handler=h.name) for h in handlers)
    for handler in handlers:
        handle_event.using(queue_name=handler.queue_name, priority=handler.priority).enqueue(
            event_id=event.pk, handler=handler.name
        )
    return event


def on_public_change(change: PublicChange) -> None:
    """The publication hook: record the change as its treatment event."""
    entry = change.entry
    event_record(
        type=treatment_event_type(change),
        payload=treatment_payload(change),
        sequence=entry.sequence,
        treatment_id=change.treatment.pk,
        slug=entry.slug,
        revision=entry.revision_number,
    )
