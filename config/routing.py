"""WebSocket URLs."""

from django.urls import path

from live.consumer import MeetingConsumer

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", MeetingConsumer.as_asgi()),
]
