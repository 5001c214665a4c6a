"""Events and background work: the outbox, the task worker and the consumers of changes.

The rule of this room: it imports treatments and partners; nothing in them imports it. The
publication hub calls it through `publication_hooks()` (registered in EventsConfig.ready).

Extension points, one module each:
- events.types.EventType        the event types (one enumeration)
- events.payloads               every payload, built from public data only
- events.outbox.event_record    write an event (+ one task per handler) in your transaction
- events.handlers.event_handler register a consumer: its own task and retries per event
- events.queue                  `task`, `enqueue_at`, `retry_later`, `claim_once`
- events.mail.email_enqueue     email sent by the worker, never in the request
- events.worker.on_worker_start catch-up work when a worker starts
See docs/operators/worker.md.
"""
