"""Minutes API URLs, included at /api/ by config/urls.py."""

from django.urls import URLPattern, path

from minutes.api import views

app_name = "minutes_api"

urlpatterns: list[URLPattern] = [
    path("meetings/<int:meeting_id>/minutes/", views.MinutesView.as_view(), name="minutes"),
    path("meetings/<int:meeting_id>/minutes/notes/", views.NotesView.as_view(), name="notes"),
    path(
        "meetings/<int:meeting_id>/minutes/notes/<int:item_id>/",
        views.NoteView.as_view(),
        name="note",
    ),
    path(
        "meetings/<int:meeting_id>/minutes/finalise/",
        views.FinaliseView.as_view(),
        name="finalise",
    ),
]
