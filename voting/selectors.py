"""Reads for polls: what a client sees of a poll, turnout, the voter's own state."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from meetings.models import Participant
from voting import rules
from voting.models import Ballot, Poll, PollOption, RollEntry, RollMark

VISIBLE_TO_MEMBERS = (
    Poll.State.OPEN,
    Poll.State.CLOSED,
    Poll.State.PUBLISHED,
    Poll.State.CANCELLED,
)


def poll_payload(poll: Poll, options: Sequence[PollOption] | None = None) -> dict[str, Any]:
    """A poll as every client of the meeting may see it. Results appear only
    once the poll is closed; live tallies travel separately to chair and
    projector."""
    if options is None:
        options = list(poll.options.all())
    return {
        "id": poll.pk,
        "title": poll.title,
        "description": poll.description,
        "kind": poll.kind,
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
        "state": poll.state,
        "options": [{"id": o.pk, "label": o.label, "role": o.role} for o in options],
        "opened_at": poll.opened_at,
        "closes_at": poll.closes_at,
        "closed_at": poll.closed_at,
        "cancel_reason": poll.cancel_reason,
        "quorum": poll.quorum,
        "entitled_weight": str(poll.entitled_weight),
        "result": poll.result if poll.state in (Poll.State.CLOSED, Poll.State.PUBLISHED) else None,
    }


def result_payload(
    poll: Poll,
    options: Sequence[rules.Option],
    totals: rules.Totals,
    counts: dict[int, int],
    outcome: rules.Outcome,
    ballots: int,
) -> dict[str, Any]:
    """The stored result: the rule, the base, the quorum, every number, and the
    sentence. Decimals are strings."""
    return {
        "sentence": outcome.sentence,
        "carried": outcome.carried,
        "winners": outcome.winners,
        "tied": outcome.tied,
        "seats_open": outcome.seats_open,
        "lot_seed": poll.lot_seed,
        "lot_draw": outcome.lot_draw,
        "rule": {"majority": poll.majority, "base": poll.base, "tie": poll.tie_rule},
        "base_weight": str(outcome.base),
        "required": str(outcome.required) if outcome.required is not None else None,
        "quorum": poll.quorum,
        "ballots": ballots,
        "cast_weight": str(totals.cast),
        "abstain_weight": str(totals.abstain),
        "valid_weight": str(totals.cast - totals.abstain),
        "present_weight": str(totals.present),
        "entitled_weight": str(totals.entitled),
        "options": [
            {
                "id": o.id,
                "label": o.label,
                "role": o.role.value,
                "weight": str(totals.by_option.get(o.id, Decimal(0))),
                "ballots": counts.get(o.id, 0),
            }
            for o in options
        ],
    }


def turnout(poll_id: int) -> dict[str, Any]:
    """Ballots and weight cast, of the roll. Two queries."""
    cast = Ballot.objects.filter(poll_id=poll_id).aggregate(n=Count("pk"), w=Sum("weight"))
    roll = RollEntry.objects.filter(poll_id=poll_id).aggregate(n=Count("pk"), w=Sum("weight"))
    return {
        "poll_id": poll_id,
        "ballots": cast["n"],
        "weight": str(cast["w"] or Decimal(0)),
        "entitled": roll["n"],
        "entitled_weight": str(roll["w"] or Decimal(0)),
    }


def live_tally(poll_id: int) -> list[dict[str, Any]]:
    """Running weight and ballots per option (named polls with live results only)."""
    weights: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    for choices, weight in Ballot.objects.filter(poll_id=poll_id).values_list("choices", "weight"):
        for c in choices:
            weights[c] = weights.get(c, Decimal(0)) + weight
            counts[c] = counts.get(c, 0) + 1
    return [
        {"id": oid, "weight": str(weights.get(oid, Decimal(0))), "ballots": counts.get(oid, 0)}
        for oid in PollOption.objects.filter(poll_id=poll_id)
        .order_by("position")
        .values_list("pk", flat=True)
    ]


def my_votes(poll_ids: Sequence[int], participant: Participant | None) -> dict[int, list[dict]]:
    """For each poll, the viewer's own roll entries (themselves and proxies they
    carry) and whether each has voted. Never which choice, for secret polls."""
    if participant is None or not poll_ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    entries = (
        RollEntry.objects.filter(poll_id__in=poll_ids, caster=participant)
        .select_related("member__member")
        .order_by("poll_id", "id")
    )
    voted = set(
        RollMark.objects.filter(roll_entry__in=entries).values_list("roll_entry_id", flat=True)
    )
    for entry in entries:
        out.setdefault(entry.poll_id, []).append(
            {
                "roll_entry_id": entry.pk,
                "on_behalf_of": None if not entry.is_proxy else entry.member_id,
                "name": entry.member.member.full_name,
                "weight": str(entry.weight),
                "voted": entry.pk in voted,
            }
        )
    return out


def voting_snapshot(*, meeting_id: int, participant: Participant | None, staff: bool) -> dict:
    """The meeting's polls for a (re)connecting client, the viewer's own roll
    entries, and turnout of the open poll. Drafts only for chair and clerks.
    Five queries whatever the number of polls."""
    states = list(VISIBLE_TO_MEMBERS) + ([Poll.State.DRAFT] if staff else [])
    polls = list(
        Poll.objects.filter(meeting_id=meeting_id, state__in=states)
        .prefetch_related("options")
        .order_by("created_at", "id")
    )
    open_poll = next((p for p in polls if p.state == Poll.State.OPEN), None)
    return {
        "polls": [poll_payload(p, list(p.options.all())) for p in polls],
        "my_votes": {str(k): v for k, v in my_votes([p.pk for p in polls], participant).items()},
        "turnout": turnout(open_poll.pk) if open_poll else None,
    }


def poll_in_meeting(poll_id: int, meeting_id: int) -> bool:
    return Poll.objects.filter(pk=poll_id, meeting_id=meeting_id).exists()
