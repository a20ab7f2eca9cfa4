"""Request parsing and response shapes. No rules here: services check them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import textlimits
from core.api.serializers import decimal_string
from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union


def weight_field(**kwargs: Any) -> serializers.DecimalField:
    """A vote weight: at most 8 digits before the point and 4 after, not negative."""
    return serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal(0), **kwargs)


# --- auth -------------------------------------------------------------------


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = [
            "id",
            "username",
            "full_name",
            "member_number",
            "email",
            "phone",
            "preferred_language",
            "is_staff",
        ]
        read_only_fields = fields


# --- unions -----------------------------------------------------------------


class UnionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Union
        fields = ["id", "name", "code", "parent"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", read_only=True)
    username = serializers.CharField(source="member.username", read_only=True)
    member_number = serializers.CharField(source="member.member_number", read_only=True)
    full_name = serializers.CharField(source="member.full_name", read_only=True)
    phone = serializers.CharField(source="member.phone", read_only=True)
    email = serializers.CharField(source="member.email", read_only=True)
    preferred_language = serializers.CharField(source="member.preferred_language", read_only=True)
    # A plain string: an enum named "role" would clash with the participant
    # role enum among the OpenAPI components.
    role = serializers.CharField(read_only=True, help_text=_("member or officer"))

    class Meta:
        model = Membership
        fields = [
            "id",
            "member",
            "username",
            "member_number",
            "full_name",
            "phone",
            "email",
            "preferred_language",
            "role",
            "vote_weight",
        ]
        read_only_fields = fields


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Line in the file (1 is the header; 0: the file)."))
    column = serializers.CharField()
    message = serializers.CharField()


class ImportPreviewRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    member_number = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    language = serializers.CharField()
    weight = weight_field()


class ImportReportSerializer(serializers.Serializer):
    """The import report (`ImportReport.as_dict()`); described for the schema."""

    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField(help_text=_("Number of good rows."))
    created = serializers.IntegerField(help_text=_("Members created (0 for a dry run)."))
    # Shadows Serializer.errors for the schema only; never validated.
    errors = ImportRowErrorSerializer(many=True)  # type: ignore[assignment]
    preview = ImportPreviewRowSerializer(many=True, help_text=_("The first 50 good rows."))
    detail = serializers.CharField(required=False, help_text=_("Set when the file has errors."))
    code = serializers.CharField(required=False)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A UTF-8 CSV file."))


# --- meetings ---------------------------------------------------------------


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "enum": [""]}]}
)
class BlankableUrlField(serializers.CharField):
    """A URL, or empty when there is none."""


class MeetingSerializer(serializers.ModelSerializer):
    union_name = serializers.CharField(source="union.name", read_only=True)
    livestream_url = BlankableUrlField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "union",
            "union_name",
            "title",
            "starts_at",
            "time_zone",
            "location",
            "livestream_url",
            "status",
            "board_public",
            "started_at",
            "closed_at",
        ]
        read_only_fields = fields


class MeetingCreateSerializer(serializers.Serializer):
    union = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    time_zone = serializers.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text=_("An IANA time zone such as Asia/Ho_Chi_Minh; the union's when blank."),
    )
    location = serializers.CharField(max_length=200, allow_blank=True, default="")
    livestream_url = serializers.URLField(allow_blank=True, default="")


class MeetingCopySerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()


class MeetingUpdateSerializer(serializers.Serializer):
    # A PATCH naming a chair, clerk or secretary is refused (core.api.base.parse):
    # roles belong to participants, so only someone on the roster can hold one.
    unknown_field_hint = _(
        "Roles such as chair or clerk are given on the meeting's roster: change the "
        "participant's role (PATCH /api/meetings/{id}/participants/{participant_id}/)."
    )

    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField(required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    livestream_url = serializers.URLField(required=False, allow_blank=True)
    board_public = serializers.BooleanField(
        required=False,
        help_text=_("Anyone, without logging in, may see the bulletin board of closed polls."),
    )


# --- participants -----------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", read_only=True)
    full_name = serializers.CharField(source="member.full_name", read_only=True)
    member_number = serializers.CharField(source="member.member_number", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "member",
            "full_name",
            "member_number",
            "role",
            "vote_weight",
            "presence",
        ]
        read_only_fields = fields


class ParticipantCreateSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all())
    role = serializers.ChoiceField(choices=Participant.Role.choices, default=Participant.Role.VOTER)
    vote_weight = weight_field(allow_null=True, default=None)


class ParticipantUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Participant.Role.choices, required=False)
    vote_weight = weight_field(required=False)


class ParticipantsFromUnionSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Participant.Role.choices, default=Participant.Role.VOTER)


class AddedSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text=_("How many members were put on the roster."))


# --- agenda -----------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "description", "state"]
        read_only_fields = fields


class AgendaItemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(
        allow_blank=True, default="", max_length=textlimits.DESCRIPTION
    )


class AgendaItemUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=textlimits.DESCRIPTION
    )


class AgendaReorderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Every agenda item id, once, in order.")
    )


class AgendaAdvanceSerializer(serializers.Serializer):
    """Either a direction or an item id (the service refuses both or neither)."""

    direction = serializers.ChoiceField(choices=["next", "previous"], required=False)
    item_id = serializers.IntegerField(required=False)


# --- live state: quorum, attendance, the snapshot -----------------------------


class UnionNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SnapshotMeetingSerializer(serializers.Serializer):
    """The meeting in the snapshot and in `meeting.changed` (`meeting_payload`)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    union = UnionNameSerializer()
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(allow_blank=True)
    livestream_url = BlankableUrlField()
    status = serializers.ChoiceField(choices=Meeting.Status.choices)
    room_checkin_enabled = serializers.BooleanField()
    allow_remote_participation = serializers.BooleanField()


