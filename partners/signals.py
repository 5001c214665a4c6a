"""Signals of the partners app."""

from django.dispatch import Signal

# Sent after a commit that changed keys or their partner; `prefixes` names the keys, so each
# worker can forget what it remembered about them at once.
api_keys_changed = Signal()
