"""What the motions app adds to the live layer (registered in apps.py): its
part of the snapshot and its socket commands."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import NotFound
from live import registry
from live.commands import Frame
from live.groups import Audience
from meetings.models import Meeting, Member
from motions import selectors, services


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def handle_support(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "motion.support", "motion_id": 3, "support": true}"""
    motion = selectors.motion_in_meeting(
        meeting=_meeting(meeting_id), motion_id=frame.number("motion_id")
    )
    support = frame.get("support") is not False
    services.motion_support(actor=actor, motion=motion, support=support)
    return {"motion_id": motion.pk, "support": support}


def handle_project(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "motion.project", "motion_id": 3, "amendment_id": 5} (motion_id null hides)"""
    motion_id = frame.optional_int("motion_id")
    amendment_id = frame.optional_int("amendment_id")
    services.motion_project(
        actor=actor, meeting=_meeting(meeting_id), motion_id=motion_id, amendment_id=amendment_id
    )
    return {"motion_id": motion_id, "amendment_id": amendment_id}


def _shared(meeting_id: int, _audience: Audience) -> dict[str, Any]:
    return selectors.motions_snapshot(meeting_id)


def register() -> None:
    registry.register_snapshot_part(registry.SnapshotPart(app="motions", shared=_shared))
    registry.register_command("motion.support", handle_support)
    registry.register_command("motion.project", handle_project)
