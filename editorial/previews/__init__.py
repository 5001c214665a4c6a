"""Signed, expiring, revocable preview links that show a draft to a reviewer without an account."""
