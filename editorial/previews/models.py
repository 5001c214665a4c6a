"""Models of preview links."""
