"""The poll value of the ballot path and the rule "the poll accepts ballots
now" (voting.ballot_poll)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from core.exceptions import Conflict
from tests.conftest import World
from tests.voting.conftest import PollMaker, option_id, receipt
from voting import rules, services
from voting.ballot_poll import BallotOption, accepts_ballots, ballot_poll_read
from voting.models import Poll, RollEntry

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("state", "closes_at", "accepts"),
    [
        (Poll.State.OPEN, None, True),
        (Poll.State.OPEN, NOW + SECOND, True),
        (Poll.State.OPEN, NOW, False),  # at the deadline, voting time is over
        (Poll.State.OPEN, NOW - SECOND, False),
        (Poll.State.DRAFT, None, False),
        (Poll.State.CLOSED, NOW + SECOND, False),
        (Poll.State.CANCELLED, None, False),
    ],
)
def test_a_poll_accepts_ballots_while_open_and_before_its_deadline(
    state: str, closes_at: datetime | None, accepts: bool
) -> None:
    assert accepts_ballots(Poll(state=state, closes_at=closes_at), NOW) is accepts


@pytest.mark.django_db
def test_the_value_holds_what_the_ballot_path_reads(
    live_world: World, make_poll: PollMaker
) -> None:
    poll = make_poll(kind="multiple", options=["Red", "Green", "Blue"], max_choices=2)
    value = ballot_poll_read(poll.pk)
    assert (value.id, value.meeting_id, value.kind, value.secrecy) == (
        poll.pk,
        poll.meeting_id,
        rules.Kind.MULTIPLE,
        poll.secrecy,
    )
    assert (value.min_choices, value.max_choices, value.state) == (1, 2, Poll.State.OPEN)
    assert value.options == (
        *(
            BallotOption(option_id(poll, label), rules.Role.OPTION)
            for label in ("Red", "Green", "Blue")
        ),
        BallotOption(option_id(poll, "Abstain"), rules.Role.ABSTAIN),
    )
    assert value.accepts_ballots()
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.state = Poll.State.CLOSED  # type: ignore[misc]


@pytest.mark.django_db
def test_ballots_follow_the_poll_state_after_its_value_is_kept(
    live_world: World, make_poll: PollMaker
) -> None:
    """The process keeps the value from the poll's first ballot; a poll
    cancelled afterwards still refuses the next phone and paper ballots."""
    poll = make_poll()
    yes = option_id(poll, "Yes")
    services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=receipt()
    )
    services.poll_cancel(actor=live_world.chair, poll=poll, reason="Wrong wording")
    with pytest.raises(Conflict) as phone:
        services.ballot_cast(
            voter=live_world.voters[1], poll_id=poll.pk, choices=[yes], nonce=receipt()
        )
    assert phone.value.code == "poll_not_open"
    entry = RollEntry.objects.get(poll=poll, member__member=live_world.voters[2])
    with pytest.raises(Conflict) as paper:
        services.paper_ballot_enter(
            actor=live_world.clerk, poll=poll, roll_entry_id=entry.pk, choices=[yes]
        )
    assert paper.value.code == "poll_not_open"
