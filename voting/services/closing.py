"""Closing a poll: the count by its rule, the seal, deadlines."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.commit import after_commit
from meetings import log
from meetings.models import Member
from voting import audit, ballot_writer, hooks, permissions, rules, turnout
from voting.ballot_poll import accepts_ballots
from voting.exceptions import Conflict
from voting.models import Ballot, Poll
from voting.selectors import result_payload
from voting.services.common import lock_poll, publish_poll


def tally(poll: Poll) -> tuple[rules.Totals, dict[int, int]]:
    """Count the ballots of a poll: weight per option (for the rule) and the
    number of ballots per option (for people)."""
    by_option: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    cast = Decimal(0)
    abstain = Decimal(0)
    abstain_ids = set(poll.options.filter(role=rules.Role.ABSTAIN).values_list("pk", flat=True))
    for choices, weight in Ballot.objects.filter(poll=poll).values_list("choices", "weight"):
        cast += weight
        if any(c in abstain_ids for c in choices):
            abstain += weight
        for c in choices:
            by_option[c] = by_option.get(c, Decimal(0)) + weight
            counts[c] = counts.get(c, 0) + 1
    totals = rules.Totals(
        by_option=by_option,
        cast=cast,
        abstain=abstain,
        present=poll.present_weight,
        entitled=poll.entitled_weight,
    )
    return totals, counts


def in_every_language(sentence: Callable[[], str]) -> dict[str, str]:
    """`sentence()` in each site language: a result is read by members of
    every language, whoever closed the poll."""
    sentences = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            sentences[code] = sentence()
    return sentences


def close(poll: Poll, actor: Member | None) -> Poll:
    """Count and store the result. Caller holds the poll's row lock."""
    if poll.secrecy != Poll.Secrecy.NAMED:
        # No ballot keeps the order it was cast in, nor a mark its time.
        ballot_writer.rewrite_at_close(poll.pk)
        after_commit(ballot_writer.vacuum)
    poll.lot_seed = secrets.token_hex(16)
    totals, counts = tally(poll)
    options = [
        rules.Option(o.pk, rules.Role(o.role), o.label) for o in poll.options.order_by("position")
    ]
    decide = partial(
        rules.decide,
        rules.Kind(poll.kind),
        options,
        totals,
        poll.rule,
        seats=poll.seats,
        seed=poll.lot_seed,
        _=_,
        ngettext=ngettext,
    )
    outcome = decide()
    ballots = Ballot.objects.filter(poll=poll).count()
    poll.state = Poll.State.CLOSED
    poll.closed_at = timezone.now()
    poll.result = result_payload(poll, options, totals, counts, outcome, ballots)
    # The same decision (same seed) worded in each language; readers pick theirs.
    poll.result["sentences"] = in_every_language(lambda: decide().sentence)
    poll.save()
    # Logged, then sealed (the head names the log's hash, close included),
    # then announced: the event carries the head's fingerprint.
    data = {"poll": poll.pk, "sentence": poll.result["sentence"]}
    log.log_append(meeting_id=poll.meeting_id, action="poll.closed", actor=actor, data=data)
    audit.seal(poll)
    publish_poll(poll, "poll.closed", actor, data, logged=True)
    after_commit(turnout.turnout_changed, poll.meeting_id, poll.pk)
    # Apps that follow a result (a motion, carried or not) act in this transaction.
    hooks.poll_settled(poll, actor)
    return poll


@transaction.atomic
def poll_close(*, actor: Member, poll: Poll) -> Poll:
    """open -> closed: count the ballots with the poll's rule, publish the result."""
    poll = lock_poll(poll.pk)
    permissions.require(actor=actor, meeting=poll.meeting, action=permissions.POLL_CLOSE)
    if poll.state != Poll.State.OPEN:
        raise Conflict(_("Only an open poll can be closed."))
    return close(poll, actor)


def polls_close_due(now: datetime | None = None) -> list[int]:
    """Close every open poll whose time is up. Safe to run in every process."""
    now = now or timezone.now()
    closed = []
    for poll_id in Poll.objects.filter(state=Poll.State.OPEN, closes_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            poll = lock_poll(poll_id)
            if poll.state == Poll.State.OPEN and not accepts_ballots(poll, now):
                close(poll, actor=None)
                closed.append(poll_id)
    return closed
