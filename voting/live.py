"""What the voting app adds to the live layer (registered in apps.py): its
part of the snapshot and the ballot's socket command."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import NotFound
from live import registry
from live.commands import Frame
from live.groups import Audience
from meetings.models import Member
from meetings.projector_scenes import register_result_check
from voting import selectors, services


def handle_ballot_cast(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "ballot.cast", "poll_id": 5, "choices": [...], "nonce": ...}

    `receipt_code` is the old name of the nonce, still accepted."""
    poll_id = frame.optional_int("poll_id")
    if poll_id is None:
        raise NotFound(_("No such poll in this meeting."))
    receipt = services.ballot_cast(
        voter=actor,
        poll_id=poll_id,
        choices=frame.get("choices"),
        nonce=frame.text("nonce") or frame.text("receipt_code"),
        on_behalf_of=frame.optional_int("on_behalf_of"),
        meeting_id=meeting_id,
    )
    return {"receipt": receipt.as_dict()}


def handle_encrypted_ballot_cast(meeting_id: int, actor: Member, frame: Frame) -> dict[str, Any]:
    """{"type": "ballot.cast_encrypted", "poll_id": 5, "ballot": {...}, "nonce": ...}:
    an encrypted poll's ballot (docs/encrypted-ballots.md), as over REST."""
    poll_id = frame.optional_int("poll_id")
    if poll_id is None:
        raise NotFound(_("No such poll in this meeting."))
    receipt = services.encrypted_ballot_cast(
        voter=actor,
        poll_id=poll_id,
        ballot=frame.get("ballot"),
        nonce=frame.text("nonce"),
        on_behalf_of=frame.optional_int("on_behalf_of"),
        meeting_id=meeting_id,
    )
    return {"receipt": receipt.as_dict()}


def _shared(meeting_id: int, audience: Audience) -> dict[str, Any]:
    return selectors.voting_shared_snapshot(
        meeting_id=meeting_id,
        staff=audience is Audience.STAFF,
        sees_tally=audience is not Audience.MEMBERS,
    )


def _personal(shared: dict[str, Any], viewer: registry.Viewer) -> dict[str, Any]:
    return selectors.voting_viewer_snapshot(
        shared=shared, participant=getattr(viewer, "participant", None)
    )


def register() -> None:
    register_result_check(selectors.projector_result_shown)
    registry.register_snapshot_part(
        registry.SnapshotPart(app="voting", shared=_shared, personal=_personal)
    )
    registry.register_command("ballot.cast", handle_ballot_cast)
    registry.register_command("ballot.cast_encrypted", handle_encrypted_ballot_cast)
