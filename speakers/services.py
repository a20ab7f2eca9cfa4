"""Writes for the speakers' list: requests, the queue, the speaking time,
closing the list, settings.

Every function checks the actor against speakers.permissions, validates,
writes in one transaction under the meeting's row lock (so two requests at
once get distinct places) and asks for the item's `speakers.changed` after
commit. REST views, socket commands and tests call these.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from meetings.models import AgendaItem, Meeting, Member, Participant
from meetings.services.common import lock_meeting, log_act
from speakers import events
from speakers.models import ListSettings, Speech
from speakers.permissions import require, role_may
from speakers.selectors import effective_settings

KINDS = [kind.value for kind in Speech.Kind]
MAX_SPEAKING_TIME = 3600
MAX_SPEECHES = 100


def list_item(meeting: Meeting, agenda_item_id: int | None) -> AgendaItem:
    """The named item of the meeting, or the current one."""
    if agenda_item_id is not None:
        item = AgendaItem.objects.filter(meeting=meeting, pk=agenda_item_id).first()
        if item is None:
            raise NotFound(_("No such agenda item in this meeting."))
        return item
    item = AgendaItem.objects.filter(meeting=meeting, state=AgendaItem.State.CURRENT).first()
    if item is None:
        raise Conflict(_("No agenda item is under discussion."), code="no_current_item")
    return item


def _list_row(meeting: Meeting, item: AgendaItem) -> ListSettings:
    row, _created = ListSettings.objects.get_or_create(meeting=meeting, agenda_item=item)
    return row


def _waiting(item: AgendaItem) -> list[Speech]:
    return list(
        Speech.objects.filter(agenda_item=item, state=Speech.State.WAITING).order_by(
            "position", "pk"
        )
    )


def _renumber(queue: list[Speech]) -> None:
    changed = []
    for position, speech in enumerate(queue, start=1):
        if speech.position != position:
            speech.position = position
            changed.append(speech)
    Speech.objects.bulk_update(changed, ["position"])


def _counted(item: AgendaItem) -> list[tuple[int, int]]:
    """(participant id, speech id) of the item's non-withdrawn speeches, points
    of order aside: what a member's speech number and the limit count."""
    return list(
        Speech.objects.filter(agenda_item=item)
        .exclude(state=Speech.State.WITHDRAWN)
        .exclude(kind=Speech.Kind.POINT_OF_ORDER)
        .values_list("participant_id", "pk")
    )


def _place(
    queue: list[Speech], speech: Speech, *, first_time_first: bool, counted: list[tuple[int, int]]
) -> int:
    """Where a new request joins the queue: a point of order after the points
    of order already waiting, at the front; with first-time speakers first, a
    member's first speech before the first waiting second-time speaker; else
    at the end. One query (`counted`) for the whole queue, not one per waiting
    speech: this runs under the meeting's lock, and a hundred requests in a
    few seconds each waited behind the one before's queries."""
    if speech.kind == Speech.Kind.POINT_OF_ORDER:
        return sum(1 for s in queue if s.kind == Speech.Kind.POINT_OF_ORDER)
    if first_time_first and all(p != speech.participant_id for p, _pk in counted):
        first_by: dict[int, int] = {}
        for participant_id, pk in counted:
            first_by[participant_id] = min(pk, first_by.get(participant_id, pk))
        for index, waiting in enumerate(queue):
            if waiting.kind == Speech.Kind.POINT_OF_ORDER:
                continue
            if first_by.get(waiting.participant_id, waiting.pk) < waiting.pk:
                return index  # a second-time speaker: the newcomer goes first
    return len(queue)


def _participant(meeting: Meeting, participant_id: int) -> Participant:
    participant = (
        Participant.objects.select_related("member")
        .filter(meeting=meeting, pk=participant_id)
        .first()
    )
    if participant is None:
        raise NotFound(_("No such participant in this meeting."))
    return participant


