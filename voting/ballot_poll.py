"""The poll as the ballot path reads it, and the one rule for whether a poll
accepts ballots now.

A ballot needs a handful of the poll's fields, and a burst of ballots needs
them a thousand times over; the services keep this value per process
(voting.services.ballots). Being immutable, one value serves every thread at
once, and no caller can change what the next ballot reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.utils import timezone

from voting import rules
from voting.models import Poll, PollOption


class Timed(Protocol):
    """What the rule reads of a poll: a model instance, a BallotPoll, a row."""

    @property
    def state(self) -> str: ...

    @property
    def closes_at(self) -> datetime | None: ...


def accepts_ballots(poll: Timed, now: datetime | None = None) -> bool:
    """The poll takes ballots now: it is open and, if it has a deadline, the
    deadline has not come (at the deadline itself, voting time is over)."""
    if poll.state != Poll.State.OPEN:
        return False
    return poll.closes_at is None or (now or timezone.now()) < poll.closes_at


@dataclass(frozen=True, slots=True)
class BallotOption:
    id: int
    role: rules.Role


@dataclass(frozen=True, slots=True)
class BallotPoll:
    """The fields of a poll that validating, signing and recording a ballot
    read. All but `state` and `closes_at` are fixed when the poll is created."""

    id: int
    meeting_id: int
    kind: rules.Kind
    secrecy: str
    min_choices: int
    max_choices: int
    close_when_all_voted: bool
    options: tuple[BallotOption, ...]  # in the poll's order
    state: str
    closes_at: datetime | None
    record_format: int = 3

    def accepts_ballots(self, now: datetime | None = None) -> bool:
        return accepts_ballots(self, now)


def ballot_poll_read(poll_id: int) -> BallotPoll:
    """The poll's value, from the database (two queries). Raises
    Poll.DoesNotExist."""
    poll = Poll.objects.only(
        "meeting_id",
        "kind",
        "secrecy",
        "min_choices",
        "max_choices",
        "close_when_all_voted",
        "state",
        "closes_at",
        "record_format",
    ).get(pk=poll_id)
    options = PollOption.objects.filter(poll_id=poll_id).order_by("position")
    return BallotPoll(
        id=poll.pk,
        meeting_id=poll.meeting_id,
        kind=rules.Kind(poll.kind),
        secrecy=poll.secrecy,
        min_choices=poll.min_choices,
        max_choices=poll.max_choices,
        close_when_all_voted=poll.close_when_all_voted,
        options=tuple(
            BallotOption(option_id, rules.Role(role))
            for option_id, role in options.values_list("pk", "role")
        ),
        state=poll.state,
        closes_at=poll.closes_at,
        record_format=poll.record_format,
    )
