"""URLs of the renditions of published documents (API v1)."""

from django.urls import path

from . import fhir, views
from .jsonld import TreatmentJsonLdView

urlpatterns = [
    path(
        "treatments/<str:key>/recovery-plan/",
        views.RecoveryPlanView.as_view(),
        name="treatment-recovery-plan",
    ),
    path(
        "treatments/<str:key>/recovery-plan.ics",
        views.RecoveryPlanCalendarView.as_view(),
        name="treatment-recovery-plan-calendar",
    ),
    path("treatments/<str:key>/fhir/", fhir.FhirBundleView.as_view(), name="treatment-fhir"),
    path(
        "treatments/<str:key>/jsonld/",
        TreatmentJsonLdView.as_view(),
        name="treatment-jsonld",
    ),
]
