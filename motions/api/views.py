"""REST endpoints for motions, amendments and the resolution. Thin: parse,
call one service, answer with the motion as clients see it."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiView, DownloadNegotiation, errors, parse
from core.downloads import csv_download
from core.exceptions import Conflict, NotFound
from meetings.api.common import caller, visible_meeting
from motions import selectors, services
from motions.api import serializers as s
from motions.models import Motion


def _motion(request: Request, motion_id: int) -> Motion:
    motion = selectors.motion_get(motion_id)
    visible_meeting(request, motion.meeting_id)
    return motion


def _answer(motion: Motion, code: int = status.HTTP_200_OK) -> Response:
    for payload in selectors.motions_payload(motion.meeting_id):
        if payload["id"] == motion.pk:
            return Response(payload, status=code)
    raise Conflict("The motion vanished.")  # pragma: no cover  (deleted meanwhile)


class MeetingMotionsView(ApiView):
    @extend_schema(
        summary="The meeting's motions with their amendments",
        responses={200: s.MotionSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        return Response(selectors.motions_payload(meeting.pk))

    @extend_schema(
        summary="Submit a motion (members on the roster; not observers or guests)",
        request=s.MotionSubmitSerializer,
        responses={201: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.MotionSubmitSerializer, request.data)
        motion = services.motion_submit(actor=caller(request), meeting=meeting, **data)
        return _answer(motion, status.HTTP_201_CREATED)


class MotionSettingsView(ApiView):
    @extend_schema(
        summary="Supporters needed and the rule motions are voted with",
        responses={200: s.MotionSettingsResponseSerializer, **errors(404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        return Response(selectors.settings_payload(selectors.settings_for(meeting.pk)))

    @extend_schema(
        summary="Change the motion settings (chair)",
        request=s.MotionSettingsSerializer,
        responses={200: s.MotionSettingsResponseSerializer, **errors(400, 403, 404, 409)},
    )
    def put(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.MotionSettingsSerializer, request.data)
        settings = services.motion_settings_update(actor=caller(request), meeting=meeting, **data)
        return Response(selectors.settings_payload(settings))


class MotionsCsvView(ApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="The meeting's motions and amendments, as CSV",
        operation_id="meetings_motions_csv",
        description="UTF-8 with a byte order mark; one row per motion and per amendment.",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The motions file."),
            **errors(404),
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        meeting = visible_meeting(request, meeting_id)
        return csv_download(selectors.motions_csv(meeting))


class MotionDetailView(ApiView):
    @extend_schema(summary="One motion", responses={200: s.MotionSerializer, **errors(404)})
    def get(self, request: Request, motion_id: int) -> Response:
        return _answer(_motion(request, motion_id))


class MotionSupportView(ApiView):
    @extend_schema(
        summary="Support a submitted motion, or take the support back",
        request=s.SupportSerializer,
        responses={200: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _motion(request, motion_id)
        data = parse(s.SupportSerializer, request.data)
        return _answer(services.motion_support(actor=caller(request), motion=motion, **data))


class MotionAdmitView(ApiView):
    @extend_schema(
        summary="Admit an admissible motion to an agenda item (chair)",
        request=s.AdmitSerializer,
        responses={200: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _motion(request, motion_id)
        data = parse(s.AdmitSerializer, request.data)
        return _answer(services.motion_admit(actor=caller(request), motion=motion, **data))


class MotionVoteView(ApiView):
    @extend_schema(
        summary="Put an admitted motion to the vote: creates and opens its poll (chair)",
        description="409 `amendments_pending` while an amendment is undecided.",
        request=s.VoteSerializer,
        responses={200: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _motion(request, motion_id)
        data = parse(s.VoteSerializer, request.data)
        return _answer(services.motion_put_to_vote(actor=caller(request), motion=motion, **data))


class MotionWithdrawView(ApiView):
    @extend_schema(
        summary="Withdraw a motion not yet voted on (its submitter, or the chair)",
        request=None,
        responses={200: s.MotionSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _motion(request, motion_id)
        return _answer(services.motion_withdraw(actor=caller(request), motion=motion))


class MotionReferView(ApiView):
    @extend_schema(
        summary="Refer a motion not yet voted on (chair)",
        request=s.ReferSerializer,
        responses={200: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _motion(request, motion_id)
        data = parse(s.ReferSerializer, request.data)
        return _answer(services.motion_refer(actor=caller(request), motion=motion, **data))


class AmendmentsView(ApiView):
    @extend_schema(
        summary="Propose an amendment: replace, insert or delete a paragraph",
        request=s.AmendmentSubmitSerializer,
        responses={201: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = _motion(request, motion_id)
        data = parse(s.AmendmentSubmitSerializer, request.data)
        services.amendment_submit(actor=caller(request), motion=motion, **data)
        return _answer(motion, status.HTTP_201_CREATED)


def _amendment_motion(request: Request, amendment_id: int) -> Any:
    amendment = selectors.amendment_get(amendment_id)
    visible_meeting(request, amendment.motion.meeting_id)
    return amendment


class AmendmentVoteView(ApiView):
    @extend_schema(
        summary="Put an amendment to the vote: creates and opens its poll (chair)",
        request=s.VoteSerializer,
        responses={200: s.MotionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, amendment_id: int) -> Response:
        amendment = _amendment_motion(request, amendment_id)
        data = parse(s.VoteSerializer, request.data)
        services.amendment_put_to_vote(actor=caller(request), amendment=amendment, **data)
        return _answer(amendment.motion)


class AmendmentWithdrawView(ApiView):
    @extend_schema(
        summary="Withdraw an amendment not yet voted on (its proposer, or the chair)",
        request=None,
        responses={200: s.MotionSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, amendment_id: int) -> Response:
        amendment = _amendment_motion(request, amendment_id)
        services.amendment_withdraw(actor=caller(request), amendment=amendment)
        return _answer(amendment.motion)


class MotionProjectionView(ApiView):
    @extend_schema(
        summary="Show a motion, or an amendment as a change, on the projector (null hides)",
        request=s.ProjectionSerializer,
        responses={204: None, **errors(400, 403, 404)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.ProjectionSerializer, request.data)
        services.motion_project(actor=caller(request), meeting=meeting, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResolutionView(ApiView):
    @extend_schema(
        summary="The meeting's resolution (404 until composed)",
        responses={200: s.ResolutionSerializer, **errors(404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        payload = selectors.resolution_payload(meeting.pk)
        if payload is None:
            raise NotFound(_("No resolution has been composed yet."))
        return Response(payload)

    @extend_schema(
        summary="Gather the carried motions into the resolution (chair)",
        request=s.ResolutionComposeSerializer,
        responses={200: s.ResolutionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.ResolutionComposeSerializer, request.data)
        services.resolution_compose(actor=caller(request), meeting=meeting, **data)
        return Response(selectors.resolution_payload(meeting.pk))


class ResolutionVoteView(ApiView):
    @extend_schema(
        summary="Put the resolution to a final vote (chair)",
        request=s.VoteSerializer,
        responses={200: s.ResolutionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.VoteSerializer, request.data)
        services.resolution_put_to_vote(actor=caller(request), meeting=meeting, **data)
        return Response(selectors.resolution_payload(meeting.pk))
