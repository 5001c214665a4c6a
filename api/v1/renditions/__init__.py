"""Renditions of published documents served by API v1 (recovery plan, calendar, ...)."""
