"""Writes for unions, meetings, rosters and agendas.

Every function checks the actor's permission, validates, writes inside one
transaction and queues its events for after commit. REST views, the socket
consumer, commands and tests all call these and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import events, log, member_import
from meetings.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
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
from meetings.selectors import (
    VOTING_ROLES,
    agenda_payload,
    meeting_payload,
    participant_for,
    quorum_status,
    roster_summary,
    union_descendant_ids,
    union_is_officer,
)

PROJECTOR_SALT = "meetings.projector"

# --- permission helpers -----------------------------------------------------


def _require_officer(actor: Member, union: Union) -> None:
    if not union_is_officer(actor, union):
        raise NotAllowed(_("Only officers of %(union)s may do this.") % {"union": union.name})


def _require_control(actor: Member, meeting: Meeting) -> None:
    """Only the meeting's chair or clerk (or a superuser) change it."""
    if actor.is_superuser:
        return
    participant = participant_for(meeting, actor)
    if participant is None or not participant.controls_meeting:
        raise NotAllowed(_("Only the chair or a clerk of this meeting may do this."))


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock; serialises writes to one meeting."""
    return Meeting.objects.select_for_update().select_related("union").get(pk=meeting.pk)


def _log(meeting: Meeting, actor: Member, action: str, **data: Any) -> None:
    """Append the act to the meeting's hash-chained log (see meetings.log)."""
    log.log_append(meeting_id=meeting.pk, action=action, actor=actor, data=data)


def _publish_agenda(meeting: Meeting) -> None:
    events.publish(meeting.pk, "agenda.changed", agenda_payload(meeting.pk))


def _publish_meeting(meeting: Meeting) -> None:
    events.publish(meeting.pk, "meeting.changed", {"meeting": meeting_payload(meeting)})


def _publish_roster(meeting: Meeting) -> None:
    events.publish(meeting.pk, "roster.changed", {"roster": roster_summary(meeting.pk)})


def _clean_weight(value: Decimal | str | int | None, default: Decimal) -> Decimal:
    if value is None:
        return default
    try:
        weight = Decimal(str(value))
    except ArithmeticError as exc:
        raise InvalidInput(_("The vote weight must be a number.")) from exc
    if not weight.is_finite() or weight < 0:
        raise InvalidInput(_("The vote weight must be zero or more."))
    if weight != weight.quantize(Decimal("0.0001")) or weight >= Decimal(10) ** 8:
        raise InvalidInput(_("The vote weight may have at most 4 decimals and 8 digits."))
    return weight


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("A title is required."))
    return title


# --- meetings ---------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: Member,
    union: Union,
    title: str,
    starts_at: datetime,
    location: str = "",
    livestream_url: str = "",
) -> Meeting:
    """Create a scheduled meeting. Only the union's officers may; the creator
    becomes its chair."""
    _require_officer(actor, union)
    meeting = Meeting.objects.create(
        union=union,
        title=_clean_title(title),
        starts_at=starts_at,
        location=location.strip(),
        livestream_url=livestream_url.strip(),
        created_by=actor,
    )
    Participant.objects.create(
        meeting=meeting, member=actor, role=Participant.Role.CHAIR, vote_weight=Decimal(1)
    )
    _log(meeting, actor, "meeting.created", title=meeting.title)
    return meeting


