"""What the speakers app adds to the live layer (registered in apps.py): its
part of the snapshot and the socket commands of members and the chair."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, NotFound
from live import registry
from live.commands import Frame
from live.groups import Audience
from meetings.models import Meeting, Member
from speakers import selectors, services


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def handle_request(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "speaker.request", "kind": "speak"} (kind: speak, point_of_order,
    question, reply); the chair or a clerk adds "participant_id" (and may
    name "agenda_item_id")."""
    speech = services.speech_request(
        actor=actor,
        meeting=_meeting(meeting_id),
        kind=frame.text("kind") or "speak",
        agenda_item_id=frame.optional_int("agenda_item_id"),
        participant_id=frame.optional_int("participant_id"),
    )
    return {"speech_id": speech.pk}


def handle_withdraw(meeting_id: int, actor: Member, frame: Frame) -> None:
    """{"type": "speaker.withdraw", "speech_id": 7}"""
    services.speech_withdraw(
        actor=actor, meeting=_meeting(meeting_id), speech_id=frame.number("speech_id")
    )


def handle_reorder(meeting_id: int, actor: Member, frame: Frame) -> None:
    """{"type": "speakers.reorder", "speech_ids": [9, 7, 8]}"""
    ids = frame.get("speech_ids")
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise InvalidInput(_("speech_ids must be a list of numbers."))
    services.speakers_reorder(
        actor=actor,
        meeting=_meeting(meeting_id),
        speech_ids=ids,
        agenda_item_id=frame.optional_int("agenda_item_id"),
    )


def handle_call(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "speaker.call"} calls the next; {..., "speech_id": 7} that one."""
    speech = services.speaker_call(
        actor=actor,
        meeting=_meeting(meeting_id),
        agenda_item_id=frame.optional_int("agenda_item_id"),
        speech_id=frame.optional_int("speech_id"),
    )
    return {"speech_id": speech.pk if speech else None}


def _timer(action: str) -> registry.Handler:
    calls = {
        "start": services.speaker_start,
        "pause": services.speaker_pause,
        "stop": services.speaker_stop,
    }

    def handle(meeting_id: int, actor: Member, frame: Frame) -> None:
        calls[action](
            actor=actor,
            meeting=_meeting(meeting_id),
            agenda_item_id=frame.optional_int("agenda_item_id"),
        )

    handle.__doc__ = f'{{"type": "speaker.{action}"}}'
    return handle


def handle_close(meeting_id: int, actor: Member, frame: Frame) -> None:
    """{"type": "speakers.close", "closed": true} (false reopens)."""
    closed = frame.get("closed")
    if not isinstance(closed, bool):
        raise InvalidInput(_("closed must be true or false."))
    services.speakers_list_close(
        actor=actor,
        meeting=_meeting(meeting_id),
        closed=closed,
        agenda_item_id=frame.optional_int("agenda_item_id"),
    )


def _shared(meeting_id: int, audience: Audience) -> dict[str, Any]:
    return selectors.speakers_snapshot(meeting_id, members=audience is Audience.MEMBERS)


def register() -> None:
    registry.register_snapshot_part(registry.SnapshotPart(app="speakers", shared=_shared))
    registry.register_command("speaker.request", handle_request)
    registry.register_command("speaker.withdraw", handle_withdraw)
    registry.register_command("speakers.reorder", handle_reorder)
    registry.register_command("speaker.call", handle_call)
    registry.register_command("speaker.start", _timer("start"))
    registry.register_command("speaker.pause", _timer("pause"))
    registry.register_command("speaker.stop", _timer("stop"))
    registry.register_command("speakers.close", handle_close)
