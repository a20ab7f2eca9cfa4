"""The meetings app's event types on the meeting socket (see live.catalogue
and docs/protocol.md), with their payloads as clients receive them: JSON, so
datetimes and decimal weights are strings. The selectors build them
(meetings.selectors, meetings.attendance_selectors)."""

from __future__ import annotations

from typing import TypedDict

from live import catalogue


class AgendaItemPayload(TypedDict):
    id: int
    position: int
    title: str
    description: str
    state: str  # pending, current, done


class AgendaChanged(TypedDict):
    agenda: list[AgendaItemPayload]
    current_item_id: int | None


class UnionRef(TypedDict):
    id: int
    name: str


class MeetingPayload(TypedDict):
    id: int
    title: str
    union: UnionRef
    starts_at: str
    location: str
    livestream_url: str
    status: str  # scheduled, live, closed
    room_checkin_enabled: bool
    allow_remote_participation: bool


class MeetingChanged(TypedDict):
    meeting: MeetingPayload


class RosterSummary(TypedDict):
    participants: int
    voters: int
    voting_weight: str


class RosterChanged(TypedDict):
    roster: RosterSummary


class QuorumStatus(TypedDict):
    kind: str  # none, count, share
    voters: int
    present: int
    total_weight: str
    present_weight: str
    required: int | str | None  # voters (count), weight (share), None (no quorum)
    met: bool
    tracked: bool  # presence required or anyone checked in
    attending: int  # voters checked in, in the room or remote


class QuorumChanged(TypedDict):
    quorum: QuorumStatus


class PresenceCount(TypedDict):
    voters: int
    weight: str


class AttendanceSummary(TypedDict):
    room: PresenceCount
    remote: PresenceCount
    absent: PresenceCount
    voters: int
    total_weight: str


class AttendanceChanged(TypedDict):
    meeting_id: int
    attendance: AttendanceSummary
    quorum: QuorumStatus
    room_checkin_enabled: bool
    allow_remote_participation: bool


class ProjectorState(TypedDict):
    scene: str  # meetings.projector_scenes.SCENES
    since: str | None  # when the chair last chose or moved on


class ProjectorChanged(TypedDict):
    projector: ProjectorState


AGENDA_CHANGED = catalogue.declare("agenda.changed", AgendaChanged, sequenced=True)
MEETING_CHANGED = catalogue.declare("meeting.changed", MeetingChanged, sequenced=True)
ROSTER_CHANGED = catalogue.declare("roster.changed", RosterChanged, sequenced=True)
QUORUM_CHANGED = catalogue.declare("quorum.changed", QuorumChanged, sequenced=True)
PROJECTOR_CHANGED = catalogue.declare("projector.changed", ProjectorChanged, sequenced=True)
# Coalesced per meeting (meetings.attendance.ATTENDANCE): a thousand check-ins
# at the door must not be a thousand broadcasts. It carries the quorum too.
ATTENDANCE_CHANGED = catalogue.declare(
    "attendance.changed", AttendanceChanged, sequenced=False, coalesced=True
)
