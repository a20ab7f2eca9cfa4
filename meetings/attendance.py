"""Writes for attendance: check-in (badge, member number, by a clerk, room QR
code), remote presence, check-out and return, badges, one-time login links,
and the meeting's attendance settings.

Every presence change writes an AttendanceLog row in the same transaction and
asks, after commit, for a coalesced `attendance.changed` update. A refused
token (forged, expired, of another meeting, revoked, used) is logged at
WARNING (never the token itself) and changes nothing. Check-in attempts and
login-link use are rate limited (core.ratelimit).

The frozen roll (voting.services) and the quorum (meetings.selectors) read
`Participant.presence`; nothing else needs telling.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import ratelimit
from core.commit import after_commit
from core.exceptions import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from live import coalesce
from live.events import Audience
from meetings import checkin, log, permissions
from meetings.attendance_selectors import (
    attendance_live,
    badge_token_for,
    clock_time,
    last_check_in,
    participant_by_member_number,
    participants_by_name,
)
from meetings.checkin import BadToken, TokenFault
from meetings.events import ATTENDANCE_CHANGED
from meetings.models import (
    AttendanceLog,
    LoginToken,
    Meeting,
    Member,
    Membership,
    Participant,
    new_badge_key,
)
from meetings.selectors import participant_for
from meetings.services.common import lock_meeting, publish_meeting, publish_personal

logger = logging.getLogger(__name__)

Presence = Participant.Presence
Method = AttendanceLog.Method

STAFF_INTERVAL = 0.5
MEMBERS_INTERVAL = 2.0
MAX_LOGIN_MINUTES = 7 * 24 * 60
# A member who scanned the room code while logged out has this long to log in.
ROOM_LOGIN_GRACE_SECONDS = 300


class TokenRefused(DomainError):
    """A badge, room code or login link that does not (or no longer) work."""

    status = 400
    code = "invalid_token"


@dataclass(frozen=True)
class PresenceChange:
    participant: Participant
    entry: AttendanceLog


# --- live updates -----------------------------------------------------------------


def build_attendance(
    meeting_id: int, _subject: int, _audiences: tuple[Audience, ...]
) -> tuple[dict[str, Any], int]:
    """One unsequenced `attendance.changed`, from the database as it is now."""
    live = attendance_live(Meeting.objects.get(pk=meeting_id))
    return live, live["attendance"]["voters"]


# Per meeting: at most 2 updates a second to chair, clerks and projector, and
# to phones one every 2 s per thousand voters on the roster.
ATTENDANCE = coalesce.Stream(
    ATTENDANCE_CHANGED,
    "attendance",
    build_attendance,
    (
        coalesce.Pace("staff", (Audience.STAFF, Audience.PROJECTOR), STAFF_INTERVAL),
        coalesce.Pace("members", (Audience.MEMBERS,), MEMBERS_INTERVAL, crowd=True),
    ),
)


def attendance_changed(meeting_id: int) -> None:
    """After a presence change commits: schedule the coalesced updates."""
    ATTENDANCE.changed(meeting_id, meeting_id)


# --- helpers ----------------------------------------------------------------------


def _refuse(kind: str, fault: TokenFault, message: str, **context: object) -> NoReturn:
    details = " ".join(f"{key}={value}" for key, value in context.items())
    logger.warning("Refused %s token (%s) %s", kind, fault.value, details)
    raise TokenRefused(message, code=f"token_{fault.value}")


def _require_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."), code="meeting_closed")


def _lock_participant(participant: Participant) -> Participant:
    return (
        Participant.objects.select_for_update()
        .select_related("member", "meeting")
        .get(pk=participant.pk)
    )


def _already(participant: Participant, *, self_done: bool) -> NoReturn:
    """The clear refusal of a double check-in."""
    name = participant.member.full_name
    if participant.presence == Presence.REMOTE:
        message = (
            _("You are already present remotely.")
            if self_done
            else _("%(name)s is already present remotely.") % {"name": name}
        )
        raise Conflict(message, code="already_checked_in")
    last = last_check_in(participant)
    since = last.at if last else participant.presence_changed_at
    if self_done:
        message = _("You are already checked in (since %(time)s).") % {
            "time": clock_time(since, participant.meeting.zone)
        }
    elif last is not None and last.actor is not None:
        message = _("%(name)s is already checked in: since %(time)s, by %(by)s.") % {
            "name": name,
            "time": clock_time(last.at, participant.meeting.zone),
            "by": last.actor.full_name,
        }
    else:
        message = _("%(name)s is already checked in (since %(time)s).") % {
            "name": name,
            "time": clock_time(since, participant.meeting.zone),
        }
    raise Conflict(message, code="already_checked_in")


def _change(
    participant: Participant,
    *,
    presence: str,
    method: str,
    actor: Member,
    at: datetime | None = None,
) -> PresenceChange:
    """Set the (locked) participant's presence and log it."""
    at = at or timezone.now()
    entry = AttendanceLog.objects.create(
        meeting_id=participant.meeting_id,
        participant=participant,
        action=AttendanceLog.Action.CHECK_OUT
        if presence == Presence.ABSENT
        else AttendanceLog.Action.CHECK_IN,
        method=method,
        presence=presence,
        previous=participant.presence,
        actor=actor,
        at=at,
    )
    participant.presence = presence
    participant.presence_changed_at = at
    participant.save(update_fields=["presence", "presence_changed_at"])
    after_commit(attendance_changed, participant.meeting_id)
    publish_personal(participant)
    return PresenceChange(participant, entry)


