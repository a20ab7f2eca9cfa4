"""Motions REST API URLs, included at /api/ by config/urls.py."""

from django.urls import URLPattern, path

from motions.api import views

app_name = "motions_api"

urlpatterns: list[URLPattern] = [
    path(
        "meetings/<int:meeting_id>/motions/",
        views.MeetingMotionsView.as_view(),
        name="meeting-motions",
    ),
    path(
        "meetings/<int:meeting_id>/motions.csv", views.MotionsCsvView.as_view(), name="motions-csv"
    ),
    path(
        "meetings/<int:meeting_id>/motion-settings/",
        views.MotionSettingsView.as_view(),
        name="motion-settings",
    ),
    path(
        "meetings/<int:meeting_id>/motion-projection/",
        views.MotionProjectionView.as_view(),
        name="motion-projection",
    ),
    path(
        "meetings/<int:meeting_id>/resolution/", views.ResolutionView.as_view(), name="resolution"
    ),
    path(
        "meetings/<int:meeting_id>/resolution/vote/",
        views.ResolutionVoteView.as_view(),
        name="resolution-vote",
    ),
    path("motions/<int:motion_id>/", views.MotionDetailView.as_view(), name="motion"),
    path(
        "motions/<int:motion_id>/support/", views.MotionSupportView.as_view(), name="motion-support"
    ),
    path("motions/<int:motion_id>/admit/", views.MotionAdmitView.as_view(), name="motion-admit"),
    path("motions/<int:motion_id>/vote/", views.MotionVoteView.as_view(), name="motion-vote"),
    path(
        "motions/<int:motion_id>/withdraw/",
        views.MotionWithdrawView.as_view(),
        name="motion-withdraw",
    ),
    path("motions/<int:motion_id>/refer/", views.MotionReferView.as_view(), name="motion-refer"),
    path("motions/<int:motion_id>/amendments/", views.AmendmentsView.as_view(), name="amendments"),
    path(
        "amendments/<int:amendment_id>/vote/",
        views.AmendmentVoteView.as_view(),
        name="amendment-vote",
    ),
    path(
        "amendments/<int:amendment_id>/withdraw/",
        views.AmendmentWithdrawView.as_view(),
        name="amendment-withdraw",
    ),
]
