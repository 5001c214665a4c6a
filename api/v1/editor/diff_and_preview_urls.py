"""URLs of the editor API's readable diffs and preview links (included by urls.py)."""

from django.urls import path

from . import diffs

urlpatterns = [
    path(
        "treatments/<uuid:treatment_id>/diff/",
        diffs.TreatmentDiffView.as_view(),
        name="editor-treatment-diff",
    ),
]
