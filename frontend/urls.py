from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import (
    attendance_views,
    board_views,
    minutes_views,
    officer_views,
    projector_views,
    teller_views,
    views,
)

app_name = "frontend"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="frontend/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Django's LogoutView accepts POST only: logging out is a button in a form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/chair/", views.chair, name="chair"),
    # Officer pages (frontend.officer_views).
    path("unions/<int:union_id>/office/", officer_views.union_office, name="union-office"),
    path("meetings/<int:meeting_id>/prepare/", officer_views.meeting_prepare, name="prepare"),
    path("meetings/<int:meeting_id>/motions/", views.motions, name="motions"),
    path(
        "meetings/<int:meeting_id>/polls/<int:poll_id>/tellers/",
        teller_views.tellers,
        name="tellers",
    ),
    path("meetings/<int:meeting_id>/live/", views.livestream, name="livestream"),
    path("projector/", projector_views.projector_pair, name="projector-pair"),
    # A projector link: swaps its token for the projector cookie, then
    # redirects to the clean page address.
    path("projector/<str:token>/", views.projector_link, name="projector"),
    path("meetings/<int:meeting_id>/projector/", views.projector, name="projector-page"),
    path("meetings/<int:meeting_id>/board/", board_views.board, name="board"),
    path("meetings/<int:meeting_id>/minutes/", minutes_views.minutes_page, name="minutes"),
    path("meetings/<int:meeting_id>/minutes.pdf", minutes_views.minutes_pdf, name="minutes-pdf"),
    # Check-in and attendance (frontend.attendance_views).
    path("meetings/<int:meeting_id>/clerk/", attendance_views.clerk, name="clerk"),
    path("meetings/<int:meeting_id>/badge/", attendance_views.my_badge, name="my-badge"),
    path("meetings/<int:meeting_id>/badges.pdf", attendance_views.badge_sheet, name="badges-pdf"),
    path(
        "meetings/<int:meeting_id>/invitations/",
        attendance_views.invitations,
        name="invitations",
    ),
    # The URLs in QR codes: each moves its token into the session and
    # redirects to the clean address after it (frontend.attendance_views).
    path("checkin/badge/", attendance_views.checkin_badge_confirm, name="checkin-badge-confirm"),
    path("checkin/badge/<str:token>/", attendance_views.checkin_badge, name="checkin-badge"),
    path(
        "checkin/room/<int:meeting_id>/",
        attendance_views.checkin_room_confirm,
        name="checkin-room-confirm",
    ),
    path(
        "checkin/room/<int:meeting_id>/<str:token>/",
        attendance_views.checkin_room,
        name="checkin-room",
    ),
    path("login/link/", attendance_views.login_link_confirm, name="login-link-confirm"),
    path("login/link/<str:token>/", attendance_views.login_link, name="login-link"),
    path(
        "meetings/<int:meeting_id>/projector/room-code/",
        attendance_views.projector_room_code,
        name="projector-room-code",
    ),
]