@transaction.atomic
def meeting_update(*, actor: Member, meeting: Meeting, **fields: Any) -> Meeting:
    """Change title, start time, location, livestream link, or whether the
    bulletin board of its closed polls is public."""
    allowed = {"title", "starts_at", "location", "livestream_url", "board_public"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    if "title" in fields:
        fields["title"] = _clean_title(fields["title"])
    for name, value in fields.items():
        setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    meeting.save(update_fields=[*fields])
    _publish_meeting(meeting)
    _log(meeting, actor, "meeting.updated", fields=sorted(fields))
    return meeting


@transaction.atomic
def meeting_start(*, actor: Member, meeting: Meeting) -> Meeting:
    """scheduled -> live. The first agenda item becomes current."""
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise Conflict(_("Only a scheduled meeting can be started."))
    meeting.status = Meeting.Status.LIVE
    meeting.started_at = timezone.now()
    meeting.save(update_fields=["status", "started_at"])
    first = meeting.agenda_items.exclude(state=AgendaItem.State.DONE).order_by("position").first()
    _publish_meeting(meeting)
    _log(meeting, actor, "meeting.started")
    if first is not None:
        first.state = AgendaItem.State.CURRENT
        first.save(update_fields=["state"])
        _publish_agenda(meeting)
    return meeting


@transaction.atomic
def meeting_close(*, actor: Member, meeting: Meeting) -> Meeting:
    """live -> closed. The current item is marked done."""
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    if meeting.status != Meeting.Status.LIVE:
        raise Conflict(_("Only a live meeting can be closed."))
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    changed = meeting.agenda_items.filter(state=AgendaItem.State.CURRENT).update(
        state=AgendaItem.State.DONE
    )
    _publish_meeting(meeting)
    _log(meeting, actor, "meeting.closed")
    if changed:
        _publish_agenda(meeting)
    return meeting


# --- participants -----------------------------------------------------------


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
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
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
        vote_weight=_clean_weight(vote_weight, membership.vote_weight),
    )
    _publish_roster(meeting)
    _log(
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
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
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
        _publish_roster(meeting)
        _log(meeting, actor, "participants.added_from_union", count=len(created), role=role)
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
    _require_control(actor, meeting)
    _lock_meeting(meeting)
    if role is not None and role not in Participant.Role.values:
        raise InvalidInput(_("Unknown role: %s") % role)
    if role is not None and _would_leave_no_chair(participant, role):
        raise Conflict(_("A meeting needs at least one chair."))
    if role is not None:
        participant.role = role
    participant.vote_weight = _clean_weight(vote_weight, participant.vote_weight)
    participant.save(update_fields=["role", "vote_weight"])
    _publish_roster(meeting)
    _log(
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
    _require_control(actor, meeting)
    _lock_meeting(meeting)
    if _would_leave_no_chair(participant, None):
        raise Conflict(_("A meeting needs at least one chair."))
    participant.delete()
    _publish_roster(meeting)
    _log(meeting, actor, "participant.removed", member=participant.member.full_name)


# --- agenda -----------------------------------------------------------------


def _agenda_items(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.agenda_items.order_by("position", "id"))


def _renumber(items: list[AgendaItem]) -> None:
    changed = []
    for index, item in enumerate(items, start=1):
        if item.position != index:
            item.position = index
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["position"])


@transaction.atomic
def agenda_item_add(
    *, actor: Member, meeting: Meeting, title: str, description: str = ""
) -> AgendaItem:
    """Append an item. In a live meeting with no current item it becomes current."""
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    items = _agenda_items(meeting)
    has_current = any(i.state == AgendaItem.State.CURRENT for i in items)
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=len(items) + 1,
        title=_clean_title(title),
        description=description.strip(),
        state=AgendaItem.State.CURRENT
        if meeting.status == Meeting.Status.LIVE and not has_current
        else AgendaItem.State.PENDING,
    )
    _renumber([*items, item])
    _publish_agenda(meeting)
    _log(meeting, actor, "agenda.item_added", item=item.pk, title=item.title)
    return item


@transaction.atomic
def agenda_item_update(
    *,
    actor: Member,
    item: AgendaItem,
    title: str | None = None,
    description: str | None = None,
) -> AgendaItem:
    meeting = item.meeting
    _require_control(actor, meeting)
    _lock_meeting(meeting)
    if title is not None:
        item.title = _clean_title(title)
    if description is not None:
        item.description = description.strip()
    item.save(update_fields=["title", "description"])
    _publish_agenda(meeting)
    _log(meeting, actor, "agenda.item_changed", item=item.pk, title=item.title)
    return item


@transaction.atomic
def agenda_item_delete(*, actor: Member, item: AgendaItem) -> None:
    """Delete an item. If it was current, the next item (else the one before)
    becomes current."""
    meeting = item.meeting
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    items = _agenda_items(meeting)
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    was_current = items[index].state == AgendaItem.State.CURRENT
    items[index].delete()
    del items[index]
    if was_current and items:
        successor = items[min(index, len(items) - 1)]
        successor.state = AgendaItem.State.CURRENT
        successor.save(update_fields=["state"])
    _renumber(items)
    _publish_agenda(meeting)
    _log(meeting, actor, "agenda.item_deleted", item=item.pk, title=item.title)


@transaction.atomic
def agenda_reorder(*, actor: Member, meeting: Meeting, order: Iterable[int]) -> list[AgendaItem]:
    """Put the items in the given order; `order` must list every item id once."""
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    items = {item.pk: item for item in _agenda_items(meeting)}
    order = list(order)
    if len(order) != len(set(order)) or set(order) != set(items):
        raise InvalidInput(_("The new order must list every agenda item of the meeting once."))
    ordered = [items[pk] for pk in order]
    _renumber(ordered)
    _publish_agenda(meeting)
    _log(meeting, actor, "agenda.reordered", order=order)
    return ordered


