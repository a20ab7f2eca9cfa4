"""Polls, their frozen electoral rolls, and ballots.

Secret polls keep "who voted" (RollMark) apart from "what was voted" (Ballot):
a secret ballot row has a random key, no member, no roll link and no time.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models import WEIGHT_FIELD, AgendaItem, Meeting, Member, Participant
from voting import rules

KIND_CHOICES = [
    (rules.Kind.MOTION.value, _("Motion (yes / no / abstain)")),
    (rules.Kind.SINGLE.value, _("Single choice")),
    (rules.Kind.MULTIPLE.value, _("Multiple choice")),
    (rules.Kind.ELECTION.value, _("Election")),
]
MAJORITY_CHOICES = [
    (rules.Majority.SIMPLE.value, _("Simple majority")),
    (rules.Majority.ABSOLUTE.value, _("Absolute majority (more than half)")),
    (rules.Majority.TWO_THIRDS.value, _("Two-thirds")),
    (rules.Majority.THREE_QUARTERS.value, _("Three-quarters")),
]
BASE_CHOICES = [
    (rules.Base.VALID.value, _("Valid votes cast (abstentions excluded)")),
    (rules.Base.CAST.value, _("Votes cast (abstentions included)")),
    (rules.Base.PRESENT.value, _("Voting weight present")),
    (rules.Base.ENTITLED.value, _("Voting weight entitled")),
]
TIE_CHOICES = [
    (rules.TieRule.FAILS.value, _("A tie fails")),
    (rules.TieRule.CHAIR.value, _("The chair decides")),
    (rules.TieRule.LOT.value, _("Lot drawn from a published seed")),
]
ROLE_CHOICES = [
    (rules.Role.YES.value, _("Yes")),
    (rules.Role.NO.value, _("No")),
    (rules.Role.ABSTAIN.value, _("Abstain")),
    (rules.Role.OPTION.value, _("Option")),
    (rules.Role.CANDIDATE.value, _("Candidate")),
]


class Poll(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Secrecy(models.TextChoices):
        NAMED = "named", _("Named (roll-call)")
        SECRET = "secret", _("Secret")

    class Results(models.TextChoices):
        HIDDEN = "hidden", _("Hidden until close")
        LIVE = "live", _("Live to chair and projector")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="polls")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="polls"
    )
    title = models.CharField(_("question"), max_length=300)
    # Where the poll stands in the meeting's list: the order it was prepared
    # in, which the chair or an officer changes among drafts (polls_reorder).
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=KIND_CHOICES)
    secrecy = models.CharField(
        _("secrecy"), max_length=16, choices=Secrecy.choices, default=Secrecy.SECRET
    )
    results_visibility = models.CharField(
        _("results while open"), max_length=16, choices=Results.choices, default=Results.HIDDEN
    )
    allow_remote = models.BooleanField(_("remote members may vote"), default=True)
    min_choices = models.PositiveSmallIntegerField(_("least choices"), default=1)
    max_choices = models.PositiveSmallIntegerField(_("most choices"), default=1)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    majority = models.CharField(
        _("majority"), max_length=16, choices=MAJORITY_CHOICES, default=rules.Majority.SIMPLE
    )
    base = models.CharField(
        _("majority of"), max_length=16, choices=BASE_CHOICES, default=rules.Base.VALID
    )
    tie_rule = models.CharField(
        _("tie"), max_length=16, choices=TIE_CHOICES, default=rules.TieRule.FAILS
    )
    close_when_all_voted = models.BooleanField(_("close when everyone has voted"), default=False)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)

    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    quorum_override_reason = models.TextField(_("opened without quorum because"), blank=True)
    # Frozen when the poll opens.
    entitled_weight = models.DecimalField(default=Decimal(0), **WEIGHT_FIELD)
    present_weight = models.DecimalField(default=Decimal(0), **WEIGHT_FIELD)
    quorum = models.JSONField(null=True, blank=True)
    # Filled at close.
    result = models.JSONField(null=True, blank=True)
    lot_seed = models.CharField(max_length=64, blank=True)
    tie_decision = models.JSONField(null=True, blank=True)
    tie_decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The shape of the poll's audit records (docs/audit-format.md): 3 signs a
    # secret ballot without its weight and publishes weights by class at the
    # close; 2 (polls opened before that) put each weight in its entry.
    record_format = models.PositiveSmallIntegerField(default=3, editable=False)

    created_by = models.ForeignKey(
        Member, null=True, on_delete=models.SET_NULL, related_name="polls_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.title

    @property
    def rule(self) -> rules.Rule:
        return rules.Rule(
            majority=rules.Majority(self.majority),
            base=rules.Base(self.base),
            tie=rules.TieRule(self.tie_rule),
        )

    @property
    def live_results(self) -> bool:
        return self.secrecy == self.Secrecy.NAMED and self.results_visibility == self.Results.LIVE


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        ordering = ["poll", "position"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.label


class RollEntry(models.Model):
    """One vote on a poll's frozen roll: whose vote it is, who casts it, its weight.

    `member` is the participant whose vote this is; `caster` is who casts it
    (the same participant, or their proxy's delegate).
    """

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="roll")
    member = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    caster = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(**WEIGHT_FIELD)
    remote = models.BooleanField(default=False)

    class Meta:
        ordering = ["poll", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="roll_one_entry_per_member"),
        ]
        verbose_name = _("roll entry")
        verbose_name_plural = _("roll entries")

    def __str__(self) -> str:
        return f"{self.member} ({self.weight})"

    @property
    def is_proxy(self) -> bool:
        return self.member_id != self.caster_id


class RollMark(models.Model):
    """ "This roll entry has voted". Its unique key is what stops a second ballot.

    No time is kept: for secret polls it must not be matched to a ballot.
    """

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        PAPER = "paper", _("Paper, entered by a clerk")

    roll_entry = models.OneToOneField(RollEntry, on_delete=models.PROTECT, related_name="mark")
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.PHONE)
    entered_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("roll mark")
        verbose_name_plural = _("roll marks")

    def __str__(self) -> str:
        return f"voted: {self.roll_entry}"


class Ballot(models.Model):
    """What was voted. For secret polls: no member, no roll link, no time, and
    no row order: the ballot writer (voting.ballot_writer) rewrites them in
    shuffled batches, and all of them at close."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    # Drawn by the server (voting.services.ballots.issue_receipt), never sent by a client.
    receipt_code = models.CharField(max_length=32)
    # SHA-256 of poll, roll entry and the phone's idempotency nonce: finds the
    # ballot again when the phone resends, yet without the nonce (kept only on
    # the phone) nobody can tell which roll entry it belongs to. None for paper.
    nonce_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (NULLs stay distinct under the unique key)
    # False until the ballot writer has rewritten it in a shuffled batch.
    shuffled = models.BooleanField(default=False)
    choices = models.JSONField()  # sorted option ids
    weight = models.DecimalField(**WEIGHT_FIELD)
    # Named polls only: who voted what is public there.
    roll_entry = models.OneToOneField(
        RollEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="ballot"
    )
    # Ed25519 over the canonical ballot entry (voting.audit.ballot_entry):
    # the signed receipt the voter gets back.
    signature = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["poll", "receipt_code"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "receipt_code"], name="ballot_unique_receipt"),
            models.UniqueConstraint(fields=["poll", "nonce_key"], name="ballot_unique_nonce"),
        ]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return self.receipt_code


class PollSeal(models.Model):
    """The signed tree head of a closed poll: its ballots' Merkle root, roll,
    result and the hash of the meeting's previous head, signed with the
    installation key. Written once, at close."""

    poll = models.OneToOneField(Poll, on_delete=models.PROTECT, related_name="seal")
    head = models.JSONField()  # the signed body, exactly as signed
    signature = models.CharField(max_length=100)
    head_hash = models.CharField(max_length=64, unique=True)
    # The roll as it was at close (names, weights, who voted): the head signs
    # its hash, so later edits to members change nothing in this record.
    roll = models.JSONField(null=True, blank=True)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["poll__meeting", "id"]
        verbose_name = _("poll seal")
        verbose_name_plural = _("poll seals")

    def __str__(self) -> str:
        return f"seal of {self.poll}"
