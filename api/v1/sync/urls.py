"""URLs of the sync feed and the offline bundle (API v1)."""

from django.urls import path

from . import bundle_views, views

urlpatterns = [
    path("sync/", views.SyncView.as_view(), name="sync"),
    path("bundle/", bundle_views.BundleView.as_view(), name="bundle"),
    path("bundle/manifest/", bundle_views.BundleManifestView.as_view(), name="bundle-manifest"),
]