@transaction.atomic
def agenda_advance(
    *,
    actor: Member,
    meeting: Meeting,
    direction: Literal["next", "previous"] | None = None,
    item_id: int | None = None,
) -> AgendaItem:
    """Make another item current: the next, the previous, or a chosen one.

    Precondition: the meeting is live. Moving forward marks the old item done;
    moving back puts it back to pending. Exactly one item is current after.
    """
    if (direction is None) == (item_id is None):
        raise InvalidInput(_("Give either a direction (next or previous) or an agenda item."))
    if direction is not None and direction not in ("next", "previous"):
        raise InvalidInput(_("The direction must be next or previous."))
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    if meeting.status != Meeting.Status.LIVE:
        raise Conflict(_("The meeting is not live; start it first."))
    items = _agenda_items(meeting)
    if not items:
        raise Conflict(_("The agenda is empty."))
    index = next((i for i, it in enumerate(items) if it.state == AgendaItem.State.CURRENT), None)

    if item_id is not None:
        target = next((i for i, it in enumerate(items) if it.pk == item_id), None)
        if target is None:
            raise NotFound(_("No such agenda item in this meeting."))
    elif direction == "next":
        target = 0 if index is None else index + 1
        if target >= len(items):
            raise Conflict(_("This is the last agenda item."))
    else:
        if index is None or index == 0:
            raise Conflict(_("This is the first agenda item."))
        target = index - 1

    if index == target:
        return items[target]
    if index is not None:
        old = items[index]
        old.state = AgendaItem.State.DONE if target > index else AgendaItem.State.PENDING
        old.save(update_fields=["state"])  # first, so the one-current constraint holds
    new = items[target]
    new.state = AgendaItem.State.CURRENT
    new.save(update_fields=["state"])
    _publish_agenda(meeting)
    _log(meeting, actor, "agenda.advanced", item=new.pk, title=new.title)
    return new


# --- projector links --------------------------------------------------------


def projector_token_for(meeting: Meeting) -> str:
    return signing.dumps(
        {"m": meeting.pk, "v": meeting.projector_key_version}, salt=PROJECTOR_SALT, compress=True
    )


@transaction.atomic
def projector_link_create(*, actor: Member, meeting: Meeting) -> str:
    """Return the signed token for the meeting's projector link.

    Valid until the chair revokes projector links; no member account needed.
    """
    _require_control(actor, meeting)
    return projector_token_for(_lock_meeting(meeting))


@transaction.atomic
def projector_links_revoke(*, actor: Member, meeting: Meeting) -> str:
    """Revoke every projector link of the meeting and return a fresh token."""
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    meeting.projector_key_version += 1
    _log(meeting, actor, "projector.links_revoked")
    meeting.save(update_fields=["projector_key_version"])
    return projector_token_for(meeting)


