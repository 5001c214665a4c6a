"""URLs of the sync feed and the offline bundle (API v1)."""

from django.urls import path

from . import views

urlpatterns = [
    path("sync/", views.SyncView.as_view(), name="sync"),
    path("bundle/", views.BundleView.as_view(), name="bundle"),
]
