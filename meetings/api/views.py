"""REST endpoints for unions, members, meetings, rosters and agendas.

Thin: each view parses with a serializer, calls one service (or selector) and
serialises the result. Domain errors become JSON by `core.api.errors`.
Anonymous users may only log in (401 for everything else); meetings the user
cannot see answer 404, as if they did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from django.contrib.auth import authenticate, login, logout
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import ERROR_TEXTS, ApiView, errors, parse
from core.api.parsers import JSONParser
from core.api.serializers import ErrorSerializer
from core.exceptions import InvalidInput, NotAllowed
from core.origin import same_origin
from meetings import selectors, services
from meetings.api import serializers as s
from meetings.api.common import caller, visible_meeting
from meetings.checkin import qr_svg
from meetings.models import Union
from meetings.projector_scenes import projector_payload

MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _union(request: Request, union_id: int) -> Union:
    return selectors.union_get_for_member(union_id=union_id, member=caller(request))


# --- auth -------------------------------------------------------------------


class LoginView(APIView):
    """Log in with a username and password; sets the session cookie, which the
    meeting socket uses too.

    Against login CSRF (a foreign page logging the browser into an account of
    its choosing): JSON only, which a cross-site form cannot send and a
    cross-site script cannot send without a CORS preflight we never grant,
    and a request whose Origin is another site is refused."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        request=s.LoginSerializer,
        responses={
            200: s.MemberSerializer,
            400: OpenApiResponse(ErrorSerializer),
            403: OpenApiResponse(ErrorSerializer, description=str(ERROR_TEXTS[403])),
            429: OpenApiResponse(ErrorSerializer, description=str(ERROR_TEXTS[429])),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        if not same_origin(request._request):
            raise NotAllowed(
                _("Log in from this site's own pages: this request came from another site."),
                code="cross_origin",
            )
        data = parse(s.LoginSerializer, request.data)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise InvalidInput(_("Wrong username or password."), code="invalid_credentials")
        login(request._request, user)
        return Response(s.MemberSerializer(user).data)


class LogoutView(ApiView):
    @extend_schema(request=None, responses={204: None, **errors()})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ApiView):
    @extend_schema(responses={200: s.MemberSerializer, **errors()})
    def get(self, request: Request) -> Response:
        return Response(s.MemberSerializer(caller(request)).data)


# --- unions -----------------------------------------------------------------


class UnionListView(ApiView):
    @extend_schema(responses={200: s.UnionSerializer(many=True), **errors()})
    def get(self, request: Request) -> Response:
        unions = selectors.unions_for_member(caller(request)).order_by("name", "pk")
        return Response(s.UnionSerializer(unions, many=True).data)


class UnionDetailView(ApiView):
    @extend_schema(responses={200: s.UnionSerializer, **errors(404)})
    def get(self, request: Request, union_id: int) -> Response:
        return Response(s.UnionSerializer(_union(request, union_id)).data)


