"""Reads for attendance: the log, its sentences, badges, and the CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.downloads import CsvFile, local_time, render_csv
from core.exceptions import NotFound
from meetings import checkin
from meetings.models import AttendanceLog, LoginToken, Meeting, Participant
from meetings.selectors import attendance_summary, quorum_status, voters_presence

RECENT_LIMIT = 200


def clock_time(value: Any, zone: tzinfo | None = None) -> str:
    """A time as people at the door read it, in the meeting's zone: 10:42."""
    return timezone.localtime(value, zone).strftime("%H:%M") if value else ""


def entry_sentence(entry: AttendanceLog) -> str:
    """What the clerk (or the member) reads after a change."""
    values = {
        "name": entry.participant.member.full_name,
        "time": clock_time(entry.at, entry.meeting.zone),
        "by": entry.actor.full_name if entry.actor else _("the system"),
    }
    self_done = entry.actor_id == entry.participant.member_id
    if entry.action == AttendanceLog.Action.CHECK_OUT:
        if self_done:
            return _("%(name)s checked out %(time)s.") % values
        return _("%(name)s checked out %(time)s by %(by)s.") % values
    if entry.presence == Participant.Presence.REMOTE:
        return _("%(name)s is present remotely since %(time)s.") % values
    if entry.method == AttendanceLog.Method.ROOM_QR:
        return _("%(name)s checked in %(time)s with the room QR code.") % values
    if self_done:
        return _("%(name)s checked in %(time)s.") % values
    return _("%(name)s checked in %(time)s by %(by)s.") % values


def entry_payload(entry: AttendanceLog) -> dict[str, Any]:
    participant = entry.participant
    return {
        "id": entry.pk,
        "participant_id": participant.pk,
        "name": participant.member.full_name,
        "member_number": participant.member.member_number,
        "role": participant.role,
        "action": entry.action,
        "method": entry.method,
        "presence": entry.presence,
        "previous": entry.previous,
        "current_presence": participant.presence,
        "at": entry.at,
        "time": clock_time(entry.at, entry.meeting.zone),
        "by": entry.actor.full_name if entry.actor else None,
        "message": entry_sentence(entry),
    }


def attendance_entries(*, meeting: Meeting, limit: int = 50) -> QuerySet[AttendanceLog]:
    """The newest log entries first (at most RECENT_LIMIT)."""
    limit = max(1, min(limit, RECENT_LIMIT))
    return AttendanceLog.objects.filter(meeting=meeting).select_related(
        "participant__member", "actor", "meeting"
    )[:limit]


def last_check_in(participant: Participant) -> AttendanceLog | None:
    return (
        AttendanceLog.objects.filter(participant=participant, action=AttendanceLog.Action.CHECK_IN)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def attendance_live(meeting: Meeting) -> dict[str, Any]:
    """Presence counts and weights with the quorum: what `attendance.changed`
    carries and GET /api/meetings/{id}/attendance/ answers. Two queries."""
    voters = voters_presence(meeting)
    return {
        "meeting_id": meeting.pk,
        "attendance": attendance_summary(voters),
        "quorum": quorum_status(meeting, voters=voters),
        "room_checkin_enabled": meeting.room_checkin_enabled,
        "allow_remote_participation": meeting.allow_remote_participation,
    }


def login_token_get(*, meeting: Meeting, login_token_id: int) -> LoginToken:
    row = LoginToken.objects.filter(meeting=meeting, pk=login_token_id).first()
    if row is None:
        raise NotFound(_("No such login link in this meeting."))
    return row


def participant_by_member_number(*, meeting: Meeting, member_number: str) -> Participant | None:
    """The participant with this member number, whatever its case (`d005` is
    `D005`), or None (also when several participants share it: then only
    the badge tells them apart)."""
    matches = list(
        Participant.objects.filter(
            meeting=meeting, member__member_number__iexact=member_number.strip()
        ).select_related("member")[:2]
    )
    return matches[0] if len(matches) == 1 else None


NAME_MATCH_LIMIT = 6


def participants_by_name(*, meeting: Meeting, text: str) -> list[Participant]:
    """Participants whose name contains `text` (any case), by name; at most
    NAME_MATCH_LIMIT, enough for the door to tell the clerk to narrow down."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(
        Participant.objects.filter(meeting=meeting, member__full_name__icontains=text)
        .select_related("member")
        .order_by("member__full_name", "pk")[:NAME_MATCH_LIMIT]
    )


def badge_token_for(participant: Participant) -> str:
    return checkin.badge_token(
        meeting_id=participant.meeting_id, participant_id=participant.pk, key=participant.badge_key
    )


@dataclass(frozen=True)
class BadgeRow:
    participant: Participant
    token: str


def badge_rows(*, meeting: Meeting) -> list[BadgeRow]:
    """Every participant with their badge token, by name."""
    participants = (
        Participant.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__full_name", "pk")
    )
    return [BadgeRow(p, badge_token_for(p)) for p in participants]


# --- CSV --------------------------------------------------------------------------


def attendance_csv(*, meeting: Meeting) -> CsvFile:
    """One row per participant: presence now, first check-in, last change,
    and every change of the attendance log after the roster. UTF-8 with BOM;
    times in the meeting's zone with their offset."""
    zone = meeting.zone
    participants = list(
        Participant.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__full_name", "pk")
    )
    entries = list(
        AttendanceLog.objects.filter(meeting=meeting)
        .select_related("participant__member", "actor")
        .order_by("at", "id")
    )
    first_in: dict[int, AttendanceLog] = {}
    last: dict[int, AttendanceLog] = {}
    for entry in entries:
        if entry.action == AttendanceLog.Action.CHECK_IN:
            first_in.setdefault(entry.participant_id, entry)
        last[entry.participant_id] = entry
    presence = dict(Participant.Presence.choices)
    methods = dict(AttendanceLog.Method.choices)
    roles = dict(Participant.Role.choices)
    actions = dict(AttendanceLog.Action.choices)
    header = [
        _("Name"),
        _("Member number"),
        _("Role"),
        _("Weight"),
        _("Presence"),
        _("First checked in"),
        _("Last change"),
        _("Method"),
        _("By"),
    ]
    rows: list[list[Any]] = []
    for p in participants:
        first, latest = first_in.get(p.pk), last.get(p.pk)
        rows.append(
            [
                p.member.full_name,
                p.member.member_number,
                roles.get(p.role, p.role),
                p.vote_weight.normalize(),
                presence.get(p.presence, p.presence),
                local_time(first.at if first else None, zone),
                local_time(latest.at if latest else None, zone),
                methods.get(latest.method, latest.method) if latest else "",
                (latest.actor.full_name if latest and latest.actor else ""),
            ]
        )
    rows.append([])
    rows.append([_("Attendance log")])
    rows.append([_("Time"), _("Name"), _("Member number"), _("Action"), _("Method"), _("By")])
    for entry in entries:
        rows.append(
            [
                local_time(entry.at, zone),
                entry.participant.member.full_name,
                entry.participant.member.member_number,
                f"{actions.get(entry.action, entry.action)}: "
                f"{presence.get(entry.presence, entry.presence)}",
                methods.get(entry.method, entry.method),
                entry.actor.full_name if entry.actor else "",
            ]
        )
    return CsvFile(f"meeting-{meeting.pk}-attendance.csv", render_csv(header, rows))
