"""Copying a past meeting as the template of a new one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from meetings.models import AgendaItem, Meeting, Member, Participant
from meetings.services.common import log_act
from meetings.services.meetings import meeting_create

# The settings a copy takes over; not the state (status, times, log, presence).
COPIED_SETTINGS = (
    "location",
    "livestream_url",
    "quorum_kind",
    "quorum_count",
    "quorum_share",
    "requires_presence",
    "proxy_limit",
    "room_checkin_enabled",
    "allow_remote_participation",
    "board_public",
    "language",
)


@dataclass(frozen=True)
class MeetingCopy:
    """What a copy hook gets: both meetings, the actor, and which new agenda
    item stands for which old one."""

    source: Meeting
    meeting: Meeting
    actor: Member
    agenda_items: dict[int, int]


CopyHook = Callable[[MeetingCopy], None]
_copy_hooks: list[CopyHook] = []


def register_copy_hook(hook: CopyHook) -> None:
    """Apps above meetings (voting: its polls as drafts) copy their part of a
    meeting from here, inside the copying transaction."""
    if hook not in _copy_hooks:
        _copy_hooks.append(hook)


@transaction.atomic
def meeting_copy(*, actor: Member, source: Meeting, title: str, starts_at: datetime) -> Meeting:
    """A new scheduled meeting of the same union from a past (or any) one: its
    settings, its agenda (every item pending), its roster with roles and
    weights (the actor becomes chair), and what the apps copy through their
    hooks (polls as drafts). Not copied: presence, proxies, documents, results.
    An officer of the union may (meeting.create)."""
    source = Meeting.objects.select_related("union").get(pk=source.pk)  # as of now
    meeting = meeting_create(
        actor=actor,
        union=source.union,
        title=title,
        starts_at=starts_at,
        location=source.location,
        livestream_url=source.livestream_url,
        time_zone=source.time_zone,
    )
    for name in COPIED_SETTINGS:
        setattr(meeting, name, getattr(source, name))
    meeting.save(update_fields=list(COPIED_SETTINGS))
    mapping: dict[int, int] = {}
    for item in AgendaItem.objects.filter(meeting=source).order_by("position", "pk"):
        copy = AgendaItem.objects.create(
            meeting=meeting,
            position=item.position,
            title=item.title,
            description=item.description,
        )
        mapping[item.pk] = copy.pk
    already = set(Participant.objects.filter(meeting=meeting).values_list("member_id", flat=True))
    Participant.objects.bulk_create(
        [
            Participant(
                meeting=meeting, member_id=p.member_id, role=p.role, vote_weight=p.vote_weight
            )
            for p in Participant.objects.filter(meeting=source).order_by("pk")
            if p.member_id not in already
        ]
    )
    for hook in _copy_hooks:
        hook(MeetingCopy(source=source, meeting=meeting, actor=actor, agenda_items=mapping))
    log_act(meeting, actor, "meeting.copied", source=source.pk, source_title=source.title)
    return meeting
