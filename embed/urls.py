"""URLs of the embeddable card (HTML, outside the JSON API)."""

from django.urls import path

from . import views

app_name = "embed"
urlpatterns = [
    path("v1/treatments/<str:key>/", views.treatment_card_view, name="treatment-card"),
]