def _check_in(
    participant: Participant, *, actor: Member, method: str, self_done: bool = False
) -> PresenceChange:
    participant = _lock_participant(participant)
    _require_open(participant.meeting)
    if participant.presence == Presence.ROOM:
        _already(participant, self_done=self_done)
    return _change(participant, presence=Presence.ROOM, method=method, actor=actor)


def _clerk_limit(actor: Member) -> None:
    ratelimit.hit("checkin", actor.pk, limit=settings.CHECKIN_RATE_LIMIT)


def _self_limit(actor: Member) -> None:
    ratelimit.hit("self-checkin", actor.pk, limit=settings.SELF_CHECKIN_RATE_LIMIT)


# --- check-in by a clerk ----------------------------------------------------------


@transaction.atomic
def badge_check_in(*, actor: Member, token: str, meeting: Meeting | None = None) -> PresenceChange:
    """A clerk (or the chair) scanned a badge: its participant is present in
    the room. With `meeting` (the clerk page's meeting) a badge of another
    meeting is refused; without (the badge URL opened by a phone camera) the
    badge names its meeting, and the actor must run that one.
    """
    _clerk_limit(actor)
    where = {"meeting": meeting.pk if meeting else None, "actor": actor.pk}
    try:
        claim = checkin.badge_parse(token)
    except BadToken as exc:
        _refuse("badge", exc.fault, _("This is not a valid badge."), **where)
    if meeting is not None and claim.meeting_id != meeting.pk:
        _refuse(
            "badge",
            TokenFault.OTHER_MEETING,
            _("This badge is for another meeting."),
            **where,
            badge_meeting=claim.meeting_id,
        )
    target = Meeting.objects.filter(pk=claim.meeting_id).first()
    if target is None:
        _refuse("badge", TokenFault.UNKNOWN, _("This badge's meeting no longer exists."), **where)
    permissions.require(actor=actor, meeting=target, action=permissions.ATTENDANCE_CHECK_IN)
    participant = (
        Participant.objects.select_related("member")
        .filter(pk=claim.participant_id, meeting=target)
        .first()
    )
    if participant is None:
        _refuse(
            "badge",
            TokenFault.UNKNOWN,
            _("The holder of this badge is no longer on the meeting's roster."),
            **where,
        )
    if participant.badge_key != claim.key:
        _refuse(
            "badge",
            TokenFault.REVOKED,
            _("This badge of %(name)s has been revoked. Check the member in by number.")
            % {"name": participant.member.full_name},
            **where,
            participant=participant.pk,
        )
    return _check_in(participant, actor=actor, method=Method.BADGE)


@transaction.atomic
def member_number_check_in(
    *, actor: Member, meeting: Meeting, member_number: str
) -> PresenceChange:
    """The fallback at the door: the clerk types the member number."""
    _clerk_limit(actor)
    permissions.require(actor=actor, meeting=meeting, action=permissions.ATTENDANCE_CHECK_IN)
    number = (member_number or "").strip()
    if not number:
        raise InvalidInput(_("Enter a member number."))
    participant = participant_by_member_number(meeting=meeting, member_number=number)
    if participant is None:
        # Members forget their number: a name (or part of one) that finds
        # exactly one participant will do; several are listed to choose from.
        named = participants_by_name(meeting=meeting, text=number)
        if len(named) > 1:
            raise Conflict(
                _("Several participants match %(text)s: %(names)s. Enter the member number.")
                % {
                    "text": number,
                    "names": "; ".join(
                        f"{p.member.full_name} ({p.member.member_number})" for p in named
                    ),
                },
                code="several_members_match",
            )
        if not named:
            raise NotFound(
                _("No single participant of this meeting has member number %(number)s.")
                % {"number": number},
                code="unknown_member_number",
            )
        participant = named[0]
    change = _check_in(participant, actor=actor, method=Method.MEMBER_NUMBER)
    log.log_append(
        meeting_id=meeting.pk,
        action="attendance.checked_in_by_number",
        actor=actor,
        data={"participant": participant.pk, "member": participant.member.full_name},
    )
    return change


