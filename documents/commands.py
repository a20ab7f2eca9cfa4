"""Socket commands of the documents app. The meeting consumer (the one place
that composes the apps) lists them in its COMMANDS table; each takes
(meeting_id, actor, message), calls one service and raises DomainError on
refusal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from documents import selectors, services
from meetings.exceptions import InvalidInput, NotFound
from meetings.models import Meeting, Member


def _int(message: dict[str, Any], field: str) -> int:
    value = message.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
    return value


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def handle_present(meeting_id: int, actor: Member, message: dict[str, Any]) -> dict[str, Any]:
    """{"type": "document.present", "document_id": 3, "page": 2}"""
    meeting = _meeting(meeting_id)
    document = selectors.document_in_meeting(
        meeting=meeting, document_id=_int(message, "document_id")
    )
    presentation = services.presenter_show(
        actor=actor, meeting=meeting, document=document, page=_int(message, "page")
    )
    return {"document_id": document.pk, "page": presentation.page}


def handle_stop(meeting_id: int, actor: Member, message: dict[str, Any]) -> None:
    """{"type": "document.stop"}"""
    services.presenter_stop(actor=actor, meeting=_meeting(meeting_id))
