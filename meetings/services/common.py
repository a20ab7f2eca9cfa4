"""Helpers the meetings services share: permission checks, the meeting's row
lock, publishing and logging, input cleaning."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core import textlimits
from core.commit import after_commit
from core.exceptions import InvalidInput
from live import events, personal
from meetings import log
from meetings.events import AGENDA_CHANGED, MEETING_CHANGED, QUORUM_CHANGED, ROSTER_CHANGED
from meetings.models import (
    Meeting,
    Member,
    Participant,
)
from meetings.selectors import (
    Viewer,
    agenda_payload,
    meeting_payload,
    quorum_status,
    roster_summary,
)


def lock_meeting(meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock; serialises writes to one meeting."""
    return Meeting.objects.select_for_update().select_related("union").get(pk=meeting.pk)


def log_act(meeting: Meeting, actor: Member, action: str, **data: Any) -> None:
    """Append the act to the meeting's hash-chained log (see meetings.log)."""
    log.log_append(meeting_id=meeting.pk, action=action, actor=actor, data=data)


def publish_agenda(meeting: Meeting) -> None:
    events.publish(meeting.pk, AGENDA_CHANGED, agenda_payload(meeting.pk))


def publish_meeting(meeting: Meeting) -> None:
    events.publish(meeting.pk, MEETING_CHANGED, {"meeting": meeting_payload(meeting)})


def publish_roster(meeting: Meeting) -> None:
    """roster.changed, and after commit the attendance update: the roster's
    voters are what the quorum and the attendance counts count."""
    # Imported here: meetings.attendance imports this module.
    from meetings.attendance import attendance_changed

    events.publish(meeting.pk, ROSTER_CHANGED, {"roster": roster_summary(meeting.pk)})
    after_commit(attendance_changed, meeting.pk)


def publish_personal(*participants: Participant) -> None:
    """Each participant's own screens get their presence, weight, proxies
    and roll entries anew after commit (live.personal)."""
    for participant in participants:
        # Read back: the row as stored (a weight of "1.5" reads "1.5000").
        stored = Participant.objects.select_related("member").get(pk=participant.pk)
        personal.publish(stored.meeting_id, Viewer(role=stored.role, participant=stored))


def clean_weight(value: Decimal | str | int | None, default: Decimal) -> Decimal:
    if value is None:
        return default
    try:
        weight = Decimal(str(value))
    except ArithmeticError as exc:
        raise InvalidInput(_("The vote weight must be a number.")) from exc
    if not weight.is_finite() or weight < 0:
        raise InvalidInput(_("The vote weight must be zero or more."))
    if weight != weight.quantize(Decimal("0.0001")) or weight >= Decimal(10) ** 8:
        raise InvalidInput(_("The vote weight may have at most 4 decimals and 8 digits."))
    return weight


def clean_title(title: str, *, limit: int = textlimits.TITLE) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("A title is required."))
    return textlimits.bounded(title, limit=limit, field=_("The title"))


def clean_description(description: str) -> str:
    return textlimits.bounded(
        (description or "").strip(), limit=textlimits.DESCRIPTION, field=_("The description")
    )


def publish_quorum(meeting: Meeting) -> None:
    events.publish(meeting.pk, QUORUM_CHANGED, {"quorum": quorum_status(meeting)})
