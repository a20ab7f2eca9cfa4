"""The agenda: items, their order, and which one is current."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput, NotFound
from meetings import permissions
from meetings.models import (
    AgendaItem,
    Meeting,
    Member,
)
from meetings.services.common import (
    clean_description,
    clean_title,
    lock_meeting,
    log_act,
    publish_agenda,
)
from meetings.services.projector import projector_moved_on


def _agenda_items(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.agenda_items.order_by("position", "id"))


def agenda_item_make_current(item: AgendaItem) -> None:
    """Mark the item current; the first time, note when it started (the
    minutes print it). Callers free the one-current slot first."""
    item.state = AgendaItem.State.CURRENT
    fields = ["state"]
    if item.started_at is None:
        item.started_at = timezone.now()
        fields.append("started_at")
    item.save(update_fields=fields)


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
    permissions.require(actor=actor, meeting=meeting, action=permissions.AGENDA_EDIT)
    meeting = lock_meeting(meeting)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    items = _agenda_items(meeting)
    has_current = any(i.state == AgendaItem.State.CURRENT for i in items)
    becomes_current = meeting.status == Meeting.Status.LIVE and not has_current
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=len(items) + 1,
        title=clean_title(title),
        description=clean_description(description),
        state=AgendaItem.State.CURRENT if becomes_current else AgendaItem.State.PENDING,
        started_at=timezone.now() if becomes_current else None,
    )
    _renumber([*items, item])
    publish_agenda(meeting)
    log_act(meeting, actor, "agenda.item_added", item=item.pk, title=item.title)
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
    permissions.require(actor=actor, meeting=meeting, action=permissions.AGENDA_EDIT)
    lock_meeting(meeting)
    if title is not None:
        item.title = clean_title(title)
    if description is not None:
        item.description = clean_description(description)
    item.save(update_fields=["title", "description"])
    publish_agenda(meeting)
    log_act(meeting, actor, "agenda.item_changed", item=item.pk, title=item.title)
    return item


@transaction.atomic
def agenda_item_delete(*, actor: Member, item: AgendaItem) -> None:
    """Delete an item. If it was current, the next item (else the one before)
    becomes current."""
    meeting = item.meeting
    permissions.require(actor=actor, meeting=meeting, action=permissions.AGENDA_EDIT)
    meeting = lock_meeting(meeting)
    items = _agenda_items(meeting)
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    was_current = items[index].state == AgendaItem.State.CURRENT
    items[index].delete()
    del items[index]
    if was_current and items:
        agenda_item_make_current(items[min(index, len(items) - 1)])
    _renumber(items)
    publish_agenda(meeting)
    log_act(meeting, actor, "agenda.item_deleted", item=item.pk, title=item.title)


@transaction.atomic
def agenda_reorder(*, actor: Member, meeting: Meeting, order: Iterable[int]) -> list[AgendaItem]:
    """Put the items in the given order; `order` must list every item id once."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.AGENDA_EDIT)
    meeting = lock_meeting(meeting)
    items = {item.pk: item for item in _agenda_items(meeting)}
    order = list(order)
    if len(order) != len(set(order)) or set(order) != set(items):
        raise InvalidInput(_("The new order must list every agenda item of the meeting once."))
    ordered = [items[pk] for pk in order]
    _renumber(ordered)
    publish_agenda(meeting)
    log_act(meeting, actor, "agenda.reordered", order=order)
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
    permissions.require(actor=actor, meeting=meeting, action=permissions.AGENDA_ADVANCE)
    meeting = lock_meeting(meeting)
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
    agenda_item_make_current(new)
    publish_agenda(meeting)
    projector_moved_on(meeting)
    log_act(meeting, actor, "agenda.advanced", item=new.pk, title=new.title)
    return new
