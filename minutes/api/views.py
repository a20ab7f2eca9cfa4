"""REST endpoints for the minutes: the notes (read, autosave) and
finalising. Thin: parse, call one service or selector, answer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiView, errors, parse
from meetings import permissions
from meetings.api.common import caller, visible_meeting
from minutes import selectors, services
from minutes.api import serializers as s
from minutes.permissions import MINUTES_VIEW


class NotesView(ApiView):
    @extend_schema(
        summary="The secretary's notes per agenda item (chair, clerks, officers)",
        responses={200: s.MinutesNotesSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        permissions.require(actor=caller(request), meeting=meeting, action=MINUTES_VIEW)
        return Response(selectors.notes_payload(meeting))


class NoteView(ApiView):
    @extend_schema(
        summary="Save the note on an agenda item (chair or clerk; until finalised)",
        description="The console saves as the secretary types, after a pause. "
        "409 `minutes_finalised` once the minutes are final.",
        request=s.MinutesNoteUpdateSerializer,
        responses={200: s.SavedMinutesNoteSerializer, **errors(400, 403, 404, 409)},
    )
    def put(self, request: Request, meeting_id: int, item_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.MinutesNoteUpdateSerializer, request.data)
        note = services.minutes_note_save(
            actor=caller(request), meeting=meeting, agenda_item_id=item_id, text=data["text"]
        )
        return Response(
            {
                "agenda_item_id": note.agenda_item_id,
                "text": note.text,
                "updated_at": note.updated_at,
            }
        )


class MinutesView(ApiView):
    @extend_schema(
        summary="Whether the minutes are final, with the PDF's SHA-256",
        responses={200: s.MinutesStatusSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        permissions.require(actor=caller(request), meeting=meeting, action=MINUTES_VIEW)
        return Response(selectors.minutes_status(meeting))


class FinaliseView(ApiView):
    @extend_schema(
        summary="Finalise the minutes of a closed meeting (chair or clerk)",
        description="Makes the PDF in the meeting's language, keeps it as a document "
        "version with its SHA-256 and writes `minutes.finalised` to the meeting's log. "
        "The notes are read-only after.",
        request=None,
        responses={201: s.MinutesStatusSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        services.minutes_finalise(actor=caller(request), meeting=meeting)
        return Response(selectors.minutes_status(meeting), status=status.HTTP_201_CREATED)
