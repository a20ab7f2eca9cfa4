"""What the meetings app adds to the live layer (registered in apps.py): who
a connecting client is, the meeting's event sequence, its part of the
snapshot, and the agenda's socket command."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from core.exceptions import NotAllowed, NotFound, NotLoggedIn
from live import registry
from live.commands import Frame
from live.groups import Audience
from meetings import selectors, services
from meetings.models import Meeting, Member
from meetings.selectors import PROJECTOR_VIEWER, Viewer


def resolve_viewer(meeting_id: int, user: Any, projector_token: str | None) -> Viewer:
    """Who is connecting. Raises NotLoggedIn, NotFound or NotAllowed."""
    if projector_token:
        meeting = services.projector_meeting(projector_token)
        if meeting.pk != meeting_id:
            raise NotAllowed(_("This projector link is for another meeting."))
        return PROJECTOR_VIEWER
    if user is None or not user.is_authenticated:
        raise NotLoggedIn(_("Log in first."))
    participant = selectors.participant_for(meeting_id, user)
    if participant is None:
        if not Meeting.objects.filter(pk=meeting_id).exists():
            raise NotFound(_("No such meeting."))
        raise NotAllowed(_("You are not on this meeting's roster."))
    return Viewer(role=participant.role, participant=participant)


def next_seq(meeting_id: int) -> int:
    """The UPDATE locks the meeting row until commit, so numbers are handed
    out in commit order."""
    Meeting.objects.filter(pk=meeting_id).update(event_seq=F("event_seq") + 1)
    return Meeting.objects.filter(pk=meeting_id).values_list("event_seq", flat=True).get()


def handle_agenda_advance(meeting_id: int, actor: Member, frame: Frame) -> None:
    """{"type": "agenda.advance", "direction": "next"} or {..., "item_id": 4}"""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    services.agenda_advance(
        actor=actor,
        meeting=meeting,
        direction=frame.get("direction"),
        item_id=frame.optional_int("item_id"),
    )


def handle_projector_scene(meeting_id: int, actor: Member, frame: Frame) -> None:
    """{"type": "projector.scene", "scene": "result"}"""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    services.projector_scene_set(actor=actor, meeting=meeting, scene=frame.text("scene"))


def _shared(meeting_id: int, _audience: Audience) -> dict[str, Any]:
    return selectors.meeting_shared_snapshot(meeting_id=meeting_id)


def _personal(_shared: dict[str, Any], viewer: registry.Viewer) -> dict[str, Any]:
    assert isinstance(viewer, Viewer)
    return selectors.meeting_viewer_snapshot(viewer=viewer)


def register() -> None:
    registry.register_meeting(
        registry.MeetingSource(
            resolve_viewer=resolve_viewer,
            current_seq=selectors.meeting_seq,
            next_seq=next_seq,
            crowd=lambda shared: int(shared["quorum"]["voters"]),
        )
    )
    registry.register_snapshot_part(
        registry.SnapshotPart(app="meetings", shared=_shared, personal=_personal)
    )
    registry.register_command("agenda.advance", handle_agenda_advance)
    registry.register_command("projector.scene", handle_projector_scene)
