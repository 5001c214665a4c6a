"""URLs of the renditions of published documents (API v1)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
