"""Models of the clinical review (review rounds, approvals, comments)."""
