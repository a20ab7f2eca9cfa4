"""REST API URLs, included at /api/ by config/urls.py."""

from django.urls import URLPattern, path

from meetings.api import attendance, views

app_name = "api"

urlpatterns: list[URLPattern] = [
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("unions/", views.UnionListView.as_view(), name="union-list"),
    path("unions/<int:union_id>/", views.UnionDetailView.as_view(), name="union-detail"),
    path(
        "unions/<int:union_id>/members/",
        views.UnionMembersView.as_view(),
        name="union-members",
    ),
    path(
        "unions/<int:union_id>/members/import/",
        views.UnionMembersImportView.as_view(),
        name="union-members-import",
    ),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/<int:meeting_id>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path(
        "meetings/<int:meeting_id>/copy/",
        views.MeetingCopyView.as_view(),
        name="meeting-copy",
    ),
    path(
        "meetings/<int:meeting_id>/start/",
        views.MeetingStartView.as_view(),
        name="meeting-start",
    ),
    path(
        "meetings/<int:meeting_id>/close/",
        views.MeetingCloseView.as_view(),
        name="meeting-close",
    ),
    path(
        "meetings/<int:meeting_id>/snapshot/",
        views.MeetingSnapshotView.as_view(),
        name="meeting-snapshot",
    ),
    path(
        "meetings/<int:meeting_id>/participants/",
        views.ParticipantListView.as_view(),
        name="participant-list",
    ),
    path(
        "meetings/<int:meeting_id>/participants/from-union/",
        views.ParticipantsFromUnionView.as_view(),
        name="participants-from-union",
    ),
    path(
        "meetings/<int:meeting_id>/participants/<int:participant_id>/",
        views.ParticipantDetailView.as_view(),
        name="participant-detail",
    ),
    path(
        "meetings/<int:meeting_id>/agenda/",
        views.AgendaListView.as_view(),
        name="agenda-list",
    ),
    path(
        "meetings/<int:meeting_id>/agenda/reorder/",
        views.AgendaReorderView.as_view(),
        name="agenda-reorder",
    ),
    path(
        "meetings/<int:meeting_id>/agenda/advance/",
        views.AgendaAdvanceView.as_view(),
        name="agenda-advance",
    ),
    path(
        "meetings/<int:meeting_id>/agenda/<int:item_id>/",
        views.AgendaItemDetailView.as_view(),
        name="agenda-item-detail",
    ),
    path(
        "meetings/<int:meeting_id>/projector-link/",
        views.ProjectorLinkView.as_view(),
        name="projector-link",
    ),
    path(
        "meetings/<int:meeting_id>/projector-links/<int:link_id>/",
        views.ProjectorLinkDetailView.as_view(),
        name="projector-link-detail",
    ),
    path(
        "meetings/<int:meeting_id>/projector-pairing/",
        views.ProjectorPairingView.as_view(),
        name="projector-pairing",
    ),
    path(
        "meetings/<int:meeting_id>/projector-scene/",
        views.ProjectorSceneView.as_view(),
        name="projector-scene",
    ),
    # Check-in and attendance (meetings.api.attendance).
    path(
        "meetings/<int:meeting_id>/attendance/",
        attendance.AttendanceView.as_view(),
        name="attendance",
    ),
    path(
        "meetings/<int:meeting_id>/attendance/settings/",
        attendance.AttendanceSettingsView.as_view(),
        name="attendance-settings",
    ),
    path(
        "meetings/<int:meeting_id>/attendance/log/",
        attendance.AttendanceLogView.as_view(),
        name="attendance-log",
    ),
    path(
        "meetings/<int:meeting_id>/attendance.csv",
        attendance.AttendanceCsvView.as_view(),
        name="attendance-csv",
    ),
    path("meetings/<int:meeting_id>/check-in/", attendance.CheckInView.as_view(), name="check-in"),
    path(
        "meetings/<int:meeting_id>/check-out/", attendance.CheckOutView.as_view(), name="check-out"
    ),
    path(
        "meetings/<int:meeting_id>/room-check-in/",
        attendance.RoomCheckInView.as_view(),
        name="room-check-in",
    ),
    path(
        "meetings/<int:meeting_id>/remote-presence/",
        attendance.RemotePresenceView.as_view(),
        name="remote-presence",
    ),
    path("meetings/<int:meeting_id>/badge/", attendance.MyBadgeView.as_view(), name="my-badge"),
    path(
        "meetings/<int:meeting_id>/participants/<int:participant_id>/badge/revoke/",
        attendance.BadgeRevokeView.as_view(),
        name="badge-revoke",
    ),
    path(
        "meetings/<int:meeting_id>/login-links/",
        attendance.LoginLinksView.as_view(),
        name="login-links",
    ),
    path(
        "meetings/<int:meeting_id>/login-links/<int:link_id>/revoke/",
        attendance.LoginLinkRevokeView.as_view(),
        name="login-link-revoke",
    ),
]
