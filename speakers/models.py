"""The speakers' list: settings per meeting (changeable per agenda item) and
each request to speak, from the queue through the speech to the history."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem, Meeting, Member, Participant

DEFAULT_SPEAKING_TIME = 180  # seconds


class ListSettings(models.Model):
    """With no agenda item: the meeting's defaults. With one: that item's
    list, its open/closed state, and overrides (null means "as the meeting")."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speaker_lists")
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="speaker_list"
    )
    # Seconds per speech; 0 is no limit.
    speaking_time = models.PositiveIntegerField(_("speaking time (seconds)"), null=True, blank=True)
    # Speeches per member per item (points of order aside); 0 is no limit.
    max_speeches = models.PositiveIntegerField(_("speeches per member"), null=True, blank=True)
    first_time_first = models.BooleanField(
        _("first-time speakers before second-time"), null=True, blank=True
    )
    closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(agenda_item__isnull=True),
                name="speakers_one_meeting_default",
            ),
        ]
        verbose_name = _("speakers' list settings")
        verbose_name_plural = _("speakers' list settings")

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.agenda_item_id or '-'}"


class Speech(models.Model):
    """One request to speak. Waiting in the queue (ordered by `position`),
    then current (called; its time runs while `running_since` is set), then
    done; or withdrawn before it was called."""

    class Kind(models.TextChoices):
        SPEAK = "speak", _("To speak")
        POINT_OF_ORDER = "point_of_order", _("Point of order")
        QUESTION = "question", _("Question")
        REPLY = "reply", _("Reply")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CURRENT = "current", _("Speaking")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speeches")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speeches")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="speeches")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SPEAK)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.WAITING
    )
    position = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    # Set when the chair or a clerk added the speaker on the member's behalf.
    added_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Seconds allowed, fixed when called (0: no limit).
    time_limit = models.PositiveIntegerField(default=0)
    # Real times: first start, and the end.
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Time spoken before the current run, and when the current run began.
    elapsed_ms = models.PositiveBigIntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agenda_item", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item"],
                condition=Q(state="current"),
                name="speakers_one_current_speech",
            ),
        ]
        indexes = [models.Index(fields=["agenda_item", "state"], name="speech_item_state")]
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")

    def __str__(self) -> str:
        return f"{self.participant_id} on {self.agenda_item_id} ({self.state})"
