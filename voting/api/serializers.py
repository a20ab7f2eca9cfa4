"""Request parsing and response shapes for polls, ballots, quorum and proxies.

No rules here: the services check them. Response serializers describe the
payloads the selectors build (for the OpenAPI schema); views return those
payloads as they are.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core import textlimits
from core.api.serializers import MAX_INT, MAX_SMALL, decimal_string
from meetings.api.serializers import QuorumSerializer
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
    description = serializers.CharField(
        allow_blank=True, default="", max_length=textlimits.DESCRIPTION
    )
    secrecy = serializers.ChoiceField(choices=Poll.Secrecy.choices, default=Poll.Secrecy.SECRET)
    results_visibility = serializers.ChoiceField(
        choices=Poll.Results.choices,
        default=Poll.Results.HIDDEN,
        help_text=_("live: chair and projector see running tallies (named polls only)."),
    )
    allow_remote = serializers.BooleanField(default=True)
    min_choices = serializers.IntegerField(
        min_value=0,
        max_value=MAX_SMALL,
        allow_null=True,
        default=None,
        help_text=_("Multiple choice only."),
    )
    max_choices = serializers.IntegerField(
        min_value=0,
        max_value=MAX_SMALL,
        allow_null=True,
        default=None,
        help_text=_("Multiple choice only."),
    )
    seats = serializers.IntegerField(
        min_value=1, max_value=MAX_SMALL, default=1, help_text=_("Elections only.")
    )
    majority = serializers.ChoiceField(choices=MAJORITY_CHOICES, default=rules.Majority.SIMPLE)
    base = serializers.ChoiceField(choices=BASE_CHOICES, default=rules.Base.VALID)
    tie_rule = serializers.ChoiceField(choices=TIE_CHOICES, default=rules.TieRule.FAILS)
    close_when_all_voted = serializers.BooleanField(default=False)
    agenda_item_id = serializers.IntegerField(allow_null=True, default=None)


class PollUpdateSerializer(PollCreateSerializer):
    """Any field of a draft; those left out keep their value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class PollReorderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(),
        max_length=1000,
        help_text=_("Every draft poll id of the meeting, once, in the new order."),
    )


class PollOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # schema only
    role = serializers.CharField(help_text=_("yes, no, abstain, option or candidate"))


class PollQuorumSerializer(QuorumSerializer):
    """The quorum when the poll opened."""

    override_reason = serializers.CharField(
        allow_blank=True, help_text=_("Why the chair opened without quorum; empty if it was met.")
    )


class PollRuleSerializer(serializers.Serializer):
    majority = serializers.ChoiceField(choices=MAJORITY_CHOICES)
    base = serializers.ChoiceField(choices=BASE_CHOICES)
    tie = serializers.CharField(help_text=_("fails, chair or lot"))


class ResultOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # schema only
    role = serializers.CharField(help_text=_("yes, no, abstain, option or candidate"))
    weight = decimal_string()
    ballots = serializers.IntegerField()


class ResultSerializer(serializers.Serializer):
    """A closed poll's count (`voting.selectors.result_payload`)."""

    sentence = serializers.CharField(help_text=_("In the language of whoever closed the poll."))
    sentences = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text=_(
            "The sentence in each site language, by language code (results stored "
            "before these existed have only `sentence`)."
        ),
    )
    carried = serializers.BooleanField(
        allow_null=True, help_text=_("Motions and one-seat elections; null for others.")
    )
    winners = serializers.ListField(child=serializers.IntegerField(), help_text=_("Option ids."))
    tied = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Option ids of a tie left to the chair.")
    )
    seats_open = serializers.IntegerField()
    lot_seed = serializers.CharField()
    lot_draw = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Option ids in the order drawn by lot.")
    )
    rule = PollRuleSerializer()
    base_weight = decimal_string()
    # A field named "required" (DRF pops declared fields: the flag stays).
    required = decimal_string(  # type: ignore[assignment]
        allow_null=True, help_text=_("The least weight that meets the rule, if it has one.")
    )
    quorum = PollQuorumSerializer()
    ballots = serializers.IntegerField()
    cast_weight = decimal_string()
    abstain_weight = decimal_string()
    valid_weight = decimal_string()
    present_weight = decimal_string()
    entitled_weight = decimal_string()
    options = ResultOptionSerializer(many=True)


