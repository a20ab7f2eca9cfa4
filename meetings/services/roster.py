"""The roster: participants and their weights, and proxies."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import Conflict, InvalidInput
from meetings import permissions
from meetings.models import (
    Meeting,
    Member,
    Membership,
    Participant,
    Proxy,
)
from meetings.selectors import (
    VOTING_ROLES,
    union_descendant_ids,
)
from meetings.services.common import (
    clean_weight,
    lock_meeting,
    log_act,
    publish_personal,
    publish_quorum,
    publish_roster,
)


def _membership_for_meeting(meeting: Meeting, member: Member) -> Membership | None:
    """The member's membership in the meeting's union or a union below it."""
    return (
        Membership.objects.filter(member=member, union_id__in=union_descendant_ids(meeting.union))
        .order_by("id")
        .first()
    )


@transaction.atomic
def participant_add(
    *,
    actor: Member,
    meeting: Meeting,
    member: Member,
    role: str = Participant.Role.VOTER,
    vote_weight: Decimal | str | None = None,
) -> Participant:
    """Put a member of the union (or of a union below it) on the roster.

    The weight defaults to the member's weight in the union.
    """
    permissions.require(actor=actor, meeting=meeting, action=permissions.ROSTER_EDIT)
    meeting = lock_meeting(meeting)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    if role not in Participant.Role.values:
        raise InvalidInput(_("Unknown role: %s") % role)
    membership = _membership_for_meeting(meeting, member)
    if membership is None:
        raise InvalidInput(
            _("%(name)s is not a member of %(union)s.")
            % {"name": member.full_name, "union": meeting.union.name}
        )
    if Participant.objects.filter(meeting=meeting, member=member).exists():
        raise Conflict(_("%s is already on the roster.") % member.full_name)
    participant = Participant.objects.create(
        meeting=meeting,
        member=member,
        role=role,
        vote_weight=clean_weight(vote_weight, membership.vote_weight),
    )
    publish_roster(meeting)
    log_act(
        meeting,
        actor,
        "participant.added",
        member=member.full_name,
        role=role,
        weight=str(participant.vote_weight),
    )
    return participant


@transaction.atomic
def participants_add_from_union(
    *, actor: Member, meeting: Meeting, role: str = Participant.Role.VOTER
) -> int:
    """Put every member of the meeting's union who is not yet on the roster on it,
    with their union weight. Returns how many were added."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.ROSTER_EDIT)
    meeting = lock_meeting(meeting)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    if role not in Participant.Role.values:
        raise InvalidInput(_("Unknown role: %s") % role)
    on_roster = Participant.objects.filter(meeting=meeting).values("member_id")
    memberships = Membership.objects.filter(union=meeting.union).exclude(member_id__in=on_roster)
    created = Participant.objects.bulk_create(
        [
            Participant(
                meeting=meeting, member_id=m.member_id, role=role, vote_weight=m.vote_weight
            )
            for m in memberships
        ]
    )
    if created:
        publish_roster(meeting)
        log_act(meeting, actor, "participants.added_from_union", count=len(created), role=role)
    return len(created)


def _would_leave_no_chair(participant: Participant, new_role: str | None) -> bool:
    if participant.role != Participant.Role.CHAIR or new_role == Participant.Role.CHAIR:
        return False
    return not (
        Participant.objects.filter(meeting_id=participant.meeting_id, role=Participant.Role.CHAIR)
        .exclude(pk=participant.pk)
        .exists()
    )


@transaction.atomic
def participant_update(
    *,
    actor: Member,
    participant: Participant,
    role: str | None = None,
    vote_weight: Decimal | str | None = None,
) -> Participant:
    """Change a participant's role or weight. A meeting keeps at least one chair."""
    meeting = participant.meeting
    permissions.require(actor=actor, meeting=meeting, action=permissions.ROSTER_EDIT)
    lock_meeting(meeting)
    if role is not None and role not in Participant.Role.values:
        raise InvalidInput(_("Unknown role: %s") % role)
    if role is not None and _would_leave_no_chair(participant, role):
        raise Conflict(_("A meeting needs at least one chair."))
    if role is not None:
        participant.role = role
    participant.vote_weight = clean_weight(vote_weight, participant.vote_weight)
    participant.save(update_fields=["role", "vote_weight"])
    publish_roster(meeting)
    publish_personal(participant)
    log_act(
        meeting,
        actor,
        "participant.changed",
        member=participant.member.full_name,
        role=participant.role,
        weight=str(participant.vote_weight),
    )
    return participant