def projector_meeting(token: str) -> Meeting:
    """The meeting a projector token opens. NotFound for a forged or revoked token."""
    try:
        data = signing.loads(token, salt=PROJECTOR_SALT)
        meeting_id, version = int(data["m"]), int(data["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound(_("This projector link is not valid.")) from exc
    meeting = Meeting.objects.select_related("union").filter(pk=meeting_id).first()
    if meeting is None or meeting.projector_key_version != version:
        raise NotFound(_("This projector link has been revoked."))
    return meeting


# --- member import ----------------------------------------------------------


def _login_name(union: Union, number: str, taken: set[str]) -> str:
    """The member number if free as a login, else the number under the union's code."""
    candidate = number if number not in taken else f"{union.code}.{number}"
    suffix = 2
    base = candidate
    while candidate in taken:
        candidate = f"{base}.{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


@transaction.atomic
def members_import(
    *, actor: Member, union: Union, data: bytes | str, dry_run: bool = False
) -> member_import.ImportReport:
    """Import members from CSV (member_number, full_name, phone, email, language,
    weight). All or nothing: any bad row and nothing is written; the report
    lists every bad row with its line number. New members get no password
    until they are invited."""
    _require_officer(actor, union)
    if not dry_run:
        # Serialise imports into one union, before reading its member numbers:
        # two at once could otherwise both pass the duplicate-number check.
        Union.objects.select_for_update().filter(pk=union.pk).first()
    report = member_import.ImportReport(dry_run=dry_run)
    try:
        text = member_import.decode(data)
    except ValueError as exc:
        report.errors.append(member_import.RowError(0, "", str(exc)))
        return report
    existing = set(
        Membership.objects.filter(union=union).values_list("member__member_number", flat=True)
    )
    member_import.parse(text, existing_numbers=existing, report=report)
    if not report.rows and not report.errors:
        report.errors.append(member_import.RowError(0, "", _("The file has no member rows.")))
    if dry_run or not report.ok:
        return report
    numbers = [r.member_number for r in report.rows]
    # Every login name _login_name might pick: the bare numbers, and anything
    # under the union's code ("code.number", "code.number.2", ...). Chunked:
    # SQLite takes at most 32,766 parameters per query.
    taken: set[str] = set(
        Member.objects.filter(username__startswith=f"{union.code}.").values_list(
            "username", flat=True
        )
    )
    for start in range(0, len(numbers), 500):
        taken.update(
            Member.objects.filter(username__in=numbers[start : start + 500]).values_list(
                "username", flat=True
            )
        )
    members = []
    for row in report.rows:
        member = Member(
            username=_login_name(union, row.member_number, taken),
            member_number=row.member_number,
            full_name=row.full_name,
            phone=row.phone,
            email=row.email,
            preferred_language=row.language,
        )
        member.set_unusable_password()
        members.append(member)
    # One INSERT per 500 rows instead of two per member (PostgreSQL and
    # SQLite >= 3.35 hand back the new primary keys).
    Member.objects.bulk_create(members, batch_size=500)
    Membership.objects.bulk_create(
        [
            Membership(member=member, union=union, vote_weight=row.weight)
            for member, row in zip(members, report.rows, strict=True)
        ],
        batch_size=500,
    )
    report.created = len(report.rows)
    return report


# --- voting settings and proxies ----------------------------------------------


def _publish_quorum(meeting: Meeting) -> None:
    events.publish(meeting.pk, "quorum.changed", {"quorum": quorum_status(meeting)})


@transaction.atomic
def meeting_voting_settings_update(
    *,
    actor: Member,
    meeting: Meeting,
    quorum_kind: str | None = None,
    quorum_count: int | None = None,
    quorum_share: Decimal | str | None = None,
    requires_presence: bool | None = None,
    proxy_limit: int | None = None,
) -> Meeting:
    """Change the quorum rule, whether voting needs presence, and how many
    proxies one delegate may carry. Polls already open keep their frozen roll."""
    _require_control(actor, meeting)
    meeting = _lock_meeting(meeting)
    if quorum_kind is not None:
        if quorum_kind not in QuorumKind.values:
            raise InvalidInput(_("Unknown quorum kind: %s") % quorum_kind)
        meeting.quorum_kind = quorum_kind
    if quorum_count is not None:
        if quorum_count < 0:
            raise InvalidInput(_("The quorum count must be zero or more."))
        meeting.quorum_count = quorum_count
    if quorum_share is not None:
        try:
            share = Decimal(str(quorum_share))
        except ArithmeticError as exc:
            raise InvalidInput(_("The quorum share must be a number.")) from exc
        if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
            raise InvalidInput(_("The quorum share must be between 0 and 1."))
        meeting.quorum_share = share.quantize(Decimal("0.0001"))
    if requires_presence is not None:
        meeting.requires_presence = requires_presence
    if proxy_limit is not None:
        if proxy_limit < 0:
            raise InvalidInput(_("The proxy limit must be zero or more."))
        meeting.proxy_limit = proxy_limit
    meeting.save()
    _publish_meeting(meeting)
    _publish_quorum(meeting)
    _log(
        meeting,
        actor,
        "meeting.voting_settings_changed",
        quorum=meeting.quorum_kind,
        requires_presence=meeting.requires_presence,
        proxy_limit=meeting.proxy_limit,
    )
    return meeting


@transaction.atomic
def proxy_create(
    *, actor: Member, meeting: Meeting, delegator: Participant, delegate: Participant
) -> Proxy:
    """Delegate `delegator`'s vote for the meeting to `delegate`.

    The delegator themselves or the chair/clerk may do this. Both must be
    voters of the meeting; a delegate carries at most `meeting.proxy_limit`
    proxies; a delegator has one active proxy at a time.
    """
    meeting = _lock_meeting(meeting)
    if delegator.member_id != actor.pk:
        _require_control(actor, meeting)
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
            _("%(name)s already carries %(n)d proxy/proxies, the most this meeting allows.")
            % {"name": delegate.member.full_name, "n": carried}
        )
    proxy = Proxy.objects.create(
        meeting=meeting, delegator=delegator, delegate=delegate, created_by=actor
    )
    _publish_quorum(meeting)
    _log(
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
    meeting = _lock_meeting(proxy.meeting)
    proxy = (
        Proxy.objects.select_for_update()
        .select_related("delegator__member", "delegate__member")
        .get(pk=proxy.pk)
    )
    if actor.pk not in (proxy.delegator.member_id, proxy.delegate.member_id):
        _require_control(actor, meeting)
    if proxy.revoked_at is not None:
        raise Conflict(_("This proxy was already revoked."))
    proxy.revoked_at = timezone.now()
    proxy.revoked_by = actor
    proxy.save(update_fields=["revoked_at", "revoked_by"])
    _publish_quorum(meeting)
    _log(
        meeting,
        actor,
        "proxy.revoked",
        delegator=proxy.delegator.member.full_name,
        delegate=proxy.delegate.member.full_name,
    )
    return proxy
