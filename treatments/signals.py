"""Signals the domain sends so that other layers can react without being imported here."""

from django.dispatch import Signal

# Sent after the transaction that published, unpublished or deleted a treatment commits.
# Keyword arguments: treatment_id, slugs (every slug the live document was reachable by).
publication_changed = Signal()
