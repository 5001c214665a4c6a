"""URLs of scheduled actions and releases in the editor API (v1)."""

from django.urls import path

from . import releases, schedule

urlpatterns = [
    path("schedule/", schedule.UpcomingScheduleView.as_view(), name="editor-schedule-upcoming"),
    path(
        "treatments/<uuid:treatment_id>/schedule/",
        schedule.TreatmentScheduleView.as_view(),
        name="editor-treatment-schedule",
    ),
    path(
        "treatments/<uuid:treatment_id>/schedule/<int:action_id>/",
        schedule.TreatmentScheduleItemView.as_view(),
        name="editor-treatment-schedule-item",
    ),
    path("releases/", releases.ReleaseCollectionView.as_view(), name="editor-release-list"),
    path(
        "releases/<int:release_id>/",
        releases.ReleaseItemView.as_view(),
        name="editor-release-detail",
    ),
    path(
        "releases/<int:release_id>/members/",
        releases.ReleaseMembersView.as_view(),
        name="editor-release-members",
    ),
    path(
        "releases/<int:release_id>/members/<uuid:treatment_id>/",
        releases.ReleaseMemberItemView.as_view(),
        name="editor-release-member",
    ),
    path(
        "releases/<int:release_id>/publish/",
        releases.ReleasePublishView.as_view(),
        name="editor-release-publish",
    ),
    path(
        "releases/<int:release_id>/schedule/",
        releases.ReleaseScheduleView.as_view(),
        name="editor-release-schedule",
    ),
]
