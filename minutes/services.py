"""Writes for the minutes: the secretary's notes, saved as they type, and
finalising (the PDF kept as a document version, its hash in the meeting's
log). REST views call these; every rule is here.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import textlimits
from core.exceptions import Conflict
from documents.services import document_version_store
from meetings import permissions
from meetings.models import Meeting, MeetingEvent, Member
from meetings.services.common import lock_meeting, log_act
from minutes import pdf, selectors
from minutes.models import Minutes, MinutesNote
from minutes.permissions import MINUTES_FINALISE, MINUTES_WRITE

NOTE_MAX_CHARS = 20_000


def _refuse_if_final(meeting: Meeting) -> None:
    if Minutes.objects.filter(meeting=meeting).exists():
        raise Conflict(
            _("The minutes are finalised; their notes can no longer change."),
            code="minutes_finalised",
        )


@transaction.atomic
def minutes_note_save(
    *, actor: Member, meeting: Meeting, agenda_item_id: int, text: str
) -> MinutesNote:
    """Save the secretary's note on an agenda item (the chair or a clerk),
    replacing the text before. Called on every pause in typing, so it does
    not write to the meeting's log (finalising records the whole text).
    Conflict once the minutes are finalised."""
    permissions.require(actor=actor, meeting=meeting, action=MINUTES_WRITE)
    text = textlimits.bounded(text or "", limit=NOTE_MAX_CHARS, field=_("The note"))
    item = selectors.agenda_item_of(meeting, agenda_item_id)
    lock_meeting(meeting)
    _refuse_if_final(meeting)
    note, _created = MinutesNote.objects.update_or_create(
        agenda_item=item, defaults={"meeting": meeting, "text": text, "updated_by": actor}
    )
    return note


def minutes_finalise(*, actor: Member, meeting: Meeting) -> Minutes:
    """Finalise the minutes of a closed meeting (the chair or a clerk): the
    PDF is made in the meeting's language, stored as a document version with
    its SHA-256, and `minutes.finalised` (with the hash) is appended to the
    meeting's log. The PDF prints the log's head as it was just before.
    After this the notes are read-only; finalising twice is a Conflict."""
    permissions.require(actor=actor, meeting=meeting, action=MINUTES_FINALISE)
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        if meeting.status != Meeting.Status.CLOSED:
            raise Conflict(_("Close the meeting before finalising its minutes."))
        _refuse_if_final(meeting)
        head = MeetingEvent.objects.filter(meeting=meeting).order_by("-number").first()
        now = timezone.now()
        with translation.override(meeting.language):
            doc = selectors.minutes_compose(meeting)
            doc.finalised = True
            doc.finalised_by = actor.full_name
            doc.secretary = actor.full_name
            doc.finalised_at = selectors.when(now, meeting)
            data = pdf.minutes_pdf(doc)
            title = _("Minutes: %(meeting)s") % {"meeting": meeting.title}
        version = document_version_store(
            actor=actor,
            meeting=meeting,
            data=data,
            original_name=f"meeting-{meeting.pk}-minutes.pdf",
            title=textlimits.bounded(title[: textlimits.TITLE], limit=textlimits.TITLE, field=""),
        )
        record = Minutes.objects.create(
            meeting=meeting,
            version=version,
            sha256=version.sha256,
            language=meeting.language,
            finalised_by=actor,
            finalised_at=now,
            log_number=head.number if head else None,
            log_hash=head.hash if head else "",
            log_at=head.at if head else None,
        )
        log_act(
            meeting,
            actor,
            "minutes.finalised",
            sha256=version.sha256,
            document=version.document_id,
            version=version.number,
            log_head=head.hash if head else None,
        )
    return record
