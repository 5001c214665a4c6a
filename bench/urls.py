"""The bench URL map: the project's own URLs plus the naive and limit comparison views."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

from .limit import limit_view
from .naive import NaiveTreatmentDetail, NaiveTreatmentList

urlpatterns = [
    path("bench/limit/", limit_view, name="bench-limit"),
    path("bench/naive/treatments/", NaiveTreatmentList.as_view(), name="bench-naive-list"),
    path(
        "bench/naive/treatments/<slug:slug>/",
        NaiveTreatmentDetail.as_view(),
        name="bench-naive-detail",
    ),
    *project_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
