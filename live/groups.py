"""Who receives an event: the audiences of a meeting, one group each.

Broadcasts go to these role groups, never computed per user on the hot path.
"""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    MEMBERS = "members"  # voters and observers
    STAFF = "staff"  # chair and clerks
    PROJECTOR = "projector"


EVERYONE = tuple(Audience)


def group_name(meeting_id: int, audience: Audience) -> str:
    return f"meeting.{meeting_id}.{audience.value}"
