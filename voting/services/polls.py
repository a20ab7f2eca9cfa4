"""Polls: create, edit and reorder drafts, open (freezing the roll), cancel,
decide a tie, publish."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import textlimits
from core.commit import after_commit
from meetings import log
from meetings.models import Meeting, Member, Participant
from meetings.selectors import (
    VOTING_ROLES,
    active_proxies,
    is_present,
    quorum_status,
)
from meetings.services import MeetingCopy
from meetings.services.common import lock_meeting, publish_personal
from voting import hooks, permissions, rules, turnout
from voting.exceptions import Conflict, InvalidInput, NotFound
from voting.models import Poll, PollOption, RollEntry
from voting.services.closing import in_every_language, polls_close_due
from voting.services.common import lock_poll, publish_poll
from voting.services.tellers import require_key

MAX_OPTIONS = 100


def _option_rows(kind: rules.Kind, labels: Sequence[str]) -> list[tuple[rules.Role, str]]:
    """The options a poll of this kind offers, abstention included."""
    labels = [
        textlimits.bounded(label.strip(), limit=textlimits.NAME, field=_("An option"))
        for label in labels
        if label and label.strip()
    ]
    abstain = (rules.Role.ABSTAIN, _("Abstain"))
    if kind is rules.Kind.MOTION:
        return [(rules.Role.YES, _("Yes")), (rules.Role.NO, _("No")), abstain]
    if len(labels) != len(set(labels)):
        raise InvalidInput(_("Two options have the same label."))
    if len(labels) > MAX_OPTIONS:
        raise InvalidInput(
            ngettext("At most %(n)d option.", "At most %(n)d options.", MAX_OPTIONS)
            % {"n": MAX_OPTIONS}
        )
    if kind is rules.Kind.ELECTION:
        if not labels:
            raise InvalidInput(_("An election needs at least one candidate."))
        if len(labels) == 1:  # one candidate: yes / no / abstain on them
            return [(rules.Role.CANDIDATE, labels[0]), (rules.Role.NO, _("No")), abstain]
        return [(rules.Role.CANDIDATE, label) for label in labels] + [abstain]
    if len(labels) < 2:
        raise InvalidInput(_("A choice poll needs at least two options."))
    return [(rules.Role.OPTION, label) for label in labels] + [abstain]


@dataclass(frozen=True)
class _Draft:
    """A draft poll's fields, checked, and its option rows."""

    fields: dict[str, Any]
    rows: list[tuple[rules.Role, str]]


def _clean_draft(
    meeting: Meeting,
    *,
    title: str,
    kind: str,
    options: Sequence[str],
    description: str,
    secrecy: str,
    results_visibility: str,
    allow_remote: bool,
    min_choices: int | None,
    max_choices: int | None,
    seats: int,
    majority: str,
    base: str,
    tie_rule: str,
    close_when_all_voted: bool,
    agenda_item_id: int | None,
) -> _Draft:
    """Every rule a draft must meet, for creating and for editing it."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("A question is required."))
    try:
        kind_ = rules.Kind(kind)
        rule = rules.Rule(rules.Majority(majority), rules.Base(base), rules.TieRule(tie_rule))
    except ValueError as exc:
        raise InvalidInput(_("Unknown poll setting: %s") % exc) from exc
    if secrecy not in Poll.Secrecy.values:
        raise InvalidInput(_("Secrecy must be named or secret."))
    if results_visibility not in Poll.Results.values:
        raise InvalidInput(_("Results while open must be hidden or live."))
    if secrecy == Poll.Secrecy.SECRET and results_visibility == Poll.Results.LIVE:
        raise InvalidInput(_("A secret poll cannot show results while open."))
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    rows = _option_rows(kind_, options)
    choosable = sum(1 for role, _label in rows if role in (rules.Role.OPTION, rules.Role.CANDIDATE))

    if kind_ is rules.Kind.MULTIPLE:
        low = 1 if min_choices is None else min_choices
        high = choosable if max_choices is None else max_choices
        if not 0 <= low <= high or high < 1 or high > choosable:
            raise InvalidInput(
                _(
                    "Choose between %(low)s and %(high)s must fit 0 <= least <= most <= %(n)d, "
                    "with most at least 1."
                )
                % {"low": low, "high": high, "n": choosable}
            )
        seats = 1
    elif kind_ is rules.Kind.ELECTION:
        # One candidate: one seat, yes / no / abstain on them (low = high = 1).
        if not 1 <= seats <= choosable:
            raise InvalidInput(_("Seats must be between 1 and the number of candidates."))
        low, high = 1, seats
    else:
        low, high, seats = 1, 1, 1
    agenda_item = None
    if agenda_item_id is not None:
        agenda_item = meeting.agenda_items.filter(pk=agenda_item_id).first()
        if agenda_item is None:
            raise NotFound(_("No such agenda item in this meeting."))
    return _Draft(
        fields={
            "agenda_item": agenda_item,
            "title": textlimits.bounded(title, limit=textlimits.TITLE, field=_("The question")),
            "description": textlimits.bounded(
                (description or "").strip(),
                limit=textlimits.DESCRIPTION,
                field=_("The description"),
            ),
            "kind": kind_.value,
            "secrecy": secrecy,
            "results_visibility": results_visibility,
            "allow_remote": allow_remote,
            "min_choices": low,
            "max_choices": high,
            "seats": seats,
            "majority": rule.majority.value,
            "base": rule.base.value,
            "tie_rule": rule.tie.value,
            "close_when_all_voted": close_when_all_voted,
        },
        rows=rows,
    )


def _next_position(meeting: Meeting) -> int:
    """After the meeting's last poll. The caller holds the meeting's row lock."""
    last = Poll.objects.filter(meeting=meeting).aggregate(models.Max("position"))
    return int(last["position__max"] or 0) + 1


def _create_options(poll: Poll, rows: list[tuple[rules.Role, str]]) -> None:
    PollOption.objects.bulk_create(
        [
            PollOption(poll=poll, position=i, role=role.value, label=label)
            for i, (role, label) in enumerate(rows, start=1)
        ]
    )


@transaction.atomic
def poll_create(
    *,
    actor: Member,
    meeting: Meeting,
    title: str,
    kind: str,
    options: Sequence[str] = (),
    description: str = "",
    secrecy: str = Poll.Secrecy.SECRET,
    results_visibility: str = Poll.Results.HIDDEN,
    allow_remote: bool = True,
    min_choices: int | None = None,
    max_choices: int | None = None,
    seats: int = 1,
    majority: str = rules.Majority.SIMPLE,
    base: str = rules.Base.VALID,
    tie_rule: str = rules.TieRule.FAILS,
    close_when_all_voted: bool = False,
    agenda_item_id: int | None = None,
) -> Poll:
    """Create a draft poll with its options. The chair or an officer of the
    union (meetings.permissions: poll.prepare).

    Motions get Yes/No/Abstain; other kinds get the given options plus
    Abstain. An election with one candidate is yes/no/abstain on them.
    """
    permissions.require(actor=actor, meeting=meeting, action=permissions.POLL_PREPARE)
    meeting = lock_meeting(meeting)  # its status as of now, not as the caller read it
    draft = _clean_draft(
        meeting,
        title=title,
        kind=kind,
        options=options,
        description=description,
        secrecy=secrecy,
        results_visibility=results_visibility,
        allow_remote=allow_remote,
        min_choices=min_choices,
        max_choices=max_choices,
        seats=seats,
        majority=majority,
        base=base,
        tie_rule=tie_rule,
        close_when_all_voted=close_when_all_voted,
        agenda_item_id=agenda_item_id,
    )
    poll = Poll.objects.create(
        meeting=meeting, created_by=actor, position=_next_position(meeting), **draft.fields
    )
    _create_options(poll, draft.rows)
    publish_poll(poll, "poll.created", actor, {"title": poll.title, "kind": poll.kind})
    return poll


# What poll_update may change: every field a draft is created with.
DRAFT_FIELDS = frozenset(
    {
        "title",
        "kind",
        "options",
        "description",
        "secrecy",
        "results_visibility",
        "allow_remote",
        "min_choices",
        "max_choices",
        "seats",
        "majority",
        "base",
        "tie_rule",
        "close_when_all_voted",
        "agenda_item_id",
    }
)


def _draft_as_given(poll: Poll) -> dict[str, Any]:
    """The draft's fields as poll_create takes them: what an edit starts from."""
    labels = [
        o.label
        for o in poll.options.order_by("position")
        if o.role in (rules.Role.OPTION, rules.Role.CANDIDATE)
    ]
    return {
        "title": poll.title,
        "kind": poll.kind,
        "options": labels,
        "description": poll.description,
        "secrecy": poll.secrecy,
        "results_visibility": poll.results_visibility,
        "allow_remote": poll.allow_remote,
        "min_choices": poll.min_choices,
        "max_choices": poll.max_choices,
        "seats": poll.seats,
        "majority": poll.majority,
        "base": poll.base,
        "tie_rule": poll.tie_rule,
        "close_when_all_voted": poll.close_when_all_voted,
        "agenda_item_id": poll.agenda_item_id,
    }


@transaction.atomic
def poll_update(*, actor: Member, poll: Poll, **changes: Any) -> Poll:
    """Edit a draft poll: any field it is created with (DRAFT_FIELDS), checked
    by the same rules as a new poll. A poll once opened is part of the record
    and cannot be edited (Conflict). Publishes poll.changed, logs poll.updated."""
    unknown = set(changes) - DRAFT_FIELDS
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    poll = lock_poll(poll.pk)
    permissions.require(actor=actor, meeting=poll.meeting, action=permissions.POLL_PREPARE)
    meeting = lock_meeting(poll.meeting)
    if poll.state != Poll.State.DRAFT:
        raise Conflict(_("Only a draft poll can be edited."))
    given = _draft_as_given(poll)
    if "kind" in changes and changes["kind"] != poll.kind:
        # Another kind: its own defaults for the choice limits.
        given.update(min_choices=None, max_choices=None)
    draft = _clean_draft(meeting, **{**given, **changes})
    if poll.encrypted and draft.fields["secrecy"] != Poll.Secrecy.SECRET:
        raise InvalidInput(_("Only a secret poll takes encrypted ballots."))
    for name, value in draft.fields.items():
        setattr(poll, name, value)
    poll.save(update_fields=[*draft.fields.keys()])
    poll.options.all().delete()
    _create_options(poll, draft.rows)
    publish_poll(poll, "poll.updated", actor, {"title": poll.title, "fields": sorted(changes)})
    return poll


@transaction.atomic
def polls_reorder(*, actor: Member, meeting: Meeting, order: Sequence[int]) -> list[Poll]:
    """Put the meeting's draft polls in the given order; `order` lists every
    draft once. Polls once opened keep their place (they are part of the
    record): the drafts take, in the new order, the places drafts held.
    Publishes poll.changed for each draft that moved, logs polls.reordered."""
    permissions.require(actor=actor, meeting=meeting, action=permissions.POLL_PREPARE)
    meeting = lock_meeting(meeting)
    if meeting.status == Meeting.Status.CLOSED:
        raise Conflict(_("The meeting is closed."))
    order = list(order)
    polls = {p.pk: p for p in Poll.objects.select_for_update().filter(meeting=meeting)}
    drafts = {pk: p for pk, p in polls.items() if p.state == Poll.State.DRAFT}
    if any(pk in polls and pk not in drafts for pk in order):
        raise Conflict(_("Only draft polls can be reordered; a poll once opened keeps its place."))
    if len(order) != len(set(order)) or set(order) != set(drafts):
        raise InvalidInput(_("The new order must list every draft poll of the meeting once."))
    places = sorted(p.position for p in drafts.values())
    moved = []
    for place, pk in zip(places, order, strict=True):
        poll = drafts[pk]
        if poll.position != place:
            poll.position = place
            moved.append(poll)
    Poll.objects.bulk_update(moved, ["position"])
    log.log_append(
        meeting_id=meeting.pk, action="polls.reordered", actor=actor, data={"order": order}
    )
    for poll in moved:
        publish_poll(poll, "polls.reordered", actor, {}, logged=True)
    return [drafts[pk] for pk in order]


def _build_roll(poll: Poll) -> list[RollEntry]:
    """Who may vote on this poll, with what weight, carrying which proxies.

    A member's vote goes to their delegate while they have an active proxy
    and are not checked in; a present delegator votes themselves.
    """
    meeting = poll.meeting
    voters = list(
        Participant.objects.filter(meeting=meeting, role__in=VOTING_ROLES).select_related("member")
    )
    delegate_of = {proxy.delegator_id: proxy.delegate_id for proxy in active_proxies(meeting)}

    def entitled(p: Participant) -> bool:
        if not is_present(meeting, p):
            return False
        return poll.allow_remote or p.presence != Participant.Presence.REMOTE

    by_id = {p.pk: p for p in voters}
    entries = []
    for p in voters:
        delegate = by_id.get(delegate_of.get(p.pk, -1))
        if delegate is not None and p.presence == Participant.Presence.ABSENT:
            if entitled(delegate):
                entries.append(
                    RollEntry(
                        poll=poll,
                        member=p,
                        caster=delegate,
                        weight=p.vote_weight,
                        remote=delegate.presence == Participant.Presence.REMOTE,
                    )
                )
        elif entitled(p):
            entries.append(
                RollEntry(
                    poll=poll,
                    member=p,
                    caster=p,
                    weight=p.vote_weight,
                    remote=p.presence == Participant.Presence.REMOTE,
                )
            )
    return RollEntry.objects.bulk_create(entries)


@transaction.atomic
def poll_open(
    *,
    actor: Member,
    poll: Poll,
    duration_seconds: int | None = None,
    quorum_override_reason: str = "",
) -> Poll:
    """draft -> open. Freezes the roll, records the quorum, starts the clock.

    Refused without quorum unless the chair gives a reason, which is kept.
    Only one poll of a meeting is open at a time.
    """
    poll = lock_poll(poll.pk)
    meeting = poll.meeting
    permissions.require(actor=actor, meeting=meeting, action=permissions.POLL_OPEN)
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    if poll.state != Poll.State.DRAFT:
        raise Conflict(_("Only a draft poll can be opened."))
    require_key(poll)
    if meeting.status != Meeting.Status.LIVE:
        raise Conflict(_("The meeting is not live; start it first."))
    if Poll.objects.filter(meeting=meeting, state=Poll.State.OPEN).exists():
        raise Conflict(_("Another poll is open; close it first."))
    if duration_seconds is not None and not 10 <= duration_seconds <= 24 * 3600:
        raise InvalidInput(_("The voting time must be between 10 seconds and 24 hours."))
    quorum = quorum_status(meeting)
    reason = (quorum_override_reason or "").strip()
    if not quorum["met"] and not reason:
        raise Conflict(
            _(
                "The meeting has no quorum (%(present)s present, %(required)s required). "
                "Give a reason to open the poll anyway."
            )
            % {"present": quorum["present"], "required": quorum["required"]},
            code="no_quorum",
        )
    roll = _build_roll(poll)
    if not roll:
        raise Conflict(_("No one is entitled to vote on this poll."))
    now = timezone.now()
    poll.state = Poll.State.OPEN
    poll.opened_at = now
    poll.closes_at = now + timedelta(seconds=duration_seconds) if duration_seconds else None
    poll.quorum = {**quorum, "override_reason": reason if not quorum["met"] else ""}
    poll.quorum_override_reason = reason if not quorum["met"] else ""
    poll.entitled_weight = sum((e.weight for e in roll), Decimal(0))
    poll.present_weight = Decimal(quorum["present_weight"])
    poll.save()
    publish_poll(
        poll,
        "poll.opened",
        actor,
        {"quorum_met": quorum["met"], "override_reason": poll.quorum_override_reason or None},
    )
    # The opening turnout (0 of N), so phones show it without asking.
    after_commit(turnout.turnout_changed, meeting.pk, poll.pk)
    if duration_seconds:
        after_commit(turnout.schedule_close, poll.pk, float(duration_seconds), polls_close_due)
    return poll


@transaction.atomic
def poll_cancel(*, actor: Member, poll: Poll, reason: str) -> Poll:
    """draft/open -> cancelled, with a reason. Ballots of a cancelled poll are
    kept for the record but never counted."""
    poll = lock_poll(poll.pk)
    permissions.require(actor=actor, meeting=poll.meeting, action=permissions.POLL_CANCEL)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason for cancelling."))
    # An encrypted poll whose tellers cannot decrypt can be cancelled too.
    if poll.state not in (Poll.State.DRAFT, Poll.State.OPEN, Poll.State.DECRYPTING):
        raise Conflict(_("Only a draft or open poll can be cancelled."))
    poll.state = Poll.State.CANCELLED
    poll.cancel_reason = reason
    poll.closed_at = timezone.now()
    poll.save(update_fields=["state", "cancel_reason", "closed_at"])
    publish_poll(poll, "poll.cancelled", actor, {"reason": reason})
    if poll.encrypted:  # its tellers' links to the tellers' page go
        publish_personal(*Participant.objects.filter(pk__in=poll.tellers.values("participant")))
    hooks.poll_cancelled(poll, actor)
    return poll


