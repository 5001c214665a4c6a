"""URLs of the partner webhooks API (v1), under /api/v1/webhooks/."""

from django.urls import path

from . import views

urlpatterns = [
    path("endpoints/", views.EndpointCollectionView.as_view(), name="webhook-endpoint-list"),
    path(
        "endpoints/<int:endpoint_id>/",
        views.EndpointItemView.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "endpoints/<int:endpoint_id>/ping/",
        views.PingView.as_view(),
        name="webhook-endpoint-ping",
    ),
    path(
        "endpoints/<int:endpoint_id>/rotate-secret/",
        views.RotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "endpoints/<int:endpoint_id>/deliveries/",
        views.DeliveryListView.as_view(),
        name="webhook-endpoint-deliveries",
    ),
]
