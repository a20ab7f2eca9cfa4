"""Request parsing and response shapes for polls, ballots, quorum and proxies.

No rules here: the services check them. Response serializers describe the
payloads the selectors build (for the OpenAPI schema); views return those
payloads as they are.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from meetings.models import Meeting, Participant, Proxy, QuorumKind
from voting import rules
from voting.models import BASE_CHOICES, KIND_CHOICES, MAJORITY_CHOICES, TIE_CHOICES, Poll

# --- polls ------------------------------------------------------------------


class PollCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, help_text=_("The question."))
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200),
        default=list,
        max_length=100,
        help_text=_(
            "Option or candidate labels (not for motions: they get Yes / No / Abstain). "
            "Abstain is added to every poll."
        ),
    )
    description = serializers.CharField(allow_blank=True, default="")
    secrecy = serializers.ChoiceField(choices=Poll.Secrecy.choices, default=Poll.Secrecy.SECRET)
    results_visibility = serializers.ChoiceField(
        choices=Poll.Results.choices,
        default=Poll.Results.HIDDEN,
        help_text=_("live: chair and projector see running tallies (named polls only)."),
    )
    allow_remote = serializers.BooleanField(default=True)
    min_choices = serializers.IntegerField(
        min_value=0, allow_null=True, default=None, help_text=_("Multiple choice only.")
    )
    max_choices = serializers.IntegerField(
        min_value=0, allow_null=True, default=None, help_text=_("Multiple choice only.")
    )
    seats = serializers.IntegerField(min_value=1, default=1, help_text=_("Elections only."))
    majority = serializers.ChoiceField(choices=MAJORITY_CHOICES, default=rules.Majority.SIMPLE)
    base = serializers.ChoiceField(choices=BASE_CHOICES, default=rules.Base.VALID)
    tie_rule = serializers.ChoiceField(choices=TIE_CHOICES, default=rules.TieRule.FAILS)
    close_when_all_voted = serializers.BooleanField(default=False)
    agenda_item_id = serializers.IntegerField(allow_null=True, default=None)


class PollOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # schema only
    role = serializers.CharField(help_text=_("yes, no, abstain, option or candidate"))


class PollSerializer(serializers.Serializer):
    """A poll as every participant sees it (`voting.selectors.poll_payload`)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    secrecy = serializers.ChoiceField(choices=Poll.Secrecy.choices)
    results_visibility = serializers.ChoiceField(choices=Poll.Results.choices)
    allow_remote = serializers.BooleanField()
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField()
    seats = serializers.IntegerField()
    majority = serializers.ChoiceField(choices=MAJORITY_CHOICES)
    base = serializers.ChoiceField(choices=BASE_CHOICES)
    tie_rule = serializers.ChoiceField(choices=TIE_CHOICES)
    close_when_all_voted = serializers.BooleanField()
    agenda_item_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField(help_text=_("draft, open, closed, published or cancelled"))
    options = PollOptionSerializer(many=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    quorum = serializers.DictField(
        allow_null=True, help_text=_("The quorum when the poll opened, with any override reason.")
    )
    entitled_weight = serializers.CharField(help_text=_("A decimal, as a string."))
    result = serializers.DictField(
        allow_null=True,
        help_text=_(
            "Once closed: the rule, the base, every number per option, winners, "
            "ties, and a sentence saying why."
        ),
    )
    head_fingerprint = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Once closed: the first 16 hex digits of the signed tree head's hash, "
            "grouped (see docs/audit-format.md)."
        ),
    )


class TallyRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Option id."))
    weight = serializers.CharField()
    ballots = serializers.IntegerField()


class TurnoutSerializer(serializers.Serializer):
    poll_id = serializers.IntegerField()
    ballots = serializers.IntegerField()
    weight = serializers.CharField(help_text=_("Weight cast, a decimal as a string."))
    entitled = serializers.IntegerField(help_text=_("Entries on the roll."))
    entitled_weight = serializers.CharField()
    state = serializers.CharField(required=False)
    tally = TallyRowSerializer(
        many=True,
        required=False,
        help_text=_("Chair and clerks, named polls with live results only."),
    )


class MyVoteSerializer(serializers.Serializer):
    roll_entry_id = serializers.IntegerField()
    on_behalf_of = serializers.IntegerField(
        allow_null=True, help_text=_("Participant id of the member whose proxy this is.")
    )
    name = serializers.CharField()
    weight = serializers.CharField()
    voted = serializers.BooleanField()