@transaction.atomic
def speech_request(
    *,
    actor: Member,
    meeting: Meeting,
    kind: str = Speech.Kind.SPEAK,
    agenda_item_id: int | None = None,
    participant_id: int | None = None,
) -> Speech:
    """Put a speaker on an item's list (the current item unless named).

    For oneself: voters, the chair and clerks, on the current item of a live
    meeting, while the list is open (a point of order goes even on a closed
    list). With `participant_id`: the chair or a clerk adds a member on their
    behalf, on any item, open list or not. Either way: observers never; one
    waiting request per member (and one waiting point of order); at most the
    item's number of speeches per member. A point of order goes to the front;
    with first-time speakers first, a first speech goes before second ones.
    """
    if kind not in KINDS:
        raise InvalidInput(_("Unknown kind of request to speak."))
    meeting = lock_meeting(meeting)
    on_behalf = participant_id is not None
    if on_behalf:
        require("speakers.manage", actor, meeting)
        assert participant_id is not None
        participant = _participant(meeting, participant_id)
        if not role_may(participant.role, "speakers.be_added"):
            raise NotAllowed(_("Observers and guests may not be added to the speakers' list."))
        item = list_item(meeting, agenda_item_id)
    else:
        own = require("speakers.request", actor, meeting)
        assert own is not None
        participant = own
        if meeting.status != Meeting.Status.LIVE:
            raise Conflict(_("The meeting is not live."), code="not_live")
        item = list_item(meeting, None)
        if agenda_item_id is not None and agenda_item_id != item.pk:
            raise Conflict(
                _("You can ask to speak on the item under discussion only."), code="not_current"
            )
    row = _list_row(meeting, item)
    settings = effective_settings(meeting.pk, row)
    point_of_order = kind == Speech.Kind.POINT_OF_ORDER
    if row.closed and not on_behalf and not point_of_order:
        raise Conflict(_("The speakers' list is closed."), code="list_closed")
    already = Speech.objects.filter(
        agenda_item=item, participant=participant, state=Speech.State.WAITING
    )
    already = (
        already.filter(kind=Speech.Kind.POINT_OF_ORDER)
        if point_of_order
        else already.exclude(kind=Speech.Kind.POINT_OF_ORDER)
    )
    if already.exists():
        raise Conflict(_("Already on the speakers' list."), code="already_waiting")
    limit = settings["max_speeches"]
    counted = _counted(item)
    if not point_of_order and limit and sum(p == participant.pk for p, _pk in counted) >= limit:
        raise Conflict(
            _("At most %(count)s speeches per member on this item.") % {"count": limit},
            code="too_many_speeches",
        )
    queue = _waiting(item)
    speech = Speech(
        meeting=meeting,
        agenda_item=item,
        participant=participant,
        kind=kind,
        added_by=actor if on_behalf else None,
    )
    index = _place(queue, speech, first_time_first=settings["first_time_first"], counted=counted)
    speech.position = index + 1
    speech.save()
    queue.insert(index, speech)
    _renumber(queue)
    events.list_changed(meeting.pk, item.pk)
    return speech


def _speech(meeting: Meeting, speech_id: int) -> Speech:
    speech = (
        Speech.objects.select_related("participant", "agenda_item")
        .filter(meeting=meeting, pk=speech_id)
        .first()
    )
    if speech is None:
        raise NotFound(_("No such request to speak."))
    return speech


@transaction.atomic
def speech_withdraw(*, actor: Member, meeting: Meeting, speech_id: int) -> Speech:
    """Take a waiting request off the list: the member their own, the chair
    or a clerk anyone's."""
    meeting = lock_meeting(meeting)
    speech = _speech(meeting, speech_id)
    if speech.participant.member_id != actor.pk:
        require("speakers.manage", actor, meeting)
    if speech.state != Speech.State.WAITING:
        raise Conflict(_("Only a waiting request can be withdrawn."), code="not_waiting")
    speech.state = Speech.State.WITHDRAWN
    speech.save(update_fields=["state"])
    _renumber(_waiting(speech.agenda_item))
    events.list_changed(meeting.pk, speech.agenda_item_id)
    return speech


