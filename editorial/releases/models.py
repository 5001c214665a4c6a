"""Models of scheduled actions and releases."""
