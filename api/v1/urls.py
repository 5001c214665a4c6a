"""URLs of API version 1."""

from django.urls import include, path

from . import views
from .changelog_views import ChangelogView

# Public routes first: they carry almost all traffic and resolve in fewer steps.
urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("treatments/", views.TreatmentListView.as_view(), name="treatment-list"),
    path("treatments/<str:key>/", views.TreatmentDetailView.as_view(), name="treatment-detail"),
    path(
        "treatments/<str:key>/revisions/",
        views.RevisionListView.as_view(),
        name="revision-list",
    ),
    path(
        "treatments/<str:key>/revisions/<int:number>/",
        views.RevisionDetailView.as_view(),
        name="revision-detail",
    ),
    path(
        "treatments/<str:key>/revisions/<int:number>/diff/<int:other>/",
        views.RevisionDiffView.as_view(),
        name="revision-diff",
    ),
    path(
        "schema/treatment-document/",
        views.DocumentSchemaView.as_view(),
        name="schema-treatment-document",
    ),
    path("changelog/", ChangelogView.as_view(), name="changelog"),
    path("", include("api.v1.renditions.urls")),
    path("", include("api.v1.sync.urls")),
    path("editor/", include("api.v1.editor.urls")),
    path("webhooks/", include("api.v1.webhooks.urls")),
]
