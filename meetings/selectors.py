"""Reads: who may see what, and the snapshot a client gets on (re)connect."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from core import plainsql
from core.exceptions import NotAllowed, NotFound
from live.events import Audience
from meetings.models import (
    AgendaItem,
    Meeting,
    Member,
    Membership,
    Participant,
    Proxy,
    QuorumKind,
    Union,
)
from meetings.projector_scenes import projector_payload


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
    def participant_id(self) -> int | None:
        return self.participant.pk if self.participant is not None else None

    @property
    def controls_meeting(self) -> bool:
        return self.audience is Audience.STAFF

    @property
    def actor(self) -> Member | None:
        """Whom socket commands act for; None for the (read-only) projector."""
        return self.participant.member if self.participant is not None else None


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


def meetings_on_roster(member: Member) -> QuerySet[Meeting]:
    """Meetings the member is a participant of."""
    return Meeting.objects.select_related("union").filter(participants__member=member)


def meetings_for_member(member: Member) -> QuerySet[Meeting]:
    """Meetings of the member's unions, and meetings they are on the roster of."""
    qs = Meeting.objects.select_related("union")
    if member.is_superuser:
        return qs.all()
    return qs.filter(
        Q(union__memberships__member=member) | Q(participants__member=member)
    ).distinct()


def participant_for(meeting_id: int, member: Member) -> Participant | None:
    """The member's place on the meeting's roster, if any, holding the
    caller's member instance. Read on every socket connect and ballot, so a
    plain query (core.plainsql)."""
    if not member.is_authenticated:
        return None
    row = plainsql.fetch_one(
        f"SELECT {plainsql.columns(Participant, 'p')} FROM {Participant._meta.db_table} p"
        " WHERE p.meeting_id = %s AND p.member_id = %s",
        [meeting_id, member.pk],
    )
    if row is None:
        return None
    participant = plainsql.instance(Participant, row)
    participant.member = member
    return participant


def meeting_get_for_viewer(*, meeting_id: int, member: Member) -> Meeting:
    """The meeting if the member may see it. NotFound / NotAllowed otherwise."""
    meeting = Meeting.objects.select_related("union").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("No such meeting.")
    if member.is_superuser or meetings_for_member(member).filter(pk=meeting.pk).exists():
        return meeting
    raise NotAllowed("You are not a member of this meeting's union.")


def meeting_participant_get(
    *, meeting_id: int, member: Member, controls: bool = False
) -> Participant:
    """The member's place on the meeting's roster, with the meeting and its union.

    NotFound if there is no such meeting; NotAllowed if the member is not on
    its roster (the meeting socket refuses them too), or, with `controls`, if
    they are neither its chair nor a clerk. Used by the meeting pages.
    """
    participant = (
        Participant.objects.select_related("meeting__union", "member")
        .filter(meeting_id=meeting_id, member_id=member.pk)
        .order_by()
        .first()
    )
    if participant is None:
        if not Meeting.objects.filter(pk=meeting_id).exists():
            raise NotFound(_("No such meeting."))
        raise NotAllowed(_("You are not on this meeting's roster."))
    if controls and not participant.controls_meeting:
        raise NotAllowed(_("Only the chair or a clerk of this meeting may do this."))
    return participant


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
        "room_checkin_enabled": meeting.room_checkin_enabled,
        "allow_remote_participation": meeting.allow_remote_participation,
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
        # SQLite sums decimals as floats; weights have four decimals, so round back.
        "voting_weight": str((row["voting_weight"] or Decimal(0)).quantize(Decimal("0.0001"))),
    }


def meeting_snapshot(*, meeting_id: int, viewer: Viewer) -> dict[str, Any]:
    """Everything of the meetings app a client needs on (re)connect, with the
    sequence number it is current as of. Events with a number at or below it
    are already included. The query count does not grow with the agenda or
    the roster (pinned by a test)."""
    return {
        **meeting_shared_snapshot(meeting_id=meeting_id),
        **meeting_viewer_snapshot(viewer=viewer),
    }


def meeting_seq(meeting_id: int) -> int:
    """The meeting's latest event sequence number (read on every connect)."""
    row = plainsql.fetch_one(
        f"SELECT event_seq FROM {Meeting._meta.db_table} WHERE id = %s", [meeting_id]
    )
    if row is None:
        raise Meeting.DoesNotExist(f"No meeting {meeting_id}.")
    seq: int = row[0]
    return seq


