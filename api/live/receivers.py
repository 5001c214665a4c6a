"""The only receivers of `publication_changed` for read memories (connected by ApiConfig.ready).

A publication committed in this process is seen at once by every memory of live content in
this worker; other workers see it within `PUBLIC_MEMORY_TTL` seconds, when they re-read the
change-log head (api.hot). A memory of live content that must forget on a publication is
cleared here, not by a receiver of its own.
"""

from typing import Any

from django.dispatch import receiver

from api.hot import change_log_head
from treatments.signals import publication_changed

from .memories import hot_documents, hot_pages, parsed_documents, withdrawn_documents

# The head moved: this worker re-reads it on its next request and drops every entry kept for
# the older head (in every memory made by `api.hot.live_memory`).
publication_changed.connect(change_log_head().forget, dispatch_uid="change-log-head")


@receiver(publication_changed)
def forget_changed(sender: Any, slugs: tuple[str, ...] = (), **kwargs: Any) -> None:
    """Drop what this worker remembers of live content that a publication may have changed."""
    # Dropping the documents' slugs now as well keeps this worker exact even before the next
    # request re-reads the head.
    hot_documents().discard(*slugs)
    hot_pages().clear()
    parsed_documents().clear()  # publishes are rare; keys may be slugs, ids or former slugs
    withdrawn_documents().clear()  # a withdrawn treatment may be live again
