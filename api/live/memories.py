"""Each worker's memories of live content, bounded, valid until the change log moves on.

Created here, reconfigured when the settings change (tests), and cleared on a publication in
this process by `api.live.receivers` (the mechanism, `WorkerMemory` and the change-log head,
is `api.hot`).
"""

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from api.hot import WorkerMemory, live_memory

# Per worker: a parsed document takes some tens of kB.
PARSED_DOCUMENTS = 256


def _configured_parsed() -> WorkerMemory:
    maxsize = max(min(settings.PUBLIC_MEMORY_MAX_DOCUMENTS, PARSED_DOCUMENTS), 1)
    return live_memory(maxsize=maxsize)


_parsed = _configured_parsed()


def parsed_documents() -> WorkerMemory:
    """This worker's memory of parsed live documents (`LiveDocument`), by the key asked for."""
    return _parsed


@receiver(setting_changed)
def _reconfigure(setting: str, **kwargs: Any) -> None:
    global _parsed
    if setting in ("PUBLIC_MEMORY_TTL", "PUBLIC_MEMORY_MAX_DOCUMENTS"):
        _parsed = _configured_parsed()