def meeting_shared_snapshot(*, meeting_id: int) -> dict[str, Any]:
    """The part every viewer shares: the meeting, agenda, roster, quorum and
    attendance. Five queries."""
    meeting = Meeting.objects.select_related("union").get(pk=meeting_id)
    voters = voters_presence(meeting)
    return {
        "type": "snapshot",
        "seq": meeting.event_seq,
        "meeting": meeting_payload(meeting),
        **agenda_payload(meeting_id),
        "roster": roster_summary(meeting_id),
        "quorum": quorum_status(meeting, voters=voters),
        "attendance": attendance_summary(voters),
        "projector": projector_payload(meeting),
    }


def meeting_viewer_snapshot(*, viewer: Viewer) -> dict[str, Any]:
    """Who is looking, and their presence as of now (the Viewer may date from
    the connect). One query for a participant, none for the projector."""
    participant = viewer.participant
    presence = None
    if participant is not None:
        row = plainsql.fetch_one(
            f"SELECT presence FROM {Participant._meta.db_table} WHERE id = %s", [participant.pk]
        )
        presence = row[0] if row else None
    return {
        "my_presence": presence,
        "viewer": {
            "role": viewer.role,
            "participant_id": participant.pk if participant else None,
            "name": participant.member.full_name if participant else None,
            "controls_meeting": viewer.controls_meeting,
        },
    }


# --- reads for the REST API -------------------------------------------------


def union_get_for_member(*, union_id: int, member: Member) -> Union:
    """One of the member's unions. NotFound for any other, so that ids of
    unions the member is not in reveal nothing."""
    union = unions_for_member(member).filter(pk=union_id).first()
    if union is None:
        raise NotFound(_("No such union."))
    return union


def union_memberships(*, union: Union, member: Member) -> QuerySet[Membership]:
    """The union's member list, with contact details. Officers only (NotAllowed)."""
    if not union_is_officer(member, union):
        raise NotAllowed(
            _("Only officers of %(union)s may see its members.") % {"union": union.name}
        )
    return (
        Membership.objects.filter(union=union)
        .select_related("member")
        .order_by("member__full_name", "member__member_number", "pk")
    )


def meeting_participants(*, meeting: Meeting, member: Member) -> QuerySet[Participant]:
    """The meeting's roster (names, roles, weights, presence). Only participants
    of the meeting (and superusers) may see it; NotAllowed otherwise."""
    if not member.is_superuser and participant_for(meeting.pk, member) is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    return (
        Participant.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__full_name", "pk")
    )


def participant_get(*, meeting: Meeting, participant_id: int) -> Participant:
    participant = (
        Participant.objects.select_related("meeting__union", "member")
        .filter(meeting=meeting, pk=participant_id)
        .first()
    )
    if participant is None:
        raise NotFound(_("No such participant in this meeting."))
    return participant


def agenda_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk")


