"""REST endpoints for check-in, attendance, badges and one-time login links.

Thin, like `meetings.api.views`: parse, call one service or selector, answer.
Meetings the user cannot see answer 404; refused tokens 400 with a code
`token_<why>`; too many attempts 429 (`rate_limited`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiView, DownloadNegotiation, errors, parse
from core.api.serializers import MAX_INT
from core.downloads import csv_download
from core.exceptions import InvalidInput, NotAllowed
from meetings import attendance, attendance_selectors, permissions, selectors
from meetings.api.common import caller, visible_meeting
from meetings.api.serializers import AttendanceSummarySerializer, QuorumSerializer
from meetings.attendance import PresenceChange
from meetings.models import Meeting, Participant

# --- shapes -------------------------------------------------------------------------


class CheckInSerializer(serializers.Serializer):
    badge = serializers.CharField(required=False, max_length=300)
    member_number = serializers.CharField(required=False, max_length=200)
    participant_id = serializers.IntegerField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len([key for key in ("badge", "member_number", "participant_id") if key in attrs]) != 1:
            raise serializers.ValidationError(
                _("Give exactly one of badge, member_number or participant_id.")
            )
        return attrs


class CheckOutSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Leave out to check yourself out.")
    )


class RoomCheckInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100)


class AttendanceSettingsSerializer(serializers.Serializer):
    room_checkin_enabled = serializers.BooleanField(required=False)
    allow_remote_participation = serializers.BooleanField(required=False)


class LoginLinksSerializer(serializers.Serializer):
    participant_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_empty=False, max_length=5000
    )
    valid_minutes = serializers.IntegerField(required=False, min_value=1, max_value=MAX_INT)


class PresenceChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    name = serializers.CharField()
    member_number = serializers.CharField()
    role = serializers.CharField()
    action = serializers.CharField()
    method = serializers.CharField()
    presence = serializers.CharField()
    previous = serializers.CharField()
    current_presence = serializers.CharField()
    at = serializers.DateTimeField()
    time = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class AttendanceSerializer(serializers.Serializer):
    meeting_id = serializers.IntegerField()
    attendance = AttendanceSummarySerializer()
    quorum = QuorumSerializer()
    room_checkin_enabled = serializers.BooleanField()
    allow_remote_participation = serializers.BooleanField()


class BadgeSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    name = serializers.CharField()
    member_number = serializers.CharField()
    token = serializers.CharField()
    url = serializers.CharField()


class LoginLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    name = serializers.CharField()
    member_number = serializers.CharField()
    url = serializers.CharField()
    expires_at = serializers.DateTimeField()


# --- helpers ----------------------------------------------------------------------


def absolute_url(request: Any, name: str, args: list[Any], fallback: str) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:  # the frontend is not wired up (API-only deployments)
        path = fallback
    return str(request.build_absolute_uri(path))


def badge_url(request: Any, token: str) -> str:
    return absolute_url(request, "frontend:checkin-badge", [token], f"/checkin/badge/{token}/")


def login_url(request: Any, token: str) -> str:
    return absolute_url(request, "frontend:login-link", [token], f"/login/link/{token}/")


def change_response(change: PresenceChange) -> Response:
    change.entry.participant = change.participant
    return Response(attendance_selectors.entry_payload(change.entry))


def _participant(meeting: Meeting, participant_id: int) -> Participant:
    return selectors.participant_get(meeting=meeting, participant_id=participant_id)


def _require_roster(request: Request, meeting: Meeting) -> selectors.Viewer:
    return selectors.meeting_viewer(meeting=meeting, member=caller(request))


# --- views --------------------------------------------------------------------------


class AttendanceView(ApiView):
    @extend_schema(
        summary="Presence counts and weights, with the quorum (participants)",
        responses={200: AttendanceSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        _require_roster(request, meeting)
        return Response(attendance_selectors.attendance_live(meeting))


class AttendanceSettingsView(ApiView):
    @extend_schema(
        summary="Switch room self check-in and remote participation (chair or clerk)",
        request=AttendanceSettingsSerializer,
        responses={200: AttendanceSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        data = parse(AttendanceSettingsSerializer, request.data, known_only=True)
        meeting = attendance.attendance_settings_update(
            actor=caller(request), meeting=visible_meeting(request, meeting_id), **data
        )
        return Response(attendance_selectors.attendance_live(meeting))


class AttendanceLogView(ApiView):
    @extend_schema(
        summary="Recent presence changes, newest first (chair or clerk)",
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT, description="At most 200.")],
        responses={200: PresenceChangeSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        permissions.require(
            actor=caller(request), meeting=meeting, action=permissions.ATTENDANCE_VIEW
        )
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError as exc:
            raise InvalidInput(_("limit must be a number.")) from exc
        entries = attendance_selectors.attendance_entries(meeting=meeting, limit=limit)
        return Response([attendance_selectors.entry_payload(e) for e in entries])


class CheckInView(ApiView):
    @extend_schema(
        summary="Check a participant in at the door (chair or clerk)",
        description=(
            "Give the scanned badge token, a member number, or a participant id "
            "(a return after check-out). 409 `already_checked_in` on a double check-in."
        ),
        request=CheckInSerializer,
        responses={200: PresenceChangeSerializer, **errors(400, 403, 404, 409, 429)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(CheckInSerializer, request.data)
        actor = caller(request)
        if "badge" in data:
            change = attendance.badge_check_in(actor=actor, meeting=meeting, token=data["badge"])
        elif "member_number" in data:
            change = attendance.member_number_check_in(
                actor=actor, meeting=meeting, member_number=data["member_number"]
            )
        else:
            change = attendance.participant_check_in(
                actor=actor, participant=_participant(meeting, data["participant_id"])
            )
        return change_response(change)


class CheckOutView(ApiView):
    @extend_schema(
        summary="Check out: yourself, or a participant (chair or clerk)",
        request=CheckOutSerializer,
        responses={200: PresenceChangeSerializer, **errors(403, 404, 409, 429)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(CheckOutSerializer, request.data)
        if "participant_id" in data:
            participant = _participant(meeting, data["participant_id"])
        else:
            mine = _require_roster(request, meeting).participant
            if mine is None:
                raise NotAllowed(_("You are not on this meeting's roster."))
            participant = mine
        change = attendance.participant_check_out(actor=caller(request), participant=participant)
        return change_response(change)


class RoomCheckInView(ApiView):
    @extend_schema(
        summary="Check yourself in with the code the projector shows",
        request=RoomCheckInSerializer,
        responses={200: PresenceChangeSerializer, **errors(400, 403, 404, 409, 429)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(RoomCheckInSerializer, request.data)
        change = attendance.room_check_in(
            actor=caller(request), meeting_id=meeting.pk, token=data["token"]
        )
        return change_response(change)


class RemotePresenceView(ApiView):
    @extend_schema(
        summary="Confirm your presence remotely (where the meeting allows it)",
        request=None,
        responses={200: PresenceChangeSerializer, **errors(403, 404, 409, 429)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        change = attendance.remote_presence_confirm(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        return change_response(change)


class AttendanceCsvView(ApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="Attendance as CSV, UTF-8 with BOM (chair or clerk)",
        operation_id="meetings_attendance_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The file."),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        meeting = visible_meeting(request, meeting_id)
        permissions.require(
            actor=caller(request), meeting=meeting, action=permissions.ATTENDANCE_VIEW
        )
        return csv_download(attendance_selectors.attendance_csv(meeting=meeting))


def badge_payload(request: Request, participant: Participant, token: str) -> dict[str, Any]:
    return {
        "participant_id": participant.pk,
        "name": participant.member.full_name,
        "member_number": participant.member.member_number,
        "token": token,
        "url": badge_url(request, token),
    }


class MyBadgeView(ApiView):
    @extend_schema(
        summary="Your badge for this meeting: the token and the URL its QR code holds",
        responses={200: BadgeSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        participant = _require_roster(request, meeting).participant
        assert participant is not None
        token = attendance.badge_token(actor=caller(request), participant=participant)
        return Response(badge_payload(request, participant, token))


class BadgeRevokeView(ApiView):
    @extend_schema(
        summary="Revoke a participant's badge; returns the new one (chair or clerk)",
        request=None,
        responses={200: BadgeSerializer, **errors(403, 404)},
    )
    def post(self, request: Request, meeting_id: int, participant_id: int) -> Response:
        participant = _participant(visible_meeting(request, meeting_id), participant_id)
        token = attendance.badge_revoke(actor=caller(request), participant=participant)
        return Response(badge_payload(request, participant, token))


def invitation_payload(request: Any, invitation: attendance.Invitation) -> dict[str, Any]:
    return {
        "id": invitation.login_token.pk,
        "participant_id": invitation.participant.pk,
        "name": invitation.participant.member.full_name,
        "member_number": invitation.participant.member.member_number,
        "url": login_url(request, invitation.token),
        "expires_at": invitation.login_token.expires_at,
    }


class LoginLinksView(ApiView):
    @extend_schema(
        summary="Create one-time login links (chair or clerk)",
        description=(
            "For the given participants, or for every participant who may have one "
            "(not for chairs, clerks, officers or staff). Each link works once, until "
            "it expires; a new link revokes the participant's earlier unused ones. "
            "The URLs are shown only in this answer."
        ),
        request=LoginLinksSerializer,
        responses={201: LoginLinkSerializer(many=True), **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        data = parse(LoginLinksSerializer, request.data)
        invitations = attendance.login_invitations_create(
            actor=caller(request), meeting=visible_meeting(request, meeting_id), **data
        )
        return Response([invitation_payload(request, i) for i in invitations], status=201)


class LoginLinkRevokeView(ApiView):
    @extend_schema(
        summary="Revoke a login link (chair or clerk)",
        request=None,
        responses={204: None, **errors(403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int, link_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        row = attendance_selectors.login_token_get(meeting=meeting, login_token_id=link_id)
        attendance.login_invitation_revoke(actor=caller(request), login_token=row)
        return Response(status=204)
