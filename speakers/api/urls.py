"""Speakers' list API URLs, included at /api/ by config/urls.py."""

from django.urls import URLPattern, path

from speakers.api import views

app_name = "speakers_api"

urlpatterns: list[URLPattern] = [
    path("meetings/<int:meeting_id>/speakers/", views.SpeakersView.as_view(), name="speakers"),
    path(
        "meetings/<int:meeting_id>/speakers/settings/",
        views.SpeakersSettingsView.as_view(),
        name="settings",
    ),
    path(
        "meetings/<int:meeting_id>/speakers/items/<int:item_id>/",
        views.ItemListView.as_view(),
        name="item-list",
    ),
    path(
        "meetings/<int:meeting_id>/speakers/requests/",
        views.RequestsView.as_view(),
        name="requests",
    ),
    path(
        "meetings/<int:meeting_id>/speakers/requests/<int:speech_id>/",
        views.RequestView.as_view(),
        name="request",
    ),
    path(
        "meetings/<int:meeting_id>/speakers/reorder/",
        views.ReorderView.as_view(),
        name="reorder",
    ),
    path("meetings/<int:meeting_id>/speakers/call/", views.CallView.as_view(), name="call"),
    path("meetings/<int:meeting_id>/speakers/timer/", views.TimerView.as_view(), name="timer"),
    path("meetings/<int:meeting_id>/speakers/close/", views.CloseView.as_view(), name="close"),
    path(
        "meetings/<int:meeting_id>/speakers.csv",
        views.SpeakersCsvView.as_view(),
        name="speakers-csv",
    ),
]