@transaction.atomic
def participant_remove(*, actor: Member, participant: Participant) -> None:
    meeting = participant.meeting
    permissions.require(actor=actor, meeting=meeting, action=permissions.ROSTER_EDIT)
    lock_meeting(meeting)
    if _would_leave_no_chair(participant, None):
        raise Conflict(_("A meeting needs at least one chair."))
    try:
        participant.delete()
    except ProtectedError as exc:
        # Another app's records keep them (a poll's electoral roll): the
        # roll is a record of who could vote, and stays as it was frozen.
        raise Conflict(
            _(
                "%(name)s is on the electoral roll of a poll, which keeps the record "
                "of who could vote: they cannot be removed from this meeting."
            )
            % {"name": participant.member.full_name},
            code="participant_in_use",
        ) from exc
    publish_roster(meeting)
    log_act(meeting, actor, "participant.removed", member=participant.member.full_name)


@transaction.atomic
def proxy_create(
    *, actor: Member, meeting: Meeting, delegator: Participant, delegate: Participant
) -> Proxy:
    """Delegate `delegator`'s vote for the meeting to `delegate`.

    The delegator themselves or the chair/clerk may do this. Both must be
    voters of the meeting; a delegate carries at most `meeting.proxy_limit`
    proxies; a delegator has one active proxy at a time.
    """
    meeting = lock_meeting(meeting)
    if delegator.member_id != actor.pk:
        permissions.require(actor=actor, meeting=meeting, action=permissions.PROXY_REGISTER)
    for p in (delegator, delegate):
        if p.meeting_id != meeting.pk:
            raise InvalidInput(_("Both people must be on this meeting's roster."))
        if p.role not in VOTING_ROLES:
            raise InvalidInput(_("%s is not a voter in this meeting.") % p.member.full_name)
    if delegator.pk == delegate.pk:
        raise InvalidInput(_("A member cannot carry their own proxy."))
    if Proxy.objects.filter(delegator=delegator, revoked_at__isnull=True).exists():
        raise Conflict(
            _("%s has already given a proxy; revoke it first.") % delegator.member.full_name
        )
    if Proxy.objects.filter(delegator=delegate, revoked_at__isnull=True).exists():
        raise Conflict(
            _("%s has given their own vote to someone else and cannot carry proxies.")
            % delegate.member.full_name
        )
    carried = Proxy.objects.filter(delegate=delegate, revoked_at__isnull=True).count()
    if carried >= meeting.proxy_limit:
        raise Conflict(
            ngettext(
                "%(name)s already carries %(n)d proxy, the most this meeting allows.",
                "%(name)s already carries %(n)d proxies, the most this meeting allows.",
                carried,
            )
            % {"name": delegate.member.full_name, "n": carried}
        )
    proxy = Proxy.objects.create(
        meeting=meeting, delegator=delegator, delegate=delegate, created_by=actor
    )
    publish_quorum(meeting)
    publish_personal(delegator, delegate)
    log_act(
        meeting,
        actor,
        "proxy.created",
        delegator=delegator.member.full_name,
        delegate=delegate.member.full_name,
    )
    return proxy


@transaction.atomic
def proxy_revoke(*, actor: Member, proxy: Proxy) -> Proxy:
    """Revoke a proxy (by the delegator, the delegate, or the chair/clerk).
    Polls already open keep their frozen roll."""
    meeting = lock_meeting(proxy.meeting)
    proxy = (
        Proxy.objects.select_for_update()
        .select_related("delegator__member", "delegate__member")
        .get(pk=proxy.pk)
    )
    if actor.pk not in (proxy.delegator.member_id, proxy.delegate.member_id):
        permissions.require(actor=actor, meeting=meeting, action=permissions.PROXY_REGISTER)
    if proxy.revoked_at is not None:
        raise Conflict(_("This proxy was already revoked."))
    proxy.revoked_at = timezone.now()
    proxy.revoked_by = actor
    proxy.save(update_fields=["revoked_at", "revoked_by"])
    publish_quorum(meeting)
    publish_personal(proxy.delegator, proxy.delegate)
    log_act(
        meeting,
        actor,
        "proxy.revoked",
        delegator=proxy.delegator.member.full_name,
        delegate=proxy.delegate.member.full_name,
    )
    return proxy
