"""REST endpoints for polls, ballots, the roll, exports, and the meeting's
voting settings, quorum and proxies.

Thin, like `meetings.api.views`: each view parses, calls one service (or
selector) and returns its result. Polls of meetings the user cannot see, and
drafts for anyone but the chair and clerks, answer 404; participants only
(403 for union members who are not on the roster).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiView, DownloadNegotiation, errors, parse
from core.downloads import csv_download
from core.exceptions import DomainError
from meetings import selectors as meeting_selectors
from meetings import services as meeting_services
from meetings.api.common import caller, visible_meeting
from meetings.models import Meeting
from meetings.selectors import Viewer
from voting import exports, selectors, services
from voting.api import serializers as s
from voting.models import Poll
from voting.services import Receipt


def _poll(request: Request, poll_id: int) -> tuple[Poll, Viewer]:
    return selectors.poll_get_for_viewer(poll_id=poll_id, member=caller(request))


def _meeting_viewer(request: Request, meeting_id: int) -> tuple[Meeting, Viewer]:
    meeting = visible_meeting(request, meeting_id)
    return meeting, selectors.voting_viewer(meeting=meeting, member=caller(request))


def _receipt_response(receipt: Receipt) -> Response:
    code = status.HTTP_201_CREATED if receipt.created else status.HTTP_200_OK
    return Response({"receipt": receipt.as_dict()}, status=code)


def _csv(description: str) -> dict[Any, OpenApiResponse]:
    return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)}


# --- polls of a meeting ------------------------------------------------------


class MeetingPollsView(ApiView):
    @extend_schema(
        summary="The meeting's polls (drafts for chair and clerks only)",
        responses={200: s.PollSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting, viewer = _meeting_viewer(request, meeting_id)
        return Response(selectors.meeting_polls(meeting=meeting, viewer=viewer))

    @extend_schema(
        summary="Create a draft poll (chair or clerk)",
        request=s.PollCreateSerializer,
        responses={201: s.PollSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.PollCreateSerializer, request.data)
        poll = services.poll_create(actor=caller(request), meeting=meeting, **data)
        return Response(selectors.poll_payload(poll), status=status.HTTP_201_CREATED)


class MeetingPollsReorderView(ApiView):
    @extend_schema(
        summary="Put the meeting's draft polls in a new order (chair or officer)",
        description=(
            "`order` lists every draft poll of the meeting once. 409 when it names a "
            "poll that was opened: such a poll keeps its place."
        ),
        request=s.PollReorderSerializer,
        responses={200: s.PollSerializer(many=True), **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.PollReorderSerializer, request.data)
        polls = services.polls_reorder(actor=caller(request), meeting=meeting, **data)
        return Response([selectors.poll_payload(poll) for poll in polls])


# --- one poll -------------------------------------------------------------------


class PollDetailView(ApiView):
    @extend_schema(
        summary="A poll, its turnout and the caller's own roll entries",
        responses={200: s.PollDetailSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, poll_id: int) -> Response:
        poll, viewer = _poll(request, poll_id)
        return Response(selectors.poll_detail(poll=poll, viewer=viewer))

    @extend_schema(
        summary="Edit a draft poll: any field it was created with (chair or officer)",
        request=s.PollUpdateSerializer,
        responses={200: s.PollSerializer, **errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        data = parse(s.PollUpdateSerializer, request.data, known_only=True)
        poll = services.poll_update(actor=caller(request), poll=poll, **data)
        return Response(selectors.poll_payload(poll))


class PollOpenView(ApiView):
    @extend_schema(
        summary="Open a draft poll: freezes the roll (chair or clerk)",
        description=(
            "409 with code `no_quorum` when the meeting lacks quorum and no "
            "`quorum_override_reason` is given."
        ),
        request=s.PollOpenSerializer,
        responses={200: s.PollSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        data = parse(s.PollOpenSerializer, request.data)
        poll = services.poll_open(actor=caller(request), poll=poll, **data)
        return Response(selectors.poll_payload(poll))


class PollCloseView(ApiView):
    @extend_schema(
        summary="Close an open poll and count it (chair or clerk)",
        request=None,
        responses={200: s.PollSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        poll = services.poll_close(actor=caller(request), poll=poll)
        return Response(selectors.poll_payload(poll))


class PollCancelView(ApiView):
    @extend_schema(
        summary="Cancel a draft or open poll, with a reason (chair or clerk)",
        request=s.PollCancelSerializer,
        responses={200: s.PollSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        data = parse(s.PollCancelSerializer, request.data)
        poll = services.poll_cancel(actor=caller(request), poll=poll, **data)
        return Response(selectors.poll_payload(poll))


class PollPublishView(ApiView):
    @extend_schema(
        summary="Publish a closed poll's result (chair or clerk)",
        description="409 while a tie left to the chair is undecided.",
        request=None,
        responses={200: s.PollSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        poll = services.poll_publish(actor=caller(request), poll=poll)
        return Response(selectors.poll_payload(poll))


class PollDecideTieView(ApiView):
    @extend_schema(
        summary="Break a tie the rule left to the chair (chair or clerk)",
        request=s.DecideTieSerializer,
        responses={200: s.PollSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        data = parse(s.DecideTieSerializer, request.data)
        poll = services.poll_decide_tie(actor=caller(request), poll=poll, **data)
        return Response(selectors.poll_payload(poll))


# --- ballots ------------------------------------------------------------------


class BallotCastView(ApiView):
    @extend_schema(
        summary="Cast a ballot from the phone",
        description=(
            "The phone's nonce is the idempotency key: a resend of the same ballot "
            "answers 200 with the original receipt; the receipt code is drawn by the "
            "server. 409 codes: `already_voted`, `receipt_conflict` (same nonce, other "
            "choices), `poll_not_open`. 403 "
            "codes: `not_on_roll`, `forbidden` (e.g. a remote member on a room-only poll)."
        ),
        request=s.BallotCastSerializer,
        responses={
            201: OpenApiResponse(s.ReceiptResponseSerializer, description="Accepted."),
            200: OpenApiResponse(
                s.ReceiptResponseSerializer, description="A resend: the original receipt."
            ),
            **errors(400, 403, 404, 409),
        },
    )
    def post(self, request: Request, poll_id: int) -> Response:
        # Only a participant has a roll entry for an open poll, so an accepted
        # ballot needs no visibility check of its own (four queries). A refusal
        # pays for it, so that a poll the caller may not see answers 404, as
        # on every poll URL.
        try:
            data = parse(s.BallotCastSerializer, request.data)
            receipt = services.ballot_cast(voter=caller(request), poll_id=poll_id, **data)
        except (DomainError, APIException):
            _poll(request, poll_id)
            raise
        return _receipt_response(receipt)


class PaperBallotView(ApiView):
    @extend_schema(
        summary="Enter the paper ballot of a roll entry that has not voted (chair or clerk)",
        request=s.PaperBallotSerializer,
        responses={201: s.ReceiptResponseSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll, _viewer = _poll(request, poll_id)
        data = parse(s.PaperBallotSerializer, request.data)
        receipt = services.paper_ballot_enter(actor=caller(request), poll=poll, **data)
        return _receipt_response(receipt)


class PollRollView(ApiView):
    @extend_schema(
        summary="The frozen roll: who may vote, for whom, and who has voted (chair or clerk)",
        responses={200: s.RollRowSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, poll_id: int) -> Response:
        poll, viewer = _poll(request, poll_id)
        return Response(selectors.poll_roll(poll=poll, viewer=viewer))


class PollTurnoutView(ApiView):
    @extend_schema(
        summary="Ballots and weight cast, of the roll",
        responses={200: s.TurnoutSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, poll_id: int) -> Response:
        poll, viewer = _poll(request, poll_id)
        return Response(selectors.poll_turnout(poll=poll, viewer=viewer))


# --- exports ------------------------------------------------------------------


class MeetingResultsCsvView(ApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="Results of every closed or published poll, as CSV",
        operation_id="meetings_results_csv",
        description="UTF-8 with a byte order mark; one row per option.",
        responses={**_csv("The results file."), **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        meeting, _viewer = _meeting_viewer(request, meeting_id)
        return csv_download(exports.meeting_results_csv(meeting=meeting))


class PollBallotsCsvView(ApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="Who voted what on a named poll, as CSV (once closed)",
        operation_id="polls_ballots_csv",
        description="409 for secret polls (code `secret_poll`) and before close.",
        responses={**_csv("The ballot list."), **errors(403, 404, 409)},
    )
    def get(self, request: Request, poll_id: int) -> HttpResponse:
        poll, _viewer = _poll(request, poll_id)
        return csv_download(exports.poll_ballots_csv(poll=poll))


# --- meeting voting settings, quorum, proxies --------------------------------


class VotingSettingsView(ApiView):
    @extend_schema(
        summary="The meeting's quorum rule, presence requirement and proxy limit",
        responses={200: s.VotingSettingsSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting, _viewer = _meeting_viewer(request, meeting_id)
        return Response(s.VotingSettingsSerializer(meeting).data)

    @extend_schema(
        summary="Change the voting settings (chair or clerk)",
        request=s.VotingSettingsUpdateSerializer,
        responses={200: s.VotingSettingsSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.VotingSettingsUpdateSerializer, request.data, known_only=True)
        meeting = meeting_services.meeting_voting_settings_update(
            actor=caller(request), meeting=meeting, **data
        )
        return Response(s.VotingSettingsSerializer(meeting).data)


class QuorumView(ApiView):
    @extend_schema(
        summary="Whether the meeting has its quorum now, with the numbers",
        responses={200: s.QuorumSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting, _viewer = _meeting_viewer(request, meeting_id)
        return Response(meeting_selectors.quorum_status(meeting))


class ProxyListView(ApiView):
    @extend_schema(
        summary="Proxies, active and revoked (chair and clerks: all; others: their own)",
        responses={200: s.ProxySerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting, viewer = _meeting_viewer(request, meeting_id)
        proxies = meeting_selectors.meeting_proxies(meeting=meeting, viewer=viewer)
        return Response(s.ProxySerializer(proxies, many=True).data)

    @extend_schema(
        summary="Give a vote to another voter (the delegator, or the chair or a clerk)",
        request=s.ProxyCreateSerializer,
        responses={201: s.ProxySerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.ProxyCreateSerializer, request.data)
        proxy = meeting_services.proxy_create(actor=caller(request), meeting=meeting, **data)
        return Response(s.ProxySerializer(proxy).data, status=status.HTTP_201_CREATED)


class ProxyRevokeView(ApiView):
    @extend_schema(
        summary="Revoke a proxy (the delegator, the delegate, or the chair or a clerk)",
        request=None,
        responses={200: s.ProxySerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int, proxy_id: int) -> Response:
        proxy = meeting_selectors.proxy_get(
            meeting=visible_meeting(request, meeting_id), proxy_id=proxy_id
        )
        proxy = meeting_services.proxy_revoke(actor=caller(request), proxy=proxy)
        return Response(s.ProxySerializer(proxy).data)