class PollSerializer(serializers.Serializer):
    """A poll as every participant sees it (`voting.selectors.poll_payload`)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField(
        help_text=_("Place in the meeting's list of polls (drafts are reordered ahead).")
    )
    description = serializers.CharField(allow_blank=True)
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
    state = serializers.CharField(
        help_text=_("draft, open, decrypting, closed, published or cancelled")
    )
    options = PollOptionSerializer(many=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField(allow_blank=True)
    quorum = PollQuorumSerializer(allow_null=True, help_text=_("Null until the poll opens."))
    entitled_weight = decimal_string()
    result = ResultSerializer(allow_null=True, help_text=_("Null until the poll closes."))
    encrypted = serializers.BooleanField(help_text="Ballots are encrypted (issue 21).")
    teller_threshold = serializers.IntegerField(
        allow_null=True, help_text="Encrypted polls: how many tellers decrypt together."
    )
    public_key = serializers.CharField(
        allow_null=True, help_text="Encrypted polls: the poll key, once the tellers made it."
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
    weight = decimal_string()
    ballots = serializers.IntegerField()


class TurnoutSerializer(serializers.Serializer):
    poll_id = serializers.IntegerField()
    ballots = serializers.IntegerField()
    weight = decimal_string(help_text=_("Weight cast."))
    entitled = serializers.IntegerField(help_text=_("Entries on the roll."))
    entitled_weight = decimal_string()
    state = serializers.CharField(
        required=False, help_text=_("Over REST and in `poll.turnout`; not in the snapshot.")
    )
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
    weight = decimal_string()
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
    nonce = serializers.CharField(
        max_length=64,
        required=False,
        help_text=_(
            "Drawn by the phone: 10 to 32 base32 letters, kept on the phone and never "
            "published. Resending the ballot with it is safe. The receipt code is the server's."
        ),
    )
    receipt_code = serializers.CharField(
        max_length=64,
        required=False,
        write_only=True,
        help_text=_("The old name of the nonce, still accepted."),
    )
    on_behalf_of = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text=_("Participant id of a member whose proxy the caller carries."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        old = attrs.pop("receipt_code", None)
        attrs["nonce"] = attrs.get("nonce") or old
        if not attrs["nonce"]:
            raise serializers.ValidationError({"nonce": [_("This field is required.")]})
        return attrs


class PaperBallotSerializer(serializers.Serializer):
    roll_entry_id = serializers.IntegerField()
    choices = serializers.ListField(child=serializers.IntegerField())


class ReceiptSerializer(serializers.Serializer):
    poll_id = serializers.IntegerField()
    receipt_code = serializers.CharField()
    choices = serializers.ListField(child=serializers.IntegerField())
    weight = decimal_string()
    on_behalf_of = serializers.CharField(
        allow_null=True, help_text=_("The represented member's name, for a proxy ballot.")
    )
    signature = serializers.CharField(
        help_text=_(
            "The installation's Ed25519 signature over the ballot's entry, base64 "
            "(see docs/audit-format.md)."
        )
    )
    weight_signed = serializers.BooleanField(
        help_text="Whether the signed entry holds the weight (not on secret polls, format 3)."
    )


class ReceiptResponseSerializer(serializers.Serializer):
    receipt = ReceiptSerializer()


class RollRowSerializer(serializers.Serializer):
    roll_entry_id = serializers.IntegerField()
    participant_id = serializers.IntegerField(help_text=_("Whose vote this is."))
    name = serializers.CharField()
    member_number = serializers.CharField()
    weight = decimal_string()
    caster_name = serializers.CharField(help_text=_("Who casts it: the member or their proxy."))
    proxy = serializers.BooleanField()
    remote = serializers.BooleanField()
    voted = serializers.BooleanField()
    method = serializers.CharField(allow_null=True, help_text=_("phone, paper, or null"))


# --- audit records (shapes of voting.audit, served by voting.api.audit) ---------------


class BallotEntrySerializer(serializers.Serializer):
    """A ballot's entry on the board, exactly as signed and hashed."""

    poll = serializers.IntegerField()
    receipt = serializers.CharField()
    choices = serializers.ListField(child=serializers.IntegerField(), help_text=_("Sorted."))
    weight = decimal_string(
        required=False, help_text="Named polls, and secret polls of audit format 2."
    )
    # "class" is a Python keyword: the field is declared below.
    voter = serializers.CharField(
        required=False, help_text=_("Named polls only: the voter's participant id, as a string.")
    )