@transaction.atomic
def participant_check_in(*, actor: Member, participant: Participant) -> PresenceChange:
    """A clerk checks a participant in from the list (also their return after
    a check-out)."""
    _clerk_limit(actor)
    permissions.require(
        actor=actor, meeting=participant.meeting, action=permissions.ATTENDANCE_CHECK_IN
    )
    change = _check_in(participant, actor=actor, method=Method.MANUAL)
    log.log_append(
        meeting_id=participant.meeting_id,
        action="attendance.checked_in_by_clerk",
        actor=actor,
        data={"participant": participant.pk, "member": change.participant.member.full_name},
    )
    return change


@transaction.atomic
def participant_check_out(*, actor: Member, participant: Participant) -> PresenceChange:
    """The participant leaves (themselves, or a clerk for them). Polls opened
    after this do not entitle them; polls already open keep their roll."""
    self_done = participant.member_id == actor.pk
    if not self_done:
        _clerk_limit(actor)
        permissions.require(
            actor=actor, meeting=participant.meeting, action=permissions.ATTENDANCE_CHECK_IN
        )
    participant = _lock_participant(participant)
    _require_open(participant.meeting)
    if participant.presence == Presence.ABSENT:
        raise Conflict(
            _("You are not checked in.")
            if self_done
            else _("%(name)s is not checked in.") % {"name": participant.member.full_name},
            code="not_checked_in",
        )
    change = _change(
        participant,
        presence=Presence.ABSENT,
        method=Method.SELF if self_done else Method.MANUAL,
        actor=actor,
    )
    if not self_done:
        log.log_append(
            meeting_id=participant.meeting_id,
            action="attendance.checked_out_by_clerk",
            actor=actor,
            data={"participant": participant.pk, "member": participant.member.full_name},
        )
    return change


# --- self check-in: the room code and remote presence ------------------------------


@dataclass(frozen=True)
class RoomCode:
    token: str
    window: int
    refresh_in: float  # seconds until the projector should fetch the next code


def room_code(meeting: Meeting) -> RoomCode:
    """The room code of the current window."""
    now = checkin.clock()
    window = checkin.room_window(now)
    return RoomCode(
        token=checkin.room_token(meeting_id=meeting.pk, window=window),
        window=window,
        refresh_in=max(0.0, checkin.window_ends(window) - now),
    )


def room_code_for_projector(meeting: Meeting) -> RoomCode | None:
    """What the projector shows: the current code, or None while room self
    check-in is off or the meeting is closed. The caller has checked the
    projector link (meetings.services.projector_meeting)."""
    if not meeting.room_checkin_enabled or meeting.status == Meeting.Status.CLOSED:
        return None
    return room_code(meeting)


@transaction.atomic
def room_check_in(
    *, actor: Member, meeting_id: int, token: str, seen_at: float | None = None
) -> PresenceChange:
    """A logged-in participant scanned the projector's code: present in the room.

    The code must be of this meeting and of the current or the previous
    30-second window; room self check-in must be on. `seen_at`: when this
    browser first opened the code, logged out (kept in its session); a code
    valid then is accepted for ROOM_LOGIN_GRACE_SECONDS, the time to log in.
    """
    _self_limit(actor)
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    participant = participant_for(meeting.pk, actor)
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    try:
        now = checkin.clock()
        try:
            checkin.room_token_check(meeting_id=meeting.pk, token=token, at=now)
        except BadToken as exc:
            if exc.fault is not TokenFault.EXPIRED or seen_at is None:
                raise
            if not 0 <= now - seen_at <= ROOM_LOGIN_GRACE_SECONDS:
                raise
            checkin.room_token_check(meeting_id=meeting.pk, token=token, at=seen_at)
    except BadToken as exc:
        message = (
            _("This check-in code has expired. Scan the code on the screen again.")
            if exc.fault is TokenFault.EXPIRED
            else _("This check-in code is not valid for this meeting.")
        )
        _refuse("room", exc.fault, message, meeting=meeting.pk, actor=actor.pk)
    if not meeting.room_checkin_enabled:
        raise Conflict(
            _("Self check-in is switched off for this meeting. Please see a clerk at the door."),
            code="room_checkin_off",
        )
    return _check_in(participant, actor=actor, method=Method.ROOM_QR, self_done=True)


