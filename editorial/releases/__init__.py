"""Scheduled actions (publish or withdraw at a time) and releases (several changes at once)."""
