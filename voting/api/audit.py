"""REST endpoints of the audit records: the installation key, a poll's
bulletin board, inclusion proofs, the audit export, and the receipt QR code.

Thin, like `voting.api.views`: parse, call one function of `voting.audit`,
return. The board, proofs and export are for members of the meeting's union,
or for anyone when the meeting's board is public; anonymous requests to a
members-only board answer 401.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiView, DownloadNegotiation, errors, parse
from core.api.serializers import MAX_ID, decimal_string
from core.downloads import download
from core.exceptions import InvalidInput
from meetings.api.common import caller
from meetings.checkin import qr_svg
from voting import audit
from voting.api.serializers import (
    BallotEntrySerializer,
    PollDefinitionSerializer,
    ResultSerializer,
    TreeHeadSerializer,
    WeightClassesSerializer,
)
from voting.verify import RECEIPT


# Anonymous requests are let through; `voting.audit` decides who may see. No
# docstring: drf-spectacular would show it as every endpoint's description.
class PublicApiView(ApiView):
    permission_classes = [AllowAny]


# --- serializers (schema and input) ------------------------------------------------


class KeySerializer(serializers.Serializer):
    public_key = serializers.CharField(help_text="The raw 32-byte Ed25519 public key, base64.")
    fingerprint = serializers.CharField(
        help_text="SHA-256 of the raw key: the first 32 hex digits in groups of four."
    )
    algorithm = serializers.CharField(help_text="Always Ed25519.")


class BoardEntrySerializer(serializers.Serializer):
    entry = BallotEntrySerializer()
    receipt = serializers.CharField()
    choices = serializers.ListField(child=serializers.IntegerField())
    choice_labels = serializers.ListField(child=serializers.CharField())
    weight = decimal_string(
        allow_null=True, help_text="Null for an entry of the merged weight class (secret polls)."
    )
    weight_class = serializers.CharField(
        allow_null=True, help_text='The entry\'s "class" (secret polls, format 3), else null.'
    )
    signature = serializers.CharField(
        help_text="Ed25519 over the entry's RFC 8785 bytes (without its class)."
    )
    leaf_hash = serializers.CharField(help_text="SHA-256(0x00 || entry bytes), hex.")
    voter_name = serializers.CharField(required=False, help_text="Named polls only.")


class BoardRollRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    weight = decimal_string()
    cast_by = serializers.CharField(allow_null=True, help_text="The proxy holder, if any.")


class BoardRollSerializer(serializers.Serializer):
    entitled = BoardRollRowSerializer(many=True)
    voted = serializers.ListField(
        child=serializers.CharField(), help_text="Names only, in alphabetical order."
    )


class BoardSerializer(serializers.Serializer):
    poll = PollDefinitionSerializer(help_text="The poll's definition and rule, as exported.")
    state = serializers.CharField()
    roll = BoardRollSerializer()
    entries = BoardEntrySerializer(many=True, help_text="In tree order: by receipt code.")
    weight_classes = WeightClassesSerializer(
        allow_null=True, help_text="As in the tree head; null but on secret polls of format 3."
    )
    result = ResultSerializer(help_text="The result now (with any tie decision).")
    tree_head = TreeHeadSerializer(help_text="The signed tree head, with its signature.")
    head_hash = serializers.CharField(help_text="SHA-256 of the canonical signed head, hex.")
    head_fingerprint = serializers.CharField(help_text="The head hash's first 16 hex digits.")
    key = KeySerializer()


class ProofSerializer(serializers.Serializer):
    entry = BallotEntrySerializer()
    signature = serializers.CharField()
    index = serializers.IntegerField(help_text="The entry's leaf index, from 0.")
    size = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    path = serializers.ListField(
        child=serializers.CharField(), help_text="The RFC 6962 audit path, hex, leaf upwards."
    )
    # A field named "root" (the serializer's own `root` stays, DRF pops fields).
    root = serializers.CharField()  # type: ignore[assignment]
    tree_head = TreeHeadSerializer()
    head_fingerprint = serializers.CharField()


class ReceiptQrSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    poll = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    receipt = serializers.CharField(max_length=64)


class ProofRequestSerializer(serializers.Serializer):
    receipt = serializers.CharField(
        max_length=64, help_text="The receipt code (dashes and spaces ignored)."
    )


def _user(request: Request) -> Any:
    return request.user


# --- views ---------------------------------------------------------------------------


class AuditKeyView(PublicApiView):
    @extend_schema(
        summary="The installation's public signing key and its fingerprint",
        responses={200: KeySerializer},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response(audit.key_info())


class PollBoardView(PublicApiView):
    @extend_schema(
        summary="A closed poll's bulletin board",
        description=(
            "The roll (names, weights, proxies), who voted (names only), every "
            "entry, the result, and the signed tree head. Members of the meeting's "
            "union, or anyone when the meeting's board is public. 409 (code "
            "`poll_not_closed`) before the close or for a cancelled poll."
        ),
        responses={200: BoardSerializer, **errors(403, 404, 409)},
    )
    def get(self, request: Request, poll_id: int) -> Response:
        poll = audit.board_poll_get(poll_id=poll_id, user=_user(request))
        return Response(audit.board_payload(poll))


class PollProofView(PublicApiView):
    @extend_schema(
        summary="The inclusion proof of a receipt on a closed poll's board",
        description=(
            "POST, not GET: the receipt code travels in the body, never in a URL "
            "that access logs and proxies keep (a logged address beside a receipt "
            "would pair a person with the choices the board shows). Nothing is "
            "written. 404 with code `receipt_not_found` when the receipt is not on "
            "the board."
        ),
        request=ProofRequestSerializer,
        responses={200: ProofSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll = audit.board_poll_get(poll_id=poll_id, user=_user(request))
        data = parse(ProofRequestSerializer, request.data)
        return Response(audit.receipt_proof(poll, data["receipt"]))


class PollAuditExportView(PublicApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="The audit export of a closed poll (a JSON file)",
        operation_id="polls_audit_export",
        description=(
            "Everything needed to check the poll without the server: "
            "`python -m voting.verify FILE`. The format is in docs/audit-format.md."
        ),
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The export file."
            ),
            **errors(403, 404, 409),
        },
    )
    def get(self, request: Request, poll_id: int) -> HttpResponse:
        poll = audit.board_poll_get(poll_id=poll_id, user=_user(request))
        return download(
            audit.export_text(poll).encode(),
            filename=audit.export_filename(poll),
            content_type="application/json; charset=utf-8",
        )


class ReceiptQrView(ApiView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        summary="A QR code (SVG) linking to a receipt's entry on the board",
        operation_id="receipt_qr",
        description=(
            "POST, not GET: the receipt code stays out of URLs and access logs. "
            "The link puts poll and receipt in the fragment, which browsers never "
            "send to the server."
        ),
        request=ReceiptQrSerializer,
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="The QR code."),
            **errors(400),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        caller(request)
        data = parse(ReceiptQrSerializer, request.data)
        code = "".join(data["receipt"].split()).replace("-", "").upper()
        if not RECEIPT.match(code):
            raise InvalidInput(_("The receipt code must be 10 to 32 letters A-Z and digits 2-7."))
        board = reverse("frontend:board", kwargs={"meeting_id": data["meeting"]})
        link = (
            request.build_absolute_uri(board)
            + "#"
            + urlencode({"poll": data["poll"], "receipt": code})
        )
        return HttpResponse(
            qr_svg(link),
            content_type="image/svg+xml; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )
