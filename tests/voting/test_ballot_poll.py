"""The rule "the poll accepts ballots now" (voting.ballot_poll)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from voting.ballot_poll import accepts_ballots
from voting.models import Poll

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
