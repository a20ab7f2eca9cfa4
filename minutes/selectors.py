"""Reads: the minutes of a meeting as one structure that the page and the
PDF both lay out, and the notes as the API gives them.

`minutes_compose` reads in the active language: callers wrap it in
`translation.override(meeting.language)` so that labels, the result
sentences and the dates are in the meeting's language. Times are read in the
meeting's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.exceptions import NotFound
from meetings import permissions
from meetings.models import (
    AgendaItem,
    AttendanceLog,
    Meeting,
    MeetingEvent,
    Member,
    Participant,
    Proxy,
)
from meetings.selectors import meeting_get_for_viewer
from minutes.models import Minutes, MinutesNote
from minutes.permissions import MINUTES_VIEW
from motions.models import Amendment, Motion, Resolution, TextVersion
from motions.selectors import current_text
from speakers.models import Speech
from voting import keys
from voting.audit import group_hex
from voting.models import (
    BASE_CHOICES,
    KIND_CHOICES,
    MAJORITY_CHOICES,
    TIE_CHOICES,
    Poll,
    PollSeal,
)
from voting.selectors import result_sentence

SHOWN_POLL_STATES = (
    Poll.State.OPEN,
    Poll.State.CLOSED,
    Poll.State.PUBLISHED,
    Poll.State.CANCELLED,
)


@dataclass
class OptionLine:
    label: str
    ballots: int
    weight: str


@dataclass
class PollLine:
    id: int
    title: str
    kind: str
    secrecy: str
    state: str
    majority: str
    base: str
    tie: str
    opened_at: str
    closed_at: str
    options: list[OptionLine]
    ballots: int | None
    cast_weight: str
    abstain_weight: str
    valid_weight: str
    base_weight: str
    required: str
    present_weight: str
    entitled_weight: str
    sentence: str
    fingerprint: str
    head_hash: str
    cancel_reason: str


@dataclass
class AmendmentLine:
    number: str
    change: str
    paragraph: int
    text: str
    state: str
    sentence: str


@dataclass
class ResolutionLine:
    title: str
    state: str
    text: str
    sha256: str
    sentence: str


@dataclass
class MotionLine:
    number: int
    title: str
    submitter: str
    state: str
    text: str
    text_is_final: bool
    sha256: str
    sentence: str
    referred_to: str
    amendments: list[AmendmentLine]


@dataclass
class SpeechLine:
    name: str
    kind: str
    started_at: str
    seconds: int


@dataclass
class ItemMinutes:
    id: int
    position: int
    title: str
    started_at: str
    speeches: list[SpeechLine] = field(default_factory=list)
    motions: list[MotionLine] = field(default_factory=list)
    polls: list[PollLine] = field(default_factory=list)
    note: str = ""


@dataclass
class AttendanceRow:
    name: str
    member_number: str
    role: str
    presence: str
    presence_code: str
    weight: str


@dataclass
class Attendance:
    rows: list[AttendanceRow]
    room: int
    remote: int
    absent: int
    room_weight: str
    remote_weight: str
    absent_weight: str
    voters: int
    proxies: list[tuple[str, str]]


@dataclass
class LogHead:
    number: int
    hash: str
    at: str


@dataclass
class MinutesDoc:
    meeting_id: int
    union: str
    title: str
    date: str
    place: str
    chair: str
    secretary: str
    status: str
    started_at: str
    closed_at: str
    attendance: Attendance
    items: list[ItemMinutes]
    other_polls: list[PollLine]
    other_motions: list[MotionLine]
    resolution: ResolutionLine | None
    log_head: LogHead | None
    finalised: bool
    finalised_at: str
    finalised_by: str
    sha256: str
    language: str
    key_fingerprint: str


def when(value: datetime | None, meeting: Meeting, fmt: str = "DATETIME_FORMAT") -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value, meeting.zone), fmt)


def _clock(value: datetime | None, meeting: Meeting) -> str:
    return timezone.localtime(value, meeting.zone).strftime("%H:%M") if value else ""


def _weight(value: Any) -> str:
    """A weight as people read it: 12, not 12.0000."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


def _label(choices: list[tuple[str, Any]], value: str) -> str:
    return str(dict(choices).get(value, value))