@transaction.atomic
def speakers_reorder(
    *, actor: Member, meeting: Meeting, speech_ids: list[int], agenda_item_id: int | None = None
) -> None:
    """Put the waiting requests in this order: the ids of every waiting
    request of the item, each once."""
    meeting = lock_meeting(meeting)
    require("speakers.manage", actor, meeting)
    item = list_item(meeting, agenda_item_id)
    queue = _waiting(item)
    by_id = {s.pk: s for s in queue}
    if len(speech_ids) != len(set(speech_ids)) or set(speech_ids) != set(by_id):
        raise InvalidInput(
            _("Give every waiting request of the list exactly once."), code="wrong_order"
        )
    _renumber([by_id[i] for i in speech_ids])
    events.list_changed(meeting.pk, item.pk)


def _current(item: AgendaItem) -> Speech | None:
    return (
        Speech.objects.select_for_update()
        .filter(agenda_item=item, state=Speech.State.CURRENT)
        .first()
    )


def _run_ms(speech: Speech, now: datetime) -> int:
    if speech.running_since is None:
        return speech.elapsed_ms
    return speech.elapsed_ms + max(0, int((now - speech.running_since).total_seconds() * 1000))


def _finish(speech: Speech, now: datetime) -> None:
    speech.elapsed_ms = _run_ms(speech, now)
    speech.running_since = None
    speech.state = Speech.State.DONE
    speech.ended_at = now
    speech.save(update_fields=["elapsed_ms", "running_since", "state", "ended_at"])


@transaction.atomic
def speaker_call(
    *,
    actor: Member,
    meeting: Meeting,
    agenda_item_id: int | None = None,
    speech_id: int | None = None,
) -> Speech | None:
    """End the current speech (if any) and call the next in the queue, or the
    named waiting request. The time does not run until started. Returns the
    called speech; None when the queue was empty (the current one still ends)."""
    meeting = lock_meeting(meeting)
    require("speakers.manage", actor, meeting)
    item = list_item(meeting, agenda_item_id)
    queue = _waiting(item)
    if speech_id is not None:
        chosen = next((s for s in queue if s.pk == speech_id), None)
        if chosen is None:
            raise NotFound(_("No such waiting request on this list."))
    else:
        chosen = queue[0] if queue else None
    now = timezone.now()
    current = _current(item)
    if current is None and chosen is None:
        raise Conflict(_("No one is waiting to speak."), code="queue_empty")
    if current is not None:
        _finish(current, now)
    if chosen is not None:
        chosen.state = Speech.State.CURRENT
        chosen.time_limit = effective_settings(meeting.pk, _list_row(meeting, item))[
            "speaking_time"
        ]
        chosen.save(update_fields=["state", "time_limit"])
        queue.remove(chosen)
        _renumber(queue)
    events.list_changed(meeting.pk, item.pk)
    return chosen


def _require_current(meeting: Meeting, actor: Member, agenda_item_id: int | None) -> Speech:
    require("speakers.manage", actor, meeting)
    item = list_item(meeting, agenda_item_id)
    current = _current(item)
    if current is None:
        raise Conflict(_("No speaker has been called."), code="no_speaker")
    return current


@transaction.atomic
def speaker_start(*, actor: Member, meeting: Meeting, agenda_item_id: int | None = None) -> Speech:
    """Start (or resume) the current speaker's time."""
    meeting = lock_meeting(meeting)
    speech = _require_current(meeting, actor, agenda_item_id)
    if speech.running_since is not None:
        raise Conflict(_("The speaking time is already running."), code="running")
    now = timezone.now()
    speech.running_since = now
    speech.started_at = speech.started_at or now
    speech.save(update_fields=["running_since", "started_at"])
    events.list_changed(meeting.pk, speech.agenda_item_id)
    return speech