@transaction.atomic
def poll_decide_tie(*, actor: Member, poll: Poll, winners: Sequence[int]) -> Poll:
    """The chair breaks a tie the rule left to them: `winners` are chosen among
    the tied options (for a motion: [yes id] to carry, [] to reject)."""
    poll = lock_poll(poll.pk)
    permissions.require(actor=actor, meeting=poll.meeting, action=permissions.POLL_DECIDE_TIE)
    result = poll.result or {}
    tied = result.get("tied") or []
    if poll.state != Poll.State.CLOSED or not tied:
        raise Conflict(_("There is no tie for the chair to decide."))
    if not isinstance(winners, list | tuple) or not set(winners) <= set(tied):
        raise InvalidInput(_("Choose among the tied options."))
    if len(set(winners)) != len(winners):
        raise InvalidInput(_("An option is chosen twice."))
    seats_open = int(result.get("seats_open") or 0)
    # Motions and one-candidate elections: the chair carries ([yes]) or rejects ([]).
    is_yes_no = poll.options.filter(role=rules.Role.NO).exists()
    if not is_yes_no and len(winners) != seats_open:
        raise InvalidInput(
            ngettext("Choose %(n)d option.", "Choose %(n)d options.", seats_open)
            % {"n": seats_open}
        )
    labels = dict(poll.options.values_list("pk", "label"))
    poll.tie_decision = {"winners": list(winners), "by": actor.full_name}
    poll.tie_decided_by = actor
    result["winners"] = list(result.get("winners") or []) + list(winners)
    if is_yes_no:
        result["carried"] = bool(winners)
    result["tied"] = []

    def decided() -> str:
        # Translators: between names in a list of a result ("Elected: A, B").
        names = _(", ").join(rules.isolate(labels[w]) for w in winners)
        decision = names if winners else _("not carried")
        return _("The chair decided: %s.") % decision

    result["sentence"] = f"{result['sentence']} {decided()}"
    if "sentences" in result:
        added = in_every_language(decided)
        result["sentences"] = {
            code: f"{text} {added.get(code, decided())}"
            for code, text in result["sentences"].items()
        }
    poll.result = result
    poll.save(update_fields=["tie_decision", "tie_decided_by", "result"])
    publish_poll(poll, "poll.tie_decided", actor, {"winners": list(winners)})
    hooks.poll_settled(poll, actor)
    return poll


@transaction.atomic
def poll_publish(*, actor: Member, poll: Poll) -> Poll:
    """closed -> published: the result becomes the record. A tie left to the
    chair must be decided first."""
    poll = lock_poll(poll.pk)
    permissions.require(actor=actor, meeting=poll.meeting, action=permissions.POLL_PUBLISH)
    if poll.state != Poll.State.CLOSED:
        raise Conflict(_("Only a closed poll can be published."))
    if (poll.result or {}).get("tied"):
        raise Conflict(_("Decide the tie first."))
    poll.state = Poll.State.PUBLISHED
    poll.published_at = timezone.now()
    poll.save(update_fields=["state", "published_at"])
    publish_poll(poll, "poll.published", actor, {})
    return poll


def polls_copy(copy: MeetingCopy) -> None:
    """A copied meeting's polls: each poll of the source that was not
    cancelled, as a draft with the same question, options and rules, on the
    copy of its agenda item. Registered as a meetings copy hook."""
    sources = Poll.objects.filter(meeting=copy.source).exclude(state=Poll.State.CANCELLED)
    first = _next_position(copy.meeting)
    for position, source in enumerate(sources.order_by("position", "pk"), start=first):
        given = _draft_as_given(source)
        item = given.pop("agenda_item_id")
        draft = _clean_draft(
            copy.meeting, **given, agenda_item_id=copy.agenda_items.get(item) if item else None
        )
        poll = Poll.objects.create(
            meeting=copy.meeting, created_by=copy.actor, position=position, **draft.fields
        )
        _create_options(poll, draft.rows)