def _option_label(option: dict[str, Any]) -> str:
    """Yes, No and Abstain in the minutes' language (stored in whoever
    created the poll's); options and candidates as written."""
    fixed = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
    return fixed.get(option.get("role", ""), str(option.get("label", "")))


def poll_line(poll: Poll, meeting: Meeting) -> PollLine:
    result: dict[str, Any] = poll.result or {}
    sealed = poll.state in (Poll.State.CLOSED, Poll.State.PUBLISHED)
    head_hash = ""
    if sealed:
        try:
            head_hash = poll.seal.head_hash
        except PollSeal.DoesNotExist:
            head_hash = ""
    return PollLine(
        id=poll.pk,
        title=poll.title,
        kind=_label(KIND_CHOICES, poll.kind),
        secrecy=poll.get_secrecy_display(),
        state=poll.get_state_display(),
        majority=_label(MAJORITY_CHOICES, poll.majority),
        base=_label(BASE_CHOICES, poll.base),
        tie=_label(TIE_CHOICES, poll.tie_rule),
        opened_at=_clock(poll.opened_at, meeting),
        closed_at=_clock(poll.closed_at, meeting),
        options=[
            OptionLine(_option_label(o), int(o.get("ballots", 0)), _weight(o.get("weight")))
            for o in result.get("options", [])
        ]
        if sealed
        else [],
        ballots=result.get("ballots") if sealed else None,
        cast_weight=_weight(result.get("cast_weight")) if sealed else "",
        abstain_weight=_weight(result.get("abstain_weight")) if sealed else "",
        valid_weight=_weight(result.get("valid_weight")) if sealed else "",
        base_weight=_weight(result.get("base_weight")) if sealed else "",
        required=_weight(result.get("required")) if sealed else "",
        present_weight=_weight(result.get("present_weight")) if sealed else "",
        entitled_weight=_weight(result.get("entitled_weight") or poll.entitled_weight),
        sentence=result_sentence(result) if sealed else "",
        fingerprint=group_hex(head_hash) if head_hash else "",
        head_hash=head_hash,
        cancel_reason=poll.cancel_reason if poll.state == Poll.State.CANCELLED else "",
    )


def _sentence(poll: Poll | None) -> str:
    if poll is None or poll.state not in (Poll.State.CLOSED, Poll.State.PUBLISHED):
        return ""
    return result_sentence(poll.result)


def motion_line(motion: Motion) -> MotionLine:
    final = next((v for v in motion.versions.all() if v.kind == TextVersion.Kind.FINAL), None)
    return MotionLine(
        number=motion.number,
        title=motion.title,
        submitter=motion.submitter.member.full_name,
        state=motion.get_state_display(),
        text=final.text if final else current_text(motion),
        text_is_final=final is not None,
        sha256=final.sha256 if final else "",
        sentence=_sentence(motion.poll),
        referred_to=motion.referred_to,
        amendments=[
            AmendmentLine(
                number=f"{motion.number}-A{a.number}",
                change=a.get_action_display(),
                paragraph=a.paragraph,
                text=a.text,
                state=a.get_state_display(),
                sentence=_sentence(a.poll),
            )
            for a in motion.amendments.all()
        ],
    )


def resolution_of(meeting: Meeting) -> ResolutionLine | None:
    """The meeting's resolution (its carried motions gathered), if composed."""
    resolution = Resolution.objects.select_related("poll").filter(meeting=meeting).first()
    if resolution is None:
        return None
    return ResolutionLine(
        title=resolution.title,
        state=resolution.get_state_display(),
        text=resolution.text,
        sha256=resolution.sha256,
        sentence=_sentence(resolution.poll),
    )