class PollDetailSerializer(PollSerializer):
    turnout = TurnoutSerializer()
    my_votes = MyVoteSerializer(many=True, help_text=_("The caller's own roll entries."))


class PollOpenSerializer(serializers.Serializer):
    duration_seconds = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text=_("Close automatically after this many seconds (10 to 86400)."),
    )
    quorum_override_reason = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        default="",
        help_text=_("Required to open without quorum; recorded."),
    )


class PollCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, default="")


class DecideTieSerializer(serializers.Serializer):
    winners = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("Option ids among the tied ones; for a motion [yes id] carries, [] rejects."),
    )


# --- ballots ------------------------------------------------------------------


class BallotCastSerializer(serializers.Serializer):
    choices = serializers.ListField(child=serializers.IntegerField(), help_text=_("Option ids."))
    receipt_code = serializers.CharField(
        max_length=64,
        help_text=_("Drawn by the phone: 10 to 32 base32 letters. Resending it is safe."),
    )
    on_behalf_of = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text=_("Participant id of a member whose proxy the caller carries."),
    )


class PaperBallotSerializer(serializers.Serializer):
    roll_entry_id = serializers.IntegerField()
    choices = serializers.ListField(child=serializers.IntegerField())
    receipt_code = serializers.CharField(
        max_length=64,
        required=False,
        help_text=_("The code printed on the paper ballot, if any; drawn by the server if not."),
    )


class ReceiptSerializer(serializers.Serializer):
    poll_id = serializers.IntegerField()
    receipt_code = serializers.CharField()
    choices = serializers.ListField(child=serializers.IntegerField())
    weight = serializers.CharField()
    on_behalf_of = serializers.CharField(
        allow_null=True, help_text=_("The represented member's name, for a proxy ballot.")
    )


class ReceiptResponseSerializer(serializers.Serializer):
    receipt = ReceiptSerializer()


class RollRowSerializer(serializers.Serializer):
    roll_entry_id = serializers.IntegerField()
    participant_id = serializers.IntegerField(help_text=_("Whose vote this is."))
    name = serializers.CharField()
    member_number = serializers.CharField()
    weight = serializers.CharField()
    caster_name = serializers.CharField(help_text=_("Who casts it: the member or their proxy."))
    proxy = serializers.BooleanField()
    remote = serializers.BooleanField()
    voted = serializers.BooleanField()
    method = serializers.CharField(allow_null=True, help_text=_("phone, paper, or null"))


# --- meeting voting settings, quorum, proxies ------------------------------------


class VotingSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = [
            "id",
            "quorum_kind",
            "quorum_count",
            "quorum_share",
            "requires_presence",
            "proxy_limit",
        ]
        read_only_fields = fields


class VotingSettingsUpdateSerializer(serializers.Serializer):
    quorum_kind = serializers.ChoiceField(choices=QuorumKind.choices, required=False)
    quorum_count = serializers.IntegerField(min_value=0, required=False)
    quorum_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        required=False,
        help_text=_("Between 0 and 1: more than this share of the voting weight."),
    )
    requires_presence = serializers.BooleanField(required=False)
    proxy_limit = serializers.IntegerField(min_value=0, max_value=1000, required=False)


class QuorumSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("none, count or share"))
    voters = serializers.IntegerField()
    present = serializers.IntegerField(help_text=_("Voters present or represented by a proxy."))
    total_weight = serializers.CharField()
    present_weight = serializers.CharField()
    required = serializers.JSONField(  # type: ignore[assignment]  # schema only
        allow_null=True,
        help_text=_("A count (count quorum), a weight as a decimal string (share), or null."),
    )
    met = serializers.BooleanField()


class ProxySerializer(serializers.ModelSerializer):
    delegator = serializers.IntegerField(source="delegator_id", read_only=True)
    delegator_name = serializers.CharField(source="delegator.member.full_name", read_only=True)
    delegate = serializers.IntegerField(source="delegate_id", read_only=True)
    delegate_name = serializers.CharField(source="delegate.member.full_name", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Proxy
        fields = [
            "id",
            "delegator",
            "delegator_name",
            "delegate",
            "delegate_name",
            "created_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, proxy: Proxy) -> bool:
        return proxy.revoked_at is None


class ProxyCreateSerializer(serializers.Serializer):
    delegator = serializers.PrimaryKeyRelatedField(
        queryset=Participant.objects.select_related("member"),
        help_text=_("Participant id of the member giving their vote."),
    )
    delegate = serializers.PrimaryKeyRelatedField(
        queryset=Participant.objects.select_related("member"),
        help_text=_("Participant id of the voter who will carry it."),
    )