@transaction.atomic
def remote_presence_confirm(*, actor: Member, meeting: Meeting) -> PresenceChange:
    """A member following the livestream confirms they are present remotely.
    Only where the meeting allows remote participation."""
    _self_limit(actor)
    participant = participant_for(meeting.pk, actor)
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    participant = _lock_participant(participant)
    meeting = participant.meeting
    _require_open(meeting)
    if not meeting.allow_remote_participation:
        raise Conflict(
            _("This meeting does not allow remote participation."), code="remote_not_allowed"
        )
    if participant.presence == Presence.REMOTE:
        _already(participant, self_done=True)
    if participant.presence == Presence.ROOM:
        raise Conflict(
            _("You are checked in in the room. Check out first if you are leaving."),
            code="already_checked_in",
        )
    return _change(participant, presence=Presence.REMOTE, method=Method.REMOTE, actor=actor)


# --- settings and badges --------------------------------------------------------


@transaction.atomic
def attendance_settings_update(
    *,
    actor: Member,
    meeting: Meeting,
    room_checkin_enabled: bool | None = None,
    allow_remote_participation: bool | None = None,
) -> Meeting:
    """Switch room self check-in and remote participation on or off (chair or
    clerk). Presence already recorded stays as it is."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.MEETING_EDIT)
    meeting = lock_meeting(meeting)
    changed: dict[str, bool] = {}
    if room_checkin_enabled is not None:
        meeting.room_checkin_enabled = room_checkin_enabled
        changed["room_checkin_enabled"] = room_checkin_enabled
    if allow_remote_participation is not None:
        meeting.allow_remote_participation = allow_remote_participation
        changed["allow_remote_participation"] = allow_remote_participation
    if not changed:
        return meeting
    meeting.save(update_fields=[*changed])
    publish_meeting(meeting)
    log.log_append(
        meeting_id=meeting.pk, action="attendance.settings_changed", actor=actor, data=changed
    )
    after_commit(attendance_changed, meeting.pk)
    return meeting


def badge_token(*, actor: Member, participant: Participant) -> str:
    """The participant's badge token: for themselves, or for the chair/clerks."""
    if participant.member_id != actor.pk:
        permissions.require(
            actor=actor, meeting=participant.meeting, action=permissions.BADGES_ISSUE
        )
    return badge_token_for(participant)


@transaction.atomic
def badge_revoke(*, actor: Member, participant: Participant) -> str:
    """Revoke the participant's badge (lost, or copied) and return the new token."""
    permissions.require(actor=actor, meeting=participant.meeting, action=permissions.BADGES_ISSUE)
    participant = _lock_participant(participant)
    participant.badge_key = new_badge_key()
    participant.save(update_fields=["badge_key"])
    log.log_append(
        meeting_id=participant.meeting_id,
        action="attendance.badge_revoked",
        actor=actor,
        data={"participant": participant.pk, "member": participant.member.full_name},
    )
    return badge_token_for(participant)


# --- one-time login links ----------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    login_token: LoginToken
    participant: Participant
    token: str  # shown once: only its hash is stored


def _login_link_refusal(participants: list[Participant]) -> dict[int, str]:
    """Why a participant may not get a login link, by participant id.

    A link logs its holder in without a password, so it is never made for
    anyone whose account can run something: staff, union officers, or the
    chair or a clerk of any meeting. Three queries.
    """
    member_ids = [p.member_id for p in participants]
    officers = set(
        Membership.objects.filter(
            member_id__in=member_ids, role=Membership.Role.OFFICER
        ).values_list("member_id", flat=True)
    )
    controllers = set(
        Participant.objects.filter(
            member_id__in=member_ids, role__in=[Participant.Role.CHAIR, Participant.Role.CLERK]
        ).values_list("member_id", flat=True)
    )
    staff = set(
        Member.objects.filter(
            Q(is_staff=True) | Q(is_superuser=True), pk__in=member_ids
        ).values_list("pk", flat=True)
    )
    refused = {}
    for p in participants:
        if p.member_id in staff or p.member_id in officers or p.member_id in controllers:
            refused[p.pk] = _(
                "%(name)s runs meetings or the union; they log in with their password."
            ) % {"name": p.member.full_name}
        elif not p.member.is_active:
            refused[p.pk] = _("%(name)s's account is disabled.") % {"name": p.member.full_name}
    return refused


