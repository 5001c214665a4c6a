"""Signed webhooks for partners (Standard Webhooks), delivered by the background worker."""
