"""URLs of the editor API (v1)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("treatments/", views.TreatmentCollectionView.as_view(), name="editor-treatment-list"),
    path("import/", views.ImportView.as_view(), name="editor-import"),
    path(
        "treatments/<uuid:treatment_id>/",
        views.TreatmentItemView.as_view(),
        name="editor-treatment-detail",
    ),
    path(
        "treatments/<uuid:treatment_id>/publish/",
        views.PublishView.as_view(),
        name="editor-treatment-publish",
    ),
    path(
        "treatments/<uuid:treatment_id>/unpublish/",
        views.UnpublishView.as_view(),
        name="editor-treatment-unpublish",
    ),
    path(
        "treatments/<uuid:treatment_id>/revert/",
        views.RevertView.as_view(),
        name="editor-treatment-revert",
    ),
    path(
        "treatments/<uuid:treatment_id>/restore/",
        views.RestoreView.as_view(),
        name="editor-treatment-restore",
    ),
    path(
        "treatments/<uuid:treatment_id>/preview/",
        views.PreviewView.as_view(),
        name="editor-treatment-preview",
    ),
    path(
        "treatments/<uuid:treatment_id>/audit/",
        views.AuditView.as_view(),
        name="editor-treatment-audit",
    ),
    path(
        "treatments/<uuid:treatment_id>/export/",
        views.ExportView.as_view(),
        name="editor-treatment-export",
    ),
    path("", include("api.v1.editor.review_urls")),
    path("", include("api.v1.editor.diff_and_preview_urls")),
    path("", include("api.v1.editor.schedule_urls")),
    path("", include("api.v1.editor.translation_urls")),
]