BallotEntrySerializer._declared_fields["class"] = serializers.CharField(
    required=False,
    help_text=(
        "Secret polls (audit format 3): the ballot's weight class, its weight when at "
        'least three ballots share it, else "other". Not covered by the entry signature.'
    ),
)


class WeightClassSerializer(serializers.Serializer):
    weight = decimal_string()
    ballots = serializers.IntegerField()


class MergedClassSerializer(serializers.Serializer):
    ballots = serializers.IntegerField()
    weight = decimal_string(help_text="The merged ballots' weight in all.")


class WeightClassesSerializer(serializers.Serializer):
    smallest = serializers.IntegerField(help_text="Fewest ballots of a published class.")
    classes = WeightClassSerializer(many=True)
    other = MergedClassSerializer()


class DefinitionOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    role = serializers.CharField(help_text=_("yes, no, abstain, option or candidate"))
    label = serializers.CharField()  # type: ignore[assignment]  # schema only


class TieDecisionSerializer(serializers.Serializer):
    winners = serializers.ListField(child=serializers.IntegerField(), help_text=_("Option ids."))
    by = serializers.CharField(help_text=_("The chair who decided."))


class PollDefinitionSerializer(serializers.Serializer):
    """What the verifier needs to recount a poll (`voting.audit.poll_definition`)."""

    id = serializers.IntegerField()
    meeting = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    secrecy = serializers.ChoiceField(choices=Poll.Secrecy.choices)
    options = DefinitionOptionSerializer(many=True)
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField()
    seats = serializers.IntegerField()
    rule = PollRuleSerializer()
    present_weight = decimal_string()
    entitled_weight = decimal_string()
    lot_seed = serializers.CharField()
    quorum = PollQuorumSerializer()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    tie_decision = TieDecisionSerializer(allow_null=True)


class TreeHeadSerializer(serializers.Serializer):
    """A closed poll's signed tree head (`voting.audit.seal`)."""

    poll = serializers.IntegerField()
    meeting = serializers.IntegerField()
    size = serializers.IntegerField(help_text=_("Entries in the tree."))
    # A field named "root" (the serializer's own `root` stays: DRF pops fields).
    root = serializers.CharField(  # type: ignore[assignment]
        help_text=_("The RFC 6962 Merkle tree root, hex.")
    )
    definition_hash = serializers.CharField()
    roll_hash = serializers.CharField()
    total_weight = decimal_string()
    result = ResultSerializer(help_text=_("The result as counted at close."))
    previous_head_hash = serializers.CharField(
        allow_null=True, help_text=_("The head of the meeting's previous closed poll.")
    )
    log_hash = serializers.CharField(
        allow_null=True, help_text=_("The latest hash of the meeting's log of acts.")
    )
    sealed_at = serializers.DateTimeField()
    weight_classes = WeightClassesSerializer(
        required=False, help_text="Secret polls (audit format 3): the ballots' weight classes."
    )
    signature = serializers.CharField(help_text=_("Ed25519 over the head without it, base64."))


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
    quorum_count = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False)
    quorum_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        required=False,
        help_text=_("Between 0 and 1: more than this share of the voting weight."),
    )
    requires_presence = serializers.BooleanField(required=False)
    proxy_limit = serializers.IntegerField(min_value=0, max_value=1000, required=False)


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


# --- encrypted polls: tellers and encrypted ballots (docs/encrypted-ballots.md) ---

MAX_TELLER = 64


def _hex() -> serializers.CharField:
    return serializers.CharField(
        max_length=64, min_length=64, help_text="32 bytes, 64 hexadecimal digits."
    )


def _hex_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=_hex(), **kwargs)


class TellersAppointSerializer(serializers.Serializer):
    participants = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_INT),
        max_length=5,
        help_text=(
            "Participant ids of the 3 to 5 tellers, in order (their numbers 1..n); "
            "an empty list makes the poll take plain ballots again."
        ),
    )
    threshold = serializers.IntegerField(
        min_value=1,
        max_value=5,
        allow_null=True,
        default=None,
        help_text="How many tellers must decrypt together (k).",
    )


