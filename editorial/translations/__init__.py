"""Translations: a treatment's versions in other languages, each its own reviewed document."""
