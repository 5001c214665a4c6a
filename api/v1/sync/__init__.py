"""Offline sync for apps: the delta feed over the change log, and the offline bundle."""