def attendance_of(meeting: Meeting) -> Attendance:
    """Everyone on the roster with how they attended: present now in the
    room or remotely; or, checked out since, where they last checked in
    (they were there); absent if never checked in. Counts are of voters (the
    chair and voters), as the quorum counts them. Proxies: those in force."""
    participants = list(
        Participant.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__full_name", "pk")
    )
    last_in: dict[int, str] = {}
    for participant_id, presence in (
        AttendanceLog.objects.filter(meeting=meeting, action=AttendanceLog.Action.CHECK_IN)
        .order_by("at", "id")
        .values_list("participant_id", "presence")
    ):
        last_in[participant_id] = presence
    labels = dict(Participant.Presence.choices)
    roles = dict(Participant.Role.choices)
    rows: list[AttendanceRow] = []
    counts: dict[str, int] = defaultdict(int)
    weights: dict[str, Decimal] = defaultdict(Decimal)
    voting_roles = (Participant.Role.CHAIR, Participant.Role.VOTER)
    for p in participants:
        presence = p.presence
        if presence == Participant.Presence.ABSENT:
            presence = last_in.get(p.pk, Participant.Presence.ABSENT)
        rows.append(
            AttendanceRow(
                name=p.member.full_name,
                member_number=p.member.member_number,
                role=str(roles.get(p.role, p.role)),
                presence=str(labels.get(presence, presence)),
                presence_code=presence,
                weight=_weight(p.vote_weight),
            )
        )
        if p.role in voting_roles:
            counts[presence] += 1
            weights[presence] += p.vote_weight
    proxies = [
        (proxy.delegator.member.full_name, proxy.delegate.member.full_name)
        for proxy in Proxy.objects.filter(meeting=meeting, revoked_at__isnull=True)
        .select_related("delegator__member", "delegate__member")
        .order_by("delegator__member__full_name", "pk")
    ]
    return Attendance(
        rows=rows,
        room=counts[Participant.Presence.ROOM],
        remote=counts[Participant.Presence.REMOTE],
        absent=counts[Participant.Presence.ABSENT],
        room_weight=_weight(weights[Participant.Presence.ROOM]),
        remote_weight=_weight(weights[Participant.Presence.REMOTE]),
        absent_weight=_weight(weights[Participant.Presence.ABSENT]),
        voters=sum(counts.values()),
        proxies=proxies,
    )


def log_head_of(meeting: Meeting) -> LogHead | None:
    event = MeetingEvent.objects.filter(meeting=meeting).order_by("-number").first()
    if event is None:
        return None
    return LogHead(number=event.number, hash=event.hash, at=when(event.at, meeting))


def _key_fingerprint() -> str:
    """The installation key's fingerprint (what the verifier's --fingerprint
    pins); empty before a key exists (nothing was signed)."""
    try:
        return keys.fingerprint()
    except ImproperlyConfigured:
        return ""


