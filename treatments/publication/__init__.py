"""The publication hub: the only code that writes what is derived from a publication.

Publish, revert, unpublish, delete, restore and the content loader call `publication_apply`
in their own transaction; it writes the public read model, the published category and former
slugs, and one change-log entry per public change, then runs the registered hooks (outbox rows,
cache purges, renditions: later issues plug in there).
"""

from .hub import PublicChange, publication_apply, publication_hooks

__all__ = ["PublicChange", "publication_apply", "publication_hooks"]
