"""REST endpoints for the speakers' list. Thin: parse, call one service or
selector, answer. The socket commands call the same services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiView, DownloadNegotiation, errors, parse
from core.downloads import csv_download
from meetings.api.common import caller, visible_meeting
from speakers import exports, selectors, services
from speakers.api import serializers as s
from speakers.permissions import require


def _list(agenda_item_id: int) -> dict[str, Any]:
    return dict(selectors.list_payload(agenda_item_id))


class SpeakersView(ApiView):
    @extend_schema(
        summary="The meeting's speaker settings and every item's list",
        responses={200: s.SpeakersSerializer, **errors(404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        return Response(selectors.speakers_snapshot(meeting.pk)["speakers"])


class SpeakersSettingsView(ApiView):
    @extend_schema(
        summary="Change the meeting's speaker settings (chair or clerk)",
        request=s.SpeakerSettingsUpdateSerializer,
        responses={200: s.SpeakerSettingsSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeakerSettingsUpdateSerializer, request.data, known_only=True)
        services.speakers_settings_update(actor=caller(request), meeting=meeting, **data)
        return Response(selectors.meeting_settings(meeting.pk))


class ItemListView(ApiView):
    @extend_schema(
        summary="One agenda item's speakers' list",
        responses={200: s.SpeakerListSerializer, **errors(404)},
    )
    def get(self, request: Request, meeting_id: int, item_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        item = services.list_item(meeting, item_id)
        return Response(_list(item.pk))

    @extend_schema(
        summary="Set an item's own speaker settings (null: as the meeting)",
        request=s.SpeakerSettingsUpdateSerializer,
        responses={200: s.SpeakerListSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, meeting_id: int, item_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeakerSettingsUpdateSerializer, request.data, known_only=True)
        services.speakers_settings_update(
            actor=caller(request), meeting=meeting, agenda_item_id=item_id, **data
        )
        return Response(_list(item_id))


class RequestsView(ApiView):
    @extend_schema(
        summary="Ask to speak (or, chair or clerk, add a member on their behalf)",
        request=s.SpeechRequestSerializer,
        responses={201: s.SpeechSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeechRequestSerializer, request.data)
        speech = services.speech_request(actor=caller(request), meeting=meeting, **data)
        listed = _list(speech.agenda_item_id)
        payload = next(p for p in listed["waiting"] if p["id"] == speech.pk)
        return Response(payload, status=status.HTTP_201_CREATED)


class RequestView(ApiView):
    @extend_schema(
        summary="Withdraw a waiting request (one's own; chair or clerk: anyone's)",
        request=None,
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, meeting_id: int, speech_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        services.speech_withdraw(actor=caller(request), meeting=meeting, speech_id=speech_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReorderView(ApiView):
    @extend_schema(
        summary="Reorder the waiting requests (chair or clerk)",
        request=s.SpeakersReorderSerializer,
        responses={200: s.SpeakerListSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeakersReorderSerializer, request.data)
        services.speakers_reorder(actor=caller(request), meeting=meeting, **data)
        return Response(_list(services.list_item(meeting, data.get("agenda_item_id")).pk))


class CallView(ApiView):
    @extend_schema(
        summary="End the current speech and call the next (or the named) speaker",
        request=s.SpeakerCallSerializer,
        responses={200: s.SpeakerListSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeakerCallSerializer, request.data)
        services.speaker_call(actor=caller(request), meeting=meeting, **data)
        return Response(_list(services.list_item(meeting, data.get("agenda_item_id")).pk))


class TimerView(ApiView):
    @extend_schema(
        summary="Start, pause or stop the current speaker's time",
        request=s.SpeakerTimerSerializer,
        responses={200: s.SpeakerListSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeakerTimerSerializer, request.data)
        action = {
            "start": services.speaker_start,
            "pause": services.speaker_pause,
            "stop": services.speaker_stop,
        }[data["action"]]
        speech = action(
            actor=caller(request), meeting=meeting, agenda_item_id=data.get("agenda_item_id")
        )
        return Response(_list(speech.agenda_item_id))


class CloseView(ApiView):
    @extend_schema(
        summary="Close or reopen an item's speakers' list",
        request=s.SpeakersCloseSerializer,
        responses={200: s.SpeakerListSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.SpeakersCloseSerializer, request.data)
        row = services.speakers_list_close(actor=caller(request), meeting=meeting, **data)
        assert row.agenda_item_id is not None
        return Response(_list(row.agenda_item_id))


class SpeakersCsvView(ApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="Every speech of the meeting with its real times, as CSV",
        operation_id="meetings_speakers_csv",
        description="UTF-8 with a byte order mark; chair and clerks.",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The speakers."),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        meeting = visible_meeting(request, meeting_id)
        require("speakers.export", caller(request), meeting)
        return csv_download(exports.meeting_speakers_csv(meeting=meeting))
