"""The secretary's notes per agenda item, and the finalised minutes.

Notes are written during the meeting (saved as the secretary types) and
become read-only once the minutes are finalised. The finalised minutes are a
PDF kept as a document version (documents app) with its SHA-256; the
meeting's log head printed in it is kept here too, so the page can show what
the paper anchors.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentVersion
from meetings.models import AgendaItem, Meeting, Member


class MinutesNote(models.Model):
    """The secretary's note on one agenda item (one per item)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_notes")
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.CASCADE, related_name="minutes_note"
    )
    text = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "agenda_item__position"]
        verbose_name = _("minutes note")
        verbose_name_plural = _("minutes notes")

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.agenda_item_id}"


class Minutes(models.Model):
    """A meeting's finalised minutes: the PDF's document version and hash,
    who finalised them, and the meeting log's head the PDF prints."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="minutes")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    finalised_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    finalised_at = models.DateTimeField(_("finalised at"))
    # The meeting log's head printed in the PDF (before the finalising event).
    log_number = models.PositiveIntegerField(null=True, blank=True)
    log_hash = models.CharField(max_length=64, blank=True)
    log_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"minutes of {self.meeting_id}"