class UnionMembersView(ApiView):
    @extend_schema(
        summary="The union's members (officers only)",
        responses={200: s.MembershipSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, union_id: int) -> Response:
        memberships = selectors.union_memberships(
            union=_union(request, union_id), member=caller(request)
        )
        return Response(s.MembershipSerializer(memberships, many=True).data)


def _read_limited(stream: BinaryIO | None) -> bytes:
    if stream is None:
        return b""
    data = stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ParseError(_("The file is larger than %d MB.") % (MAX_IMPORT_BYTES // (1024 * 1024)))
    return data


class CsvParser(BaseParser):
    """A raw CSV body; `request.data` is its bytes."""

    media_type = "text/csv"

    def parse(  # type: ignore[override]  # bytes, not a mapping
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return _read_limited(stream)


class PlainTextCsvParser(CsvParser):
    media_type = "text/plain"


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class UnionMembersImportView(ApiView):
    parser_classes = [MultiPartParser, CsvParser, PlainTextCsvParser]

    @extend_schema(
        summary="Import members from CSV (officers only)",
        description=(
            "Columns: member_number, full_name (required), phone, email, language "
            "(en, vi, ar), weight. UTF-8. All or nothing: if any row is bad, nothing "
            "is imported and the report lists every bad row with its line number. "
            "Send the file as multipart field `file`, or as a `text/csv` body."
        ),
        parameters=[
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                description="Check the file and preview it; write nothing.",
            )
        ],
        request={
            "multipart/form-data": s.ImportUploadSerializer,
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(s.ImportReportSerializer, description="Dry run: the report."),
            201: OpenApiResponse(s.ImportReportSerializer, description="Imported."),
            # Bad rows answer with the report; a missing or unreadable upload
            # with the plain error body, before any row is read.
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="ImportRefusal",
                    serializers=[s.ImportReportSerializer, ErrorSerializer],
                    resource_type_field_name=None,
                ),
                description="Bad rows (the report) or no readable file; nothing imported.",
            ),
            **errors(403, 404),
        },
    )
    def post(self, request: Request, union_id: int) -> Response:
        union = _union(request, union_id)
        if isinstance(request.data, bytes):
            data = request.data
        else:
            upload = parse(s.ImportUploadSerializer, request.data)["file"]
            if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
                raise ValidationError(
                    {"file": _("The file is larger than %d MB.") % (MAX_IMPORT_BYTES // 2**20)}
                )
            data = upload.read()
        dry_run = _flag(request, "dry_run")
        report = services.members_import(
            actor=caller(request), union=union, data=data, dry_run=dry_run
        )
        body = report.as_dict()
        if not report.ok:
            lines = len({error.line for error in report.errors})
            body["detail"] = ngettext(
                "%(count)d line of the file has errors; nothing was imported.",
                "%(count)d lines of the file have errors; nothing was imported.",
                lines,
            ) % {"count": lines}
            body["code"] = "import_invalid"
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)


# --- meetings ---------------------------------------------------------------


class MeetingListView(ApiView):
    @extend_schema(responses={200: s.MeetingSerializer(many=True), **errors()})
    def get(self, request: Request) -> Response:
        meetings = selectors.meetings_for_member(caller(request))
        return Response(s.MeetingSerializer(meetings, many=True).data)

    @extend_schema(
        summary="Create a meeting (officers of the union); you become its chair",
        request=s.MeetingCreateSerializer,
        responses={201: s.MeetingSerializer, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = parse(s.MeetingCreateSerializer, request.data)
        meeting = services.meeting_create(actor=caller(request), **data)
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetailView(ApiView):
    @extend_schema(responses={200: s.MeetingSerializer, **errors(404)})
    def get(self, request: Request, meeting_id: int) -> Response:
        return Response(s.MeetingSerializer(visible_meeting(request, meeting_id)).data)

    @extend_schema(
        request=s.MeetingUpdateSerializer,
        responses={200: s.MeetingSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.MeetingUpdateSerializer, request.data, known_only=True)
        meeting = services.meeting_update(actor=caller(request), meeting=meeting, **data)
        return Response(s.MeetingSerializer(meeting).data)


class MeetingCopyView(ApiView):
    @extend_schema(
        summary="A new meeting from this one as a template (officers of the union)",
        description=(
            "Copies the settings, the agenda, the roster with roles and weights, and "
            "the polls as drafts; not presence, proxies, documents or results. "
            "You become a chair of the copy."
        ),
        request=s.MeetingCopySerializer,
        responses={201: s.MeetingSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        source = visible_meeting(request, meeting_id)
        data = parse(s.MeetingCopySerializer, request.data)
        meeting = services.meeting_copy(actor=caller(request), source=source, **data)
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingStartView(ApiView):
    @extend_schema(request=None, responses={200: s.MeetingSerializer, **errors(403, 404, 409)})
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = services.meeting_start(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        return Response(s.MeetingSerializer(meeting).data)


class MeetingCloseView(ApiView):
    @extend_schema(request=None, responses={200: s.MeetingSerializer, **errors(403, 404, 409)})
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = services.meeting_close(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        return Response(s.MeetingSerializer(meeting).data)


class MeetingSnapshotView(ApiView):
    @extend_schema(
        summary="The meetings part of the snapshot the socket sends on connect (participants)",
        responses={200: s.SnapshotSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        viewer = selectors.meeting_viewer(meeting=meeting, member=caller(request))
        return Response(selectors.meeting_snapshot(meeting_id=meeting.pk, viewer=viewer))


# --- participants -----------------------------------------------------------


class ParticipantListView(ApiView):
    @extend_schema(
        summary="The roster (participants of the meeting only)",
        responses={200: s.ParticipantSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        participants = selectors.meeting_participants(
            meeting=visible_meeting(request, meeting_id), member=caller(request)
        )
        return Response(s.ParticipantSerializer(participants, many=True).data)

    @extend_schema(
        summary="Put a member of the union on the roster (chair or clerk)",
        request=s.ParticipantCreateSerializer,
        responses={201: s.ParticipantSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.ParticipantCreateSerializer, request.data)
        participant = services.participant_add(actor=caller(request), meeting=meeting, **data)
        return Response(s.ParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)


class ParticipantsFromUnionView(ApiView):
    @extend_schema(
        summary="Put every member of the union on the roster (chair or clerk)",
        request=s.ParticipantsFromUnionSerializer,
        responses={200: s.AddedSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.ParticipantsFromUnionSerializer, request.data)
        added = services.participants_add_from_union(actor=caller(request), meeting=meeting, **data)
        return Response({"added": added})


class ParticipantDetailView(ApiView):
    @extend_schema(
        request=s.ParticipantUpdateSerializer,
        responses={200: s.ParticipantSerializer, **errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, meeting_id: int, participant_id: int) -> Response:
        participant = selectors.participant_get(
            meeting=visible_meeting(request, meeting_id), participant_id=participant_id
        )
        data = parse(s.ParticipantUpdateSerializer, request.data, known_only=True)
        participant = services.participant_update(
            actor=caller(request), participant=participant, **data
        )
        return Response(s.ParticipantSerializer(participant).data)

    @extend_schema(responses={204: None, **errors(403, 404, 409)})
    def delete(self, request: Request, meeting_id: int, participant_id: int) -> Response:
        participant = selectors.participant_get(
            meeting=visible_meeting(request, meeting_id), participant_id=participant_id
        )
        services.participant_remove(actor=caller(request), participant=participant)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- agenda -----------------------------------------------------------------


class AgendaListView(ApiView):
    @extend_schema(responses={200: s.AgendaItemSerializer(many=True), **errors(404)})
    def get(self, request: Request, meeting_id: int) -> Response:
        items = selectors.agenda_items(visible_meeting(request, meeting_id))
        return Response(s.AgendaItemSerializer(items, many=True).data)

    @extend_schema(
        summary="Append an agenda item (chair or clerk)",
        request=s.AgendaItemCreateSerializer,
        responses={201: s.AgendaItemSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.AgendaItemCreateSerializer, request.data)
        item = services.agenda_item_add(actor=caller(request), meeting=meeting, **data)
        return Response(s.AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)


class AgendaItemDetailView(ApiView):
    @extend_schema(
        request=s.AgendaItemUpdateSerializer,
        responses={200: s.AgendaItemSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, meeting_id: int, item_id: int) -> Response:
        item = selectors.agenda_item_get(
            meeting=visible_meeting(request, meeting_id), item_id=item_id
        )
        data = parse(s.AgendaItemUpdateSerializer, request.data, known_only=True)
        item = services.agenda_item_update(actor=caller(request), item=item, **data)
        return Response(s.AgendaItemSerializer(item).data)

    @extend_schema(responses={204: None, **errors(403, 404)})
    def delete(self, request: Request, meeting_id: int, item_id: int) -> Response:
        item = selectors.agenda_item_get(
            meeting=visible_meeting(request, meeting_id), item_id=item_id
        )
        services.agenda_item_delete(actor=caller(request), item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgendaReorderView(ApiView):
    @extend_schema(
        request=s.AgendaReorderSerializer,
        responses={200: s.AgendaItemSerializer(many=True), **errors(400, 403, 404)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.AgendaReorderSerializer, request.data)
        items = services.agenda_reorder(actor=caller(request), meeting=meeting, **data)
        return Response(s.AgendaItemSerializer(items, many=True).data)


class AgendaAdvanceView(ApiView):
    @extend_schema(
        summary="Make the next, the previous or a chosen item current (chair or clerk)",
        request=s.AgendaAdvanceSerializer,
        responses={200: s.AgendaItemSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = visible_meeting(request, meeting_id)
        data = parse(s.AgendaAdvanceSerializer, request.data)
        item = services.agenda_advance(actor=caller(request), meeting=meeting, **data)
        return Response(s.AgendaItemSerializer(item).data)


# --- projector --------------------------------------------------------------


def projector_url(request: Request, token: str) -> str:
    try:
        path = reverse("frontend:projector", args=[token])
    except NoReverseMatch:  # the frontend is not wired up (API-only deployments)
        path = f"/projector/{token}/"
    return request.build_absolute_uri(path)


class ProjectorLinkView(ApiView):
    @extend_schema(
        summary="The projector link for a room PC (chair or clerk)",
        request=None,
        responses={200: s.ProjectorLinkSerializer, **errors(403, 404)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        token = services.projector_link_create(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        return Response({"token": token, "url": projector_url(request, token)})

    @extend_schema(
        summary="The projector links still valid (chair or clerk)",
        responses={200: s.ProjectorLinkRowSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        links = services.projector_links_list(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        return Response(s.ProjectorLinkRowSerializer(links, many=True).data)

    @extend_schema(
        summary="Revoke every projector link; returns a fresh one (chair or clerk)",
        responses={200: s.ProjectorLinkSerializer, **errors(403, 404)},
    )
    def delete(self, request: Request, meeting_id: int) -> Response:
        token = services.projector_links_revoke(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        return Response({"token": token, "url": projector_url(request, token)})


class ProjectorLinkDetailView(ApiView):
    @extend_schema(
        summary="Revoke one projector link (chair or clerk)",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, meeting_id: int, link_id: int) -> Response:
        services.projector_link_revoke(
            actor=caller(request), meeting=visible_meeting(request, meeting_id), link_id=link_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectorPairingView(ApiView):
    @extend_schema(
        summary="A short code that pairs a room PC as a projector (chair or clerk)",
        request=None,
        responses={200: s.ProjectorPairingSerializer, **errors(403, 404)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        code, expires_in = services.projector_pairing_create(
            actor=caller(request), meeting=visible_meeting(request, meeting_id)
        )
        try:
            path = reverse("frontend:projector-pair")
        except NoReverseMatch:
            path = "/projector/"
        pair_url = request.build_absolute_uri(path)
        # The code rides after "#": a browser never sends a fragment to a server.
        return Response(
            {
                "code": code,
                "expires_in": expires_in,
                "pair_url": pair_url,
                "qr_svg": qr_svg(f"{pair_url}#{code}"),
            }
        )


class ProjectorSceneView(ApiView):
    @extend_schema(
        summary="Choose what the projectors show (chair or clerk)",
        request=s.ProjectorSceneSerializer,
        responses={200: s.ProjectorStateSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        data = parse(s.ProjectorSceneSerializer, request.data)
        meeting = services.projector_scene_set(
            actor=caller(request), meeting=visible_meeting(request, meeting_id), **data
        )
        return Response(s.ProjectorStateSerializer(projector_payload(meeting)).data)
