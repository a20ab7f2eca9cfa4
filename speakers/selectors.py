"""Reads: the speakers' list of an agenda item as clients get it, the
meeting's settings, and the snapshot part."""

from __future__ import annotations

from typing import Any, TypedDict

from django.utils import timezone

from meetings.models import Meeting
from speakers.models import DEFAULT_SPEAKING_TIME, ListSettings, Speech


class SettingsPayload(TypedDict):
    speaking_time: int  # seconds; 0: no limit
    max_speeches: int  # per member per item; 0: no limit
    first_time_first: bool


class SpeechPayload(TypedDict):
    id: int
    participant_id: int
    name: str
    kind: str
    state: str
    # 1 for a member's first speech on the item, 2 for the second...
    number: int
    time_limit: int
    requested_at: str
    started_at: str | None
    ended_at: str | None
    elapsed_ms: int
    running_since: str | None


class ListPayload(TypedDict):
    agenda_item_id: int
    closed: bool
    # The item's own settings; null: as the meeting.
    speaking_time: int | None
    max_speeches: int | None
    first_time_first: bool | None
    current: SpeechPayload | None
    waiting: list[SpeechPayload]  # in the order they will speak
    done: list[SpeechPayload]  # the history, oldest first


class QueuedPayload(TypedDict):
    """A waiting speech as phones get it: what a place in the queue needs."""

    id: int
    participant_id: int
    name: str
    kind: str
    number: int


class MembersListPayload(TypedDict):
    """The list as members' phones get it: no history, and the queue in
    short entries. Sent to a thousand phones several times a second while
    members ask to speak, the whole list (up to 24 KB for a hundred
    requests) cost the server and the phones five times the bytes."""

    agenda_item_id: int
    closed: bool
    speaking_time: int | None
    max_speeches: int | None
    first_time_first: bool | None
    current: SpeechPayload | None
    waiting: list[QueuedPayload]


def members_list(full: ListPayload) -> MembersListPayload:
    return {
        "agenda_item_id": full["agenda_item_id"],
        "closed": full["closed"],
        "speaking_time": full["speaking_time"],
        "max_speeches": full["max_speeches"],
        "first_time_first": full["first_time_first"],
        "current": full["current"],
        "waiting": [
            {
                "id": s["id"],
                "participant_id": s["participant_id"],
                "name": s["name"],
                "kind": s["kind"],
                "number": s["number"],
            }
            for s in full["waiting"]
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def meeting_settings(meeting_id: int) -> SettingsPayload:
    row = ListSettings.objects.filter(meeting_id=meeting_id, agenda_item__isnull=True).first()
    return {
        "speaking_time": DEFAULT_SPEAKING_TIME
        if row is None or row.speaking_time is None
        else row.speaking_time,
        "max_speeches": 0 if row is None or row.max_speeches is None else row.max_speeches,
        "first_time_first": True
        if row is None or row.first_time_first is None
        else row.first_time_first,
    }


def effective_settings(meeting_id: int, item: ListSettings | None) -> SettingsPayload:
    """The settings that apply on an item: its own, else the meeting's."""
    settings = meeting_settings(meeting_id)
    if item is not None:
        if item.speaking_time is not None:
            settings["speaking_time"] = item.speaking_time
        if item.max_speeches is not None:
            settings["max_speeches"] = item.max_speeches
        if item.first_time_first is not None:
            settings["first_time_first"] = item.first_time_first
    return settings


def _speech(speech: Speech, number: int) -> SpeechPayload:
    return {
        "id": speech.pk,
        "participant_id": speech.participant_id,
        "name": speech.participant.member.full_name,
        "kind": speech.kind,
        "state": speech.state,
        "number": number,
        "time_limit": speech.time_limit,
        "requested_at": _iso(speech.requested_at) or "",
        "started_at": _iso(speech.started_at),
        "ended_at": _iso(speech.ended_at),
        "elapsed_ms": speech.elapsed_ms,
        "running_since": _iso(speech.running_since),
    }


def list_payload(agenda_item_id: int) -> ListPayload:
    """The item's list: settings, the current speaker, the queue in order,
    and the history (called speeches in the order they were called)."""
    row = ListSettings.objects.filter(agenda_item_id=agenda_item_id).first()
    speeches = list(
        Speech.objects.filter(agenda_item_id=agenda_item_id)
        .exclude(state=Speech.State.WITHDRAWN)
        .select_related("participant__member")
        .order_by("started_at", "ended_at", "position", "pk")
    )
    # A speech's number counts the member's earlier non-withdrawn speeches
    # (points of order aside) in request order.
    counted: dict[int, int] = {}
    numbers: dict[int, int] = {}
    for speech in sorted(speeches, key=lambda s: (s.requested_at, s.pk)):
        if speech.kind == Speech.Kind.POINT_OF_ORDER:
            numbers[speech.pk] = 0
            continue
        counted[speech.participant_id] = counted.get(speech.participant_id, 0) + 1
        numbers[speech.pk] = counted[speech.participant_id]
    current = next((s for s in speeches if s.state == Speech.State.CURRENT), None)
    waiting = sorted(
        (s for s in speeches if s.state == Speech.State.WAITING), key=lambda s: (s.position, s.pk)
    )
    done = sorted(
        (s for s in speeches if s.state == Speech.State.DONE),
        key=lambda s: (s.ended_at or timezone.now(), s.pk),
    )
    return {
        "agenda_item_id": agenda_item_id,
        "closed": bool(row and row.closed),
        "speaking_time": row.speaking_time if row else None,
        "max_speeches": row.max_speeches if row else None,
        "first_time_first": row.first_time_first if row else None,
        "current": _speech(current, numbers[current.pk]) if current else None,
        "waiting": [_speech(s, numbers[s.pk]) for s in waiting],
        "done": [_speech(s, numbers[s.pk]) for s in done],
    }


def item_ids_with_lists(meeting_id: int) -> list[int]:
    """Agenda items that have a list: a settings row or any speech."""
    ids = set(
        ListSettings.objects.filter(meeting_id=meeting_id, agenda_item__isnull=False).values_list(
            "agenda_item_id", flat=True
        )
    )
    ids |= set(
        Speech.objects.filter(meeting_id=meeting_id).values_list("agenda_item_id", flat=True)
    )
    return sorted(i for i in ids if i is not None)


def speakers_snapshot(meeting_id: int, *, members: bool = False) -> dict[str, Any]:
    """Every list; for members' phones in their short form (members_list)."""
    lists: dict[str, Any] = {}
    for i in item_ids_with_lists(meeting_id):
        full = list_payload(i)
        lists[str(i)] = members_list(full) if members else full
    return {"speakers": {"settings": meeting_settings(meeting_id), "lists": lists}}


def meeting_speeches(meeting: Meeting) -> list[Speech]:
    """Every speech that was called, in agenda order then time (the export)."""
    return list(
        Speech.objects.filter(meeting=meeting, state__in=(Speech.State.DONE, Speech.State.CURRENT))
        .select_related("participant__member", "agenda_item")
        .order_by("agenda_item__position", "started_at", "pk")
    )