def minutes_of(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.select_related("finalised_by", "version").filter(meeting=meeting).first()


def notes_of(meeting: Meeting) -> dict[int, MinutesNote]:
    return {
        note.agenda_item_id: note
        for note in MinutesNote.objects.filter(meeting=meeting).select_related("updated_by")
    }


def notes_payload(meeting: Meeting) -> dict[str, Any]:
    """The notes per agenda item and whether they may still change."""
    notes = notes_of(meeting)
    return {
        "finalised": Minutes.objects.filter(meeting=meeting).exists(),
        "notes": [
            {
                "agenda_item_id": item.pk,
                "title": item.title,
                "text": notes[item.pk].text if item.pk in notes else "",
                "updated_at": notes[item.pk].updated_at if item.pk in notes else None,
            }
            for item in meeting.agenda_items.order_by("position", "id")
        ],
    }


def _people(meeting: Meeting, role: str) -> list[str]:
    return list(
        meeting.participants.filter(role=role)
        .order_by("member__full_name")
        .values_list("member__full_name", flat=True)
    )


def minutes_compose(meeting: Meeting, *, log_head: LogHead | None = None) -> MinutesDoc:
    """The whole minutes of the meeting as they stand (a draft until
    finalised). `log_head` overrides the log head read now (the finalised
    minutes print the head they were finalised at)."""
    meeting = Meeting.objects.select_related("union").get(pk=meeting.pk)
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    notes = notes_of(meeting)
    by_item: dict[int, ItemMinutes] = {
        item.pk: ItemMinutes(
            id=item.pk,
            position=item.position,
            title=item.title,
            started_at=_clock(item.started_at, meeting),
            note=notes[item.pk].text if item.pk in notes else "",
        )
        for item in items
    }
    speeches = (
        Speech.objects.filter(meeting=meeting, state__in=(Speech.State.DONE, Speech.State.CURRENT))
        .select_related("participant__member")
        .order_by("started_at", "pk")
    )
    for speech in speeches:
        if speech.agenda_item_id in by_item:
            by_item[speech.agenda_item_id].speeches.append(
                SpeechLine(
                    name=speech.participant.member.full_name,
                    kind=speech.get_kind_display(),
                    started_at=_clock(speech.started_at, meeting),
                    seconds=round(speech.elapsed_ms / 1000),
                )
            )
    other_motions: list[MotionLine] = []
    motions = (
        Motion.objects.filter(meeting=meeting)
        .select_related("submitter__member", "poll")
        .prefetch_related(
            Prefetch("amendments", queryset=Amendment.objects.select_related("poll")), "versions"
        )
        .order_by("number")
    )
    for motion in motions:
        motion_entry = motion_line(motion)
        if motion.agenda_item_id in by_item:
            by_item[motion.agenda_item_id].motions.append(motion_entry)
        else:
            other_motions.append(motion_entry)
    other_polls: list[PollLine] = []
    polls = (
        Poll.objects.filter(meeting=meeting, state__in=SHOWN_POLL_STATES)
        .select_related("seal")
        .order_by("opened_at", "pk")
    )
    for poll in polls:
        line = poll_line(poll, meeting)
        if poll.agenda_item_id in by_item:
            by_item[poll.agenda_item_id].polls.append(line)
        else:
            other_polls.append(line)
    record = minutes_of(meeting)
    if record is not None:
        secretary = [record.finalised_by.full_name] if record.finalised_by else []
        if log_head is None and record.log_number is not None:
            log_head = LogHead(record.log_number, record.log_hash, when(record.log_at, meeting))
    else:
        secretary = sorted({n.updated_by.full_name for n in notes.values() if n.updated_by})
        secretary = secretary or _people(meeting, Participant.Role.CLERK)
    return MinutesDoc(
        meeting_id=meeting.pk,
        union=meeting.union.name,
        title=meeting.title,
        date=when(meeting.started_at or meeting.starts_at, meeting, "DATE_FORMAT"),
        place=meeting.location,
        chair=", ".join(_people(meeting, Participant.Role.CHAIR)),
        secretary=", ".join(secretary),
        status=meeting.get_status_display(),
        started_at=_clock(meeting.started_at, meeting),
        closed_at=_clock(meeting.closed_at, meeting),
        attendance=attendance_of(meeting),
        items=[by_item[item.pk] for item in items],
        other_polls=other_polls,
        other_motions=other_motions,
        resolution=resolution_of(meeting),
        log_head=log_head or log_head_of(meeting),
        finalised=record is not None,
        finalised_at=when(record.finalised_at, meeting) if record else "",
        finalised_by=record.finalised_by.full_name if record and record.finalised_by else "",
        sha256=record.sha256 if record else "",
        language=meeting.language,
        key_fingerprint=_key_fingerprint(),
    )


def agenda_item_of(meeting: Meeting, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise NotFound(_("No such agenda item in this meeting."))
    return item


def minutes_meeting_get(*, meeting_id: int, member: Member) -> Meeting:
    """The meeting whose minutes the member may read (minutes.view: the
    chair, clerks, the union's officers). NotFound / NotAllowed otherwise."""
    meeting = meeting_get_for_viewer(meeting_id=meeting_id, member=member)
    permissions.require(actor=member, meeting=meeting, action=MINUTES_VIEW)
    return meeting


def minutes_status(meeting: Meeting) -> dict[str, Any]:
    """Whether the minutes are final, and their record if so."""
    record = minutes_of(meeting)
    if record is None:
        return {"finalised": False}
    return {
        "finalised": True,
        "sha256": record.sha256,
        "language": record.language,
        "document_id": record.version.document_id,
        "version": record.version.number,
        "finalised_at": record.finalised_at,
        "finalised_by": record.finalised_by.full_name if record.finalised_by else None,
        "log_head": {
            "number": record.log_number,
            "hash": record.log_hash or None,
            "at": record.log_at,
        },
    }