@transaction.atomic
def login_invitations_create(
    *,
    actor: Member,
    meeting: Meeting,
    participant_ids: list[int] | None = None,
    valid_minutes: int | None = None,
) -> list[Invitation]:
    """One-time login links for the given participants (or for every
    participant who may have one), valid for `valid_minutes`. A new link
    revokes the participant's earlier unused ones (a reprint replaces a lost
    sheet). Chair or clerk only."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.INVITATIONS_MANAGE)
    meeting = lock_meeting(meeting)
    _require_open(meeting)
    minutes = settings.LOGIN_TOKEN_MINUTES if valid_minutes is None else valid_minutes
    if not 1 <= minutes <= MAX_LOGIN_MINUTES:
        raise InvalidInput(
            _("A login link is valid for 1 to %(max)d minutes.") % {"max": MAX_LOGIN_MINUTES}
        )
    participants = list(
        Participant.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__full_name", "pk")
    )
    if participant_ids is not None:
        wanted = set(participant_ids)
        participants = [p for p in participants if p.pk in wanted]
        if len(participants) != len(wanted):
            raise NotFound(_("No such participant in this meeting."))
    refused = _login_link_refusal(participants)
    if participant_ids is not None and refused:
        raise InvalidInput(next(iter(refused.values())), code="login_link_not_allowed")
    participants = [p for p in participants if p.pk not in refused]
    now = timezone.now()
    LoginToken.objects.filter(
        participant__in=participants, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitations = []
    for participant in participants:
        token, token_hash = checkin.login_token_new()
        row = LoginToken.objects.create(
            meeting=meeting,
            participant=participant,
            token_hash=token_hash,
            created_by=actor,
            expires_at=now + timedelta(minutes=minutes),
        )
        invitations.append(Invitation(row, participant, token))
    if invitations:
        log.log_append(
            meeting_id=meeting.pk,
            action="attendance.login_links_created",
            actor=actor,
            data={"count": len(invitations), "valid_minutes": minutes},
        )
    return invitations


@transaction.atomic
def login_invitation_revoke(*, actor: Member, login_token: LoginToken) -> LoginToken:
    permissions.require(
        actor=actor, meeting=login_token.meeting, action=permissions.INVITATIONS_MANAGE
    )
    row = LoginToken.objects.select_for_update().get(pk=login_token.pk)
    if row.revoked_at is not None or row.used_at is not None:
        raise Conflict(_("This login link is already used or revoked."))
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    return row


def _login_token_row(token: str, *, client: str, lock: bool) -> LoginToken:
    ratelimit.hit("login-token", client, limit=settings.LOGIN_TOKEN_RATE_LIMIT)
    rows = LoginToken.objects.select_related("participant__member", "meeting__union")
    if lock:
        rows = rows.select_for_update()
    row = rows.filter(token_hash=checkin.login_token_hash(token or "")).first()
    where = {"client": client}
    if row is None:
        _refuse("login", TokenFault.FORGED, _("This login link is not valid."), **where)
    where["login_token"] = str(row.pk)
    if row.revoked_at is not None:
        _refuse(
            "login",
            TokenFault.REVOKED,
            _("This login link has been revoked. Ask a clerk for a new one."),
            **where,
        )
    if row.used_at is not None:
        _refuse(
            "login",
            TokenFault.USED,
            _("This login link has already been used. Ask a clerk for a new one."),
            **where,
        )
    if row.expires_at <= timezone.now():
        _refuse(
            "login",
            TokenFault.EXPIRED,
            _("This login link has expired. Ask a clerk for a new one."),
            **where,
        )
    refusal = _login_link_refusal([row.participant]).get(row.participant.pk)
    if refusal:
        _refuse("login", TokenFault.REVOKED, refusal, **where)
    return row


def login_token_peek(*, token: str, client: str) -> LoginToken:
    """The invitation behind a login link, without using it (the page that
    asks "Log in as ...?"). Counts towards the rate limit."""
    return _login_token_row(token, client=client, lock=False)


@transaction.atomic
def login_token_redeem(*, token: str, client: str) -> LoginToken:
    """Use a one-time login link: marks it used and returns it; the caller
    logs `login_token.participant.member` in. `client` (the caller's address)
    keys the rate limit."""
    row = _login_token_row(token, client=client, lock=True)
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row
