"""The only receivers of `publication_changed` for read memories (connected by ApiConfig.ready).

A publication committed in this process is seen at once by every memory of live content in
this worker; other workers see it within `PUBLIC_MEMORY_TTL` seconds, when they re-read the
change-log head (api.hot). A memory of live content that must forget on a publication is
cleared here, not by a receiver of its own.
"""

from typing import Any

from django.dispatch import receiver

from treatments.signals import publication_changed

from .memories import parsed_documents


@receiver(publication_changed)
def forget_changed(sender: Any, slugs: tuple[str, ...] = (), **kwargs: Any) -> None:
    """Drop what this worker remembers of live content that a publication may have changed."""
    parsed_documents().clear()  # publishes are rare; keys may be slugs, ids or former slugs
