"""URLs of the editor API's readable diffs and preview links (included by urls.py)."""

from django.urls import path

from . import diffs, preview_links

urlpatterns = [
    path(
        "treatments/<uuid:treatment_id>/diff/",
        diffs.TreatmentDiffView.as_view(),
        name="editor-treatment-diff",
    ),
    path(
        "treatments/<uuid:treatment_id>/preview-links/",
        preview_links.PreviewLinkCollectionView.as_view(),
        name="editor-treatment-preview-links",
    ),
    path(
        "treatments/<uuid:treatment_id>/preview-links/<uuid:link_id>/",
        preview_links.PreviewLinkItemView.as_view(),
        name="editor-treatment-preview-link",
    ),
]
