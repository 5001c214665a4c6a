"""The only receivers of `publication_changed` for read memories (connected by ApiConfig.ready).

A publication committed in this process is seen at once by every memory of live content in
this worker; other workers see it within `PUBLIC_MEMORY_TTL` seconds, when they re-read the
change-log head (api.hot). Either way only the changed treatment's entries are dropped (by its
id, and by every slug it was reachable by), with every list page and search. A memory of live
content that must forget on a publication is cleared here, not by a receiver of its own.
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
def forget_changed(
    sender: Any, treatment_id: Any = None, slugs: tuple[str, ...] = (), **kwargs: Any
) -> None:
    """Drop what this worker remembers of the changed treatment, and every list page.

    Done now as well, so that this worker is exact even before its next request re-reads the
    head (which drops the same again, and what other processes changed).
    """
    for memory in (hot_documents(), parsed_documents(), withdrawn_documents()):
        if treatment_id is None:
            memory.clear()  # who changed is unknown: forget everything
        else:
            memory.forget_changed(tags=(treatment_id,), keys=slugs)
    hot_pages().clear()  # any page or search may gain, lose or reorder the treatment
