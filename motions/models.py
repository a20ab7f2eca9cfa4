"""Motions, their supporters and amendments, kept text versions, and the
meeting's resolution.

A motion's text is a list of paragraphs separated by blank lines. An
amendment replaces, deletes, or inserts a paragraph, named by its position
in the motion's submitted text, so that every amendment is read against the
same text. Final texts are kept as versions with their SHA-256.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem, Meeting, Participant
from voting import rules
from voting.models import BASE_CHOICES, MAJORITY_CHOICES, TIE_CHOICES, Poll


class MotionSettings(models.Model):
    """Per meeting: how many supporters make a motion admissible, and the
    rule its polls are created with (the meeting's default rule for motions)."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="motion_settings"
    )
    min_supporters = models.PositiveSmallIntegerField(_("supporters needed"), default=1)
    majority = models.CharField(
        _("majority"), max_length=16, choices=MAJORITY_CHOICES, default=rules.Majority.SIMPLE
    )
    base = models.CharField(
        _("majority of"), max_length=16, choices=BASE_CHOICES, default=rules.Base.VALID
    )
    tie_rule = models.CharField(
        _("tie"), max_length=16, choices=TIE_CHOICES, default=rules.TieRule.FAILS
    )
    secrecy = models.CharField(
        _("secrecy"), max_length=16, choices=Poll.Secrecy.choices, default=Poll.Secrecy.NAMED
    )
    # What the projector shows of the motions (an amendment shows as a change).
    projected_motion = models.ForeignKey(
        "Motion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    projected_amendment = models.ForeignKey(
        "Amendment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("motion settings")
        verbose_name_plural = _("motion settings")

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.min_supporters}"


class Motion(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ADMITTED = "admitted", _("Admitted")
        VOTING = "voting", _("Being voted on")
        CARRIED = "carried", _("Carried")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REFERRED = "referred", _("Referred")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    reasons = models.TextField(_("reasons"), blank=True)
    submitter = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="motions_submitted"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="motions"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    poll = models.ForeignKey(
        Poll, null=True, blank=True, on_delete=models.SET_NULL, related_name="motions"
    )
    referred_to = models.CharField(_("referred to"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="motion_number_unique"),
        ]
        verbose_name = _("motion")
        verbose_name_plural = _("motions")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Support(models.Model):
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="supports")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="motion_supports"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["motion", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "participant"], name="support_once"),
        ]
        verbose_name = _("support")
        verbose_name_plural = _("supports")

    def __str__(self) -> str:
        return f"{self.participant_id} -> {self.motion_id}"


class Amendment(models.Model):
    class Action(models.TextChoices):
        REPLACE = "replace", _("Replace paragraph")
        INSERT = "insert", _("Insert paragraph")
        DELETE = "delete", _("Delete paragraph")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        VOTING = "voting", _("Being voted on")
        CARRIED = "carried", _("Carried")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField(_("number"))
    proposer = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="amendments_proposed"
    )
    action = models.CharField(_("change"), max_length=16, choices=Action.choices)
    # Replace/delete: the paragraph's position (1-based) in the submitted text.
    # Insert: the new paragraph goes after this one (0: before the first).
    paragraph = models.PositiveIntegerField(_("paragraph"))
    text = models.TextField(_("new text"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    poll = models.ForeignKey(
        Poll, null=True, blank=True, on_delete=models.SET_NULL, related_name="amendments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["motion", "number"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "number"], name="amendment_number_unique"),
        ]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.motion.number}-A{self.number}"


class TextVersion(models.Model):
    """A kept text: a motion as submitted, its final text (carried amendments
    applied), or a resolution. `sha256` is over the text's UTF-8 bytes."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("As submitted")
        FINAL = "final", _("Final text")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="versions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["motion", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["motion"], condition=Q(kind="final"), name="one_final_text"
            ),
        ]
        verbose_name = _("text version")
        verbose_name_plural = _("text versions")

    def __str__(self) -> str:
        return f"{self.motion_id} {self.kind} {self.sha256[:12]}"


class Resolution(models.Model):
    """The carried motions of a meeting gathered into one document, which the
    chair may put to a final vote. Composed anew until it is put to the vote."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        VOTING = "voting", _("Being voted on")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="resolution")
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    sha256 = models.CharField(max_length=64)
    motion_ids = models.JSONField(default=list)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    poll = models.ForeignKey(
        Poll, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolutions"
    )
    composed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return self.title