def agenda_item_get(*, meeting: Meeting, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting").filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise NotFound(_("No such agenda item in this meeting."))
    return item


def meeting_viewer(*, meeting: Meeting, member: Member) -> Viewer:
    """The member as a viewer of the meeting's live state: on its roster, or
    NotAllowed."""
    participant = participant_for(meeting.pk, member)
    if participant is None:
        raise NotAllowed(_("You are not on this meeting's roster."))
    return Viewer(role=participant.role, participant=participant)


def meeting_staff_check(*, meeting: Meeting, member: Member) -> None:
    """The meeting's chair or a clerk, or a superuser; NotAllowed otherwise."""
    if member.is_superuser:
        return
    participant = participant_for(meeting.pk, member)
    if participant is None or not participant.controls_meeting:
        raise NotAllowed(_("Only the chair or a clerk of this meeting may do this."))


# --- presence, proxies and quorum -----------------------------------------------

VOTING_ROLES = (Participant.Role.VOTER, Participant.Role.CHAIR)


@dataclass(frozen=True, slots=True)
class VoterPresence:
    """What quorum and attendance count of a voter."""

    pk: int
    vote_weight: Decimal
    presence: str


def is_present(meeting: Meeting, participant: Participant | VoterPresence) -> bool:
    """Present for voting purposes. Where presence is not tracked (the meeting
    does not require it), every voter on the roster counts as present."""
    if not meeting.requires_presence:
        return True
    return participant.presence != Participant.Presence.ABSENT


def active_proxies(meeting: Meeting) -> QuerySet[Proxy]:
    return Proxy.objects.filter(meeting=meeting, revoked_at__isnull=True).select_related(
        "delegator__member", "delegate__member"
    )


def voters_presence(meeting: Meeting) -> list[VoterPresence]:
    """The meeting's voters with their weight and presence. One query, as
    plain rows: a congress has thousands of voters, and this runs for every
    snapshot rebuild and attendance update."""
    rows = (
        Participant.objects.filter(meeting=meeting, role__in=VOTING_ROLES)
        .order_by()
        .values_list("id", "vote_weight", "presence")
    )
    return [VoterPresence(*row) for row in rows]


def attendance_summary(voters: list[VoterPresence]) -> dict[str, Any]:
    """Voters in the room, remote and absent, as counts and as weight, from
    `voters_presence` (no query)."""
    summary: dict[str, Any] = {}
    for presence in Participant.Presence.values:
        group = [p for p in voters if p.presence == presence]
        summary[presence] = {
            "voters": len(group),
            "weight": str(sum((p.vote_weight for p in group), Decimal(0))),
        }
    summary["voters"] = len(voters)
    summary["total_weight"] = str(sum((p.vote_weight for p in voters), Decimal(0)))
    return summary


def quorum_status(meeting: Meeting, *, voters: list[VoterPresence] | None = None) -> dict[str, Any]:
    """Whether the meeting has its quorum now, with the numbers behind it.

    Counts voters present, and absent voters represented by a present
    delegate's proxy. Two queries (one, given `voters_presence`).
    """
    if voters is None:
        voters = voters_presence(meeting)
    present_ids = {p.pk for p in voters if is_present(meeting, p)}
    # Matched here, not with `delegate_id IN (every present voter)`: a
    # congress would send thousands of ids for a few dozen proxies.
    active = Proxy.objects.filter(meeting=meeting, revoked_at__isnull=True).order_by()
    represented = {
        delegator
        for delegator, delegate in active.values_list("delegator_id", "delegate_id")
        if delegate in present_ids
    }
    counted = [p for p in voters if p.pk in present_ids or p.pk in represented]
    # Checked in (room or remote) whatever the meeting requires: the line
    # shown must match the attendance table, not the quorum rule's view.
    attending = sum(1 for p in voters if p.presence != Participant.Presence.ABSENT)
    total_weight = sum((p.vote_weight for p in voters), Decimal(0))
    present_weight = sum((p.vote_weight for p in counted), Decimal(0))
    status: dict[str, Any] = {
        "kind": meeting.quorum_kind,
        "voters": len(voters),
        "present": len(counted),
        "total_weight": str(total_weight),
        "present_weight": str(present_weight),
        "required": None,
        "met": True,
        # Presence is tracked when the meeting requires it or someone has
        # checked in; otherwise "present" only means "on the roster".
        "tracked": meeting.requires_presence or attending > 0,
        "attending": attending,
    }
    if meeting.quorum_kind == QuorumKind.COUNT:
        status["required"] = meeting.quorum_count
        status["met"] = len(counted) >= meeting.quorum_count
    elif meeting.quorum_kind == QuorumKind.SHARE:
        required = total_weight * meeting.quorum_share
        # Plain notation: normalize() alone writes a weight of 10 as "1E+1".
        status["required"] = format(required.normalize(), "f")
        status["met"] = present_weight > required
    return status


def meeting_proxies(*, meeting: Meeting, viewer: Viewer) -> QuerySet[Proxy]:
    """The meeting's proxies, active and revoked, newest first. Chair and
    clerks see every one; anyone else only those they gave or carry."""
    proxies = Proxy.objects.filter(meeting=meeting).select_related(
        "delegator__member", "delegate__member", "created_by", "revoked_by"
    )
    if not viewer.controls_meeting:
        participant_id = viewer.participant.pk if viewer.participant else None
        proxies = proxies.filter(Q(delegator_id=participant_id) | Q(delegate_id=participant_id))
    return proxies.order_by("-created_at", "-pk")


def proxy_get(*, meeting: Meeting, proxy_id: int) -> Proxy:
    proxy = (
        Proxy.objects.select_related("meeting", "delegator__member", "delegate__member")
        .filter(meeting=meeting, pk=proxy_id)
        .first()
    )
    if proxy is None:
        raise NotFound(_("No such proxy in this meeting."))
    return proxy
