"""What the documents app adds to the live layer (registered in apps.py): its
part of the snapshot and the presenter's socket commands."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import NotFound
from documents import selectors, services
from live import registry
from live.commands import Frame
from live.groups import Audience
from meetings.models import Meeting, Member


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def handle_present(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "document.present", "document_id": 3, "page": 2}"""
    meeting = _meeting(meeting_id)
    document = selectors.document_in_meeting(
        meeting=meeting, document_id=frame.number("document_id")
    )
    presentation = services.presenter_show(
        actor=actor, meeting=meeting, document=document, page=frame.number("page")
    )
    return {"document_id": document.pk, "page": presentation.page}


def handle_stop(meeting_id: int, actor: Member, frame: Frame) -> None:
    """{"type": "document.stop"}"""
    services.presenter_stop(actor=actor, meeting=_meeting(meeting_id))


def _shared(meeting_id: int, _audience: Audience) -> dict[str, Any]:
    return selectors.documents_snapshot(meeting_id=meeting_id)


def register() -> None:
    registry.register_snapshot_part(registry.SnapshotPart(app="documents", shared=_shared))
    registry.register_command("document.present", handle_present)
    registry.register_command("document.stop", handle_stop)
