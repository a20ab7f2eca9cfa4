from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import attendance_views, board_views, projector_views, views

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
    path("meetings/<int:meeting_id>/live/", views.livestream, name="livestream"),
    path("projector/", projector_views.projector_pair, name="projector-pair"),
    path("projector/<str:token>/", projector_views.projector, name="projector"),
    path("meetings/<int:meeting_id>/board/", board_views.board, name="board"),
    # Check-in and attendance (frontend.attendance_views).
    path("meetings/<int:meeting_id>/clerk/", attendance_views.clerk, name="clerk"),
    path("meetings/<int:meeting_id>/badge/", attendance_views.my_badge, name="my-badge"),
    path("meetings/<int:meeting_id>/badges.pdf", attendance_views.badge_sheet, name="badges-pdf"),
    path(
        "meetings/<int:meeting_id>/invitations/",
        attendance_views.invitations,
        name="invitations",
    ),
    path("checkin/badge/<str:token>/", attendance_views.checkin_badge, name="checkin-badge"),
    path(
        "checkin/room/<int:meeting_id>/<str:token>/",
        attendance_views.checkin_room,
        name="checkin-room",
    ),
    path("login/link/<str:token>/", attendance_views.login_link, name="login-link"),
    path(
        "projector/<str:token>/room-code/",
        attendance_views.projector_room_code,
        name="projector-room-code",
    ),
]
