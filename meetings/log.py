"""The meeting's hash-chained log of administrative acts.

Each act (agenda changes, roster and proxy changes, poll open/close/cancel,
quorum overrides, paper ballots, check-in overrides) is appended with its
actor and time. An event's hash covers its RFC 8785 encoding and the hash
before it, so a changed, dropped or reordered event breaks the chain.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import rfc8785
from django.db import transaction
from django.utils import timezone

from meetings.models import Meeting, MeetingEvent, Member


def event_body(
    *,
    meeting_id: int,
    number: int,
    action: str,
    actor: str | None,
    at: datetime,
    data: dict[str, Any],
    previous: str | None,
) -> dict[str, Any]:
    """What an event's hash covers: exactly what the audit export shows."""
    return {
        "meeting": meeting_id,
        "number": number,
        "action": action,
        "actor": actor,
        "at": at.isoformat().replace("+00:00", "Z"),
        "data": data,
        "previous": previous,
    }


def body_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def log_append(
    *, meeting_id: int, action: str, actor: Member | None, data: dict[str, Any] | None = None
) -> MeetingEvent:
    """Append an act to the meeting's log. Needs the caller's transaction: the
    meeting row is locked so that events are numbered and chained in order."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_append() must run inside transaction.atomic()")
    Meeting.objects.select_for_update().filter(pk=meeting_id).values_list("pk").get()
    last = MeetingEvent.objects.filter(meeting_id=meeting_id).order_by("-number").first()
    number = last.number + 1 if last else 1
    previous = last.hash if last else None
    # Microseconds dropped: the time shown is the time hashed, on every database.
    at = timezone.now().replace(microsecond=0)
    actor_name = actor.full_name if actor is not None else None
    body = event_body(
        meeting_id=meeting_id,
        number=number,
        action=action,
        actor=actor_name,
        at=at,
        data=data or {},
        previous=previous,
    )
    return MeetingEvent.objects.create(
        meeting_id=meeting_id,
        number=number,
        action=action,
        actor=actor,
        actor_name=actor_name or "",
        at=at,
        data=data or {},
        previous=previous or "",
        hash=body_hash(body),
    )


def log_export(meeting_id: int) -> list[dict[str, Any]]:
    """The whole log as the audit export carries it: each body plus its hash."""
    out = []
    for event in MeetingEvent.objects.filter(meeting_id=meeting_id).order_by("number"):
        body = event_body(
            meeting_id=meeting_id,
            number=event.number,
            action=event.action,
            actor=event.actor_name or None,
            at=event.at,
            data=event.data,
            previous=event.previous or None,
        )
        out.append({**body, "hash": event.hash})
    return out


def log_head(meeting_id: int) -> str | None:
    """The hash of the meeting's latest event."""
    return (
        MeetingEvent.objects.filter(meeting_id=meeting_id)
        .order_by("-number")
        .values_list("hash", flat=True)
        .first()
    )
