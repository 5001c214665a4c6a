"""URLs of the clinical review in the editor API (v1), under treatments/<id>/."""

from django.urls import path

from . import review

urlpatterns = [
    path(
        "treatments/<uuid:treatment_id>/review/",
        review.ReviewStatusView.as_view(),
        name="editor-treatment-review",
    ),
    path(
        "treatments/<uuid:treatment_id>/review/request/",
        review.ReviewRequestView.as_view(),
        name="editor-treatment-review-request",
    ),
    path(
        "treatments/<uuid:treatment_id>/review/approve/",
        review.ReviewApproveView.as_view(),
        name="editor-treatment-review-approve",
    ),
    path(
        "treatments/<uuid:treatment_id>/review/request-changes/",
        review.ReviewRequestChangesView.as_view(),
        name="editor-treatment-review-request-changes",
    ),
    path(
        "treatments/<uuid:treatment_id>/comments/",
        review.ReviewCommentsView.as_view(),
        name="editor-treatment-comments",
    ),
]