class RosterSerializer(serializers.Serializer):
    participants = serializers.IntegerField()
    voters = serializers.IntegerField(help_text=_("The chair and the voters."))
    voting_weight = decimal_string()


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "format": "decimal"}]})
class QuorumRequiredField(serializers.JSONField):
    """What a quorum needs: a count, a weight, or nothing."""


class QuorumSerializer(serializers.Serializer):
    """The quorum now (`meetings.selectors.quorum_status`)."""

    kind = serializers.CharField(help_text=_("none, count or share"))
    voters = serializers.IntegerField()
    present = serializers.IntegerField(help_text=_("Voters present or represented by a proxy."))
    total_weight = decimal_string()
    present_weight = decimal_string()
    # A field named "required" (DRF pops declared fields: the flag stays).
    required = QuorumRequiredField(  # type: ignore[assignment]
        allow_null=True,
        help_text=_("A count (count quorum), a weight as a decimal string (share), or null."),
    )
    met = serializers.BooleanField()
    tracked = serializers.BooleanField(
        help_text=_("Whether presence is tracked: required, or anyone checked in.")
    )
    attending = serializers.IntegerField(
        help_text=_("Voters checked in (room or remote), whatever the quorum rule counts.")
    )


class PresenceCountSerializer(serializers.Serializer):
    voters = serializers.IntegerField()
    weight = decimal_string()


class AttendanceSummarySerializer(serializers.Serializer):
    """Voters (chair and voters) by presence (`meetings.selectors.attendance_summary`)."""

    room = PresenceCountSerializer()
    remote = PresenceCountSerializer()
    absent = PresenceCountSerializer()
    voters = serializers.IntegerField()
    total_weight = decimal_string()


class ViewerSerializer(serializers.Serializer):
    role = serializers.CharField(help_text=_("chair, clerk, voter, observer, guest or projector"))
    participant_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    controls_meeting = serializers.BooleanField()


class ProjectorStateSerializer(serializers.Serializer):
    scene = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)


class SnapshotSerializer(serializers.Serializer):
    """The meetings app's part of the snapshot the socket sends on (re)connect;
    the socket's snapshot adds each other app's part (polls, documents: see
    docs/protocol.md)."""

    type = serializers.CharField(help_text=_("Always snapshot."))
    seq = serializers.IntegerField()
    meeting = SnapshotMeetingSerializer()
    agenda = AgendaItemSerializer(many=True)
    current_item_id = serializers.IntegerField(allow_null=True)
    roster = RosterSerializer()
    quorum = QuorumSerializer()
    attendance = AttendanceSummarySerializer()
    projector = ProjectorStateSerializer()
    my_presence = serializers.CharField(
        allow_null=True, help_text=_("absent, room or remote; null for the projector")
    )
    viewer = ViewerSerializer()


# --- projector --------------------------------------------------------------


class ProjectorLinkRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # DRF's metaclass takes declared fields off the class: no clash with Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.full_name", allow_null=True, default=None)


class ProjectorPairingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Type it on the room PC at pair_url."))
    expires_in = serializers.IntegerField(help_text=_("Seconds until the code expires."))
    pair_url = serializers.URLField()
    qr_svg = serializers.CharField(help_text=_("A QR code of pair_url with the code after #."))


class ProjectorSceneSerializer(serializers.Serializer):
    scene = serializers.CharField(
        help_text=_(
            "follow, welcome, agenda, item, document, poll, result, speakers, blank or break"
        )
    )


class ProjectorLinkSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField(help_text=_("The projector page to open on the room PC."))
