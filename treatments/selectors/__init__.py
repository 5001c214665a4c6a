"""Every read of the domain: public reads (published data only), editorial reads, search."""

from .editorial import (
    WORKING_COPY_STATES,
    working_copy_has_unpublished_changes,
    working_copy_list,
    working_copy_live_revision,
    working_copy_state,
)
from .public import (
    Located,
    category_live_list,
    publication_document,
    publication_live_list,
    publication_locate,
    revision_diff,
    revision_public_get,
    revision_public_list,
)
from .search import MAX_QUERY_LENGTH, publication_search
from .sync import (
    SyncScope,
    SyncState,
    change_log_head,
    change_log_head_marker,
    publication_withdrawn,
    sync_changed_page,
    sync_first_change_after,
    sync_live_page,
    sync_live_scopes,
    sync_removed_since,
    sync_states,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "WORKING_COPY_STATES",
    "Located",
    "SyncScope",
    "SyncState",
    "category_live_list",
    "change_log_head",
    "change_log_head_marker",
    "publication_document",
    "publication_live_list",
    "publication_locate",
    "publication_search",
    "publication_withdrawn",
    "revision_diff",
    "revision_public_get",
    "revision_public_list",
    "sync_changed_page",
    "sync_first_change_after",
    "sync_live_page",
    "sync_live_scopes",
    "sync_removed_since",
    "sync_states",
    "working_copy_has_unpublished_changes",
    "working_copy_list",
    "working_copy_live_revision",
    "working_copy_state",
]
