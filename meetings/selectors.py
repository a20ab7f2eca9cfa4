"""Reads: who may see what, and the snapshot a client gets on (re)connect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from meetings.events import Audience
from meetings.exceptions import NotAllowed, NotFound
from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a meeting: a participant, or a projector link."""

    role: str  # a Participant.Role value, or "projector"
    participant: Participant | None = None

    @property
    def audience(self) -> Audience:
        if self.role == "projector":
            return Audience.PROJECTOR
        if self.role in (Participant.Role.CHAIR, Participant.Role.CLERK):
            return Audience.STAFF
        return Audience.MEMBERS

    @property
    def controls_meeting(self) -> bool:
        return self.audience is Audience.STAFF


PROJECTOR_VIEWER = Viewer(role="projector")


def unions_for_member(member: Member) -> QuerySet[Union]:
    if member.is_superuser:
        return Union.objects.all()
    return Union.objects.filter(memberships__member=member).distinct()


def union_is_officer(member: Member, union: Union) -> bool:
    if member.is_superuser:
        return True
    return Membership.objects.filter(
        member=member, union=union, role=Membership.Role.OFFICER
    ).exists()


def union_descendant_ids(union: Union) -> list[int]:
    """The union and every union below it (a federation's local unions)."""
    ids = [union.pk]
    frontier = [union.pk]
    while frontier:
        frontier = list(Union.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def meetings_for_member(member: Member) -> QuerySet[Meeting]:
    """Meetings of the member's unions, and meetings they are on the roster of."""
    qs = Meeting.objects.select_related("union")
    if member.is_superuser:
        return qs.all()
    return qs.filter(
        Q(union__memberships__member=member) | Q(participants__member=member)
    ).distinct()


def participant_for(meeting: Meeting, member: Member) -> Participant | None:
    if not member.is_authenticated:
        return None
    return (
        Participant.objects.select_related("member")
        .filter(meeting=meeting, member=member)
        .first()
    )


def meeting_get_for_viewer(*, meeting_id: int, member: Member) -> Meeting:
    """The meeting if the member may see it. NotFound / NotAllowed otherwise."""
    meeting = Meeting.objects.select_related("union").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("No such meeting.")
    if member.is_superuser or meetings_for_member(member).filter(pk=meeting.pk).exists():
        return meeting
    raise NotAllowed("You are not a member of this meeting's union.")


def agenda_payload(meeting_id: int) -> dict[str, Any]:
    items = list(
        AgendaItem.objects.filter(meeting_id=meeting_id)
        .order_by("position", "id")
        .values("id", "position", "title", "description", "state")
    )
    current = next((item["id"] for item in items if item["state"] == "current"), None)
    return {"agenda": items, "current_item_id": current}


def meeting_payload(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "union": {"id": meeting.union_id, "name": meeting.union.name},
        "starts_at": meeting.starts_at,
        "location": meeting.location,
        "livestream_url": meeting.livestream_url,
        "status": meeting.status,
    }


def roster_summary(meeting_id: int) -> dict[str, Any]:
    voters = Q(role=Participant.Role.VOTER) | Q(role=Participant.Role.CHAIR)
    row = Participant.objects.filter(meeting_id=meeting_id).aggregate(
        participants=Count("id"),
        voters=Count("id", filter=voters),
        voting_weight=Sum("vote_weight", filter=voters),
    )
    return {
        "participants": row["participants"],
        "voters": row["voters"],
        "voting_weight": str(row["voting_weight"] or 0),
    }


def meeting_snapshot(*, meeting_id: int, viewer: Viewer) -> dict[str, Any]:
    """Everything a client needs on (re)connect, with the sequence number it is
    current as of. Events with a number at or below it are already included.

    Four queries, whatever the agenda or roster size (pinned by a test).
    """
    meeting = Meeting.objects.select_related("union").get(pk=meeting_id)
    participant = viewer.participant
    return {
        "type": "snapshot",
        "seq": meeting.event_seq,
        "meeting": meeting_payload(meeting),
        **agenda_payload(meeting_id),
        "roster": roster_summary(meeting_id),
        "viewer": {
            "role": viewer.role,
            "participant_id": participant.pk if participant else None,
            "name": participant.member.full_name if participant else None,
            "controls_meeting": viewer.controls_meeting,
        },
    }