@transaction.atomic
def speaker_pause(*, actor: Member, meeting: Meeting, agenda_item_id: int | None = None) -> Speech:
    """Pause the current speaker's time, keeping what was spoken."""
    meeting = lock_meeting(meeting)
    speech = _require_current(meeting, actor, agenda_item_id)
    if speech.running_since is None:
        raise Conflict(_("The speaking time is not running."), code="not_running")
    speech.elapsed_ms = _run_ms(speech, timezone.now())
    speech.running_since = None
    speech.save(update_fields=["elapsed_ms", "running_since"])
    events.list_changed(meeting.pk, speech.agenda_item_id)
    return speech


@transaction.atomic
def speaker_stop(*, actor: Member, meeting: Meeting, agenda_item_id: int | None = None) -> Speech:
    """End the current speech: it goes to the history with its real end."""
    meeting = lock_meeting(meeting)
    speech = _require_current(meeting, actor, agenda_item_id)
    _finish(speech, timezone.now())
    events.list_changed(meeting.pk, speech.agenda_item_id)
    return speech


@transaction.atomic
def speakers_list_close(
    *, actor: Member, meeting: Meeting, closed: bool, agenda_item_id: int | None = None
) -> ListSettings:
    """Close the list (members can no longer ask to speak, save a point of
    order) or reopen it. Logged."""
    meeting = lock_meeting(meeting)
    require("speakers.manage", actor, meeting)
    item = list_item(meeting, agenda_item_id)
    row = _list_row(meeting, item)
    if row.closed != closed:
        row.closed = closed
        row.save(update_fields=["closed"])
        log_act(
            meeting,
            actor,
            "speakers.closed" if closed else "speakers.reopened",
            agenda_item_id=item.pk,
        )
    events.list_changed(meeting.pk, item.pk)
    return row


def _clean(speaking_time: int | None, max_speeches: int | None) -> None:
    if speaking_time is not None and not 0 <= speaking_time <= MAX_SPEAKING_TIME:
        raise InvalidInput(
            _("The speaking time must be between 0 and %(max)s seconds.")
            % {"max": MAX_SPEAKING_TIME}
        )
    if max_speeches is not None and not 0 <= max_speeches <= MAX_SPEECHES:
        raise InvalidInput(
            _("The number of speeches must be between 0 and %(max)s.") % {"max": MAX_SPEECHES}
        )


@transaction.atomic
def speakers_settings_update(
    *,
    actor: Member,
    meeting: Meeting,
    agenda_item_id: int | None = None,
    speaking_time: int | None = None,
    max_speeches: int | None = None,
    first_time_first: bool | None = None,
) -> ListSettings:
    """Without an item: the meeting's defaults (a None field keeps its value).
    With an item: that item's own settings, where None means "as the
    meeting". Speeches already called keep their time limit."""
    _clean(speaking_time, max_speeches)
    meeting = lock_meeting(meeting)
    require("speakers.settings", actor, meeting)
    if agenda_item_id is None:
        row, _created = ListSettings.objects.get_or_create(meeting=meeting, agenda_item=None)
        if speaking_time is not None:
            row.speaking_time = speaking_time
        if max_speeches is not None:
            row.max_speeches = max_speeches
        if first_time_first is not None:
            row.first_time_first = first_time_first
        row.save()
        events.publish_settings(meeting.pk)
    else:
        item = list_item(meeting, agenda_item_id)
        row = _list_row(meeting, item)
        row.speaking_time = speaking_time
        row.max_speeches = max_speeches
        row.first_time_first = first_time_first
        row.save()
        events.list_changed(meeting.pk, item.pk)
    log_act(
        meeting,
        actor,
        "speakers.settings",
        agenda_item_id=agenda_item_id,
        speaking_time=speaking_time,
        max_speeches=max_speeches,
        first_time_first=first_time_first,
    )
    return row