class SchnorrProofSerializer(serializers.Serializer):
    challenge = _hex()
    response = _hex()


class DisjunctiveProofSerializer(serializers.Serializer):
    challenges = _hex_list(max_length=257)
    responses = _hex_list(max_length=257)


class TransportKeySerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=1, max_value=MAX_TELLER)
    key = _hex()
    proof = SchnorrProofSerializer()


class CommitmentsSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=1, max_value=MAX_TELLER)
    commitments = _hex_list(max_length=MAX_TELLER)
    proof = SchnorrProofSerializer()


class TellerPublishSerializer(serializers.Serializer):
    transport_key = TransportKeySerializer()
    commitments = CommitmentsSerializer()


class EncryptedShareSerializer(serializers.Serializer):
    sender = serializers.IntegerField(min_value=1, max_value=MAX_TELLER)
    recipient = serializers.IntegerField(min_value=1, max_value=MAX_TELLER)
    ephemeral = _hex()
    ciphertext = serializers.CharField(
        max_length=96, min_length=96, help_text="48 bytes, 96 hexadecimal digits."
    )


class TellerSharesSerializer(serializers.Serializer):
    shares = serializers.ListField(child=EncryptedShareSerializer(), max_length=MAX_TELLER)


class TellerConfirmSerializer(serializers.Serializer):
    proof = SchnorrProofSerializer()


class PartialDecryptionSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=1, max_value=MAX_TELLER)
    value = _hex()
    proof = SchnorrProofSerializer()


class TellerDecryptSerializer(serializers.Serializer):
    partials = serializers.ListField(
        child=PartialDecryptionSerializer(),
        max_length=2 * 256,
        help_text="One per product of the close (`products`), in that order.",
    )


class ProductSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="`option j` (weighted) or `ballots j` (a count).")
    a = _hex()
    b = _hex()


class CeremonyTellerSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    name = serializers.CharField()
    transport_key = TransportKeySerializer(allow_null=True)
    commitments = CommitmentsSerializer(allow_null=True)
    shares_sent = serializers.BooleanField()
    confirmation = SchnorrProofSerializer(allow_null=True)
    ready = serializers.BooleanField()
    decrypted = serializers.BooleanField()


class CeremonySerializer(serializers.Serializer):
    poll_id = serializers.IntegerField()
    poll = serializers.CharField(help_text="What every proof names the poll by: `poll:<id>`.")
    state = serializers.CharField(
        help_text="The poll's state (its tellers see it as a draft too, before members)."
    )
    encrypted = serializers.BooleanField()
    threshold = serializers.IntegerField(allow_null=True)
    public_key = serializers.CharField(
        allow_null=True, help_text="The poll key, once every teller is ready."
    )
    fingerprint = serializers.CharField(
        allow_null=True,
        help_text="What the tellers compare aloud, once every teller has published.",
    )
    tellers = CeremonyTellerSerializer(many=True)
    products = ProductSerializer(
        many=True, allow_null=True, help_text="After the close: what the tellers decrypt."
    )


class MySharesSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The caller's teller number.")
    shares = EncryptedShareSerializer(many=True)
    ceremony = CeremonySerializer()


class EncryptedOptionSerializer(serializers.Serializer):
    a = _hex()
    b = _hex()
    proof = DisjunctiveProofSerializer()


class EncryptedBallotSerializer(serializers.Serializer):
    options = serializers.ListField(child=EncryptedOptionSerializer(), max_length=256)
    count_proof = DisjunctiveProofSerializer()


class EncryptedBallotCastSerializer(serializers.Serializer):
    ballot = EncryptedBallotSerializer(
        help_text=(
            "Encrypted under the poll key, every proof bound to `poll:<id>` and to "
            "`ballot:<nonce key>`, the nonce key being the hex SHA-256 of "
            "`<poll id>:<roll entry id>:<nonce>` (docs/encrypted-ballots.md)."
        )
    )
    nonce = serializers.CharField(
        max_length=64, help_text="As for a plain ballot: the phone's idempotency key."
    )
    on_behalf_of = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text="Participant id of a member whose proxy the caller carries.",
    )
