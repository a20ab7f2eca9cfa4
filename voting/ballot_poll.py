"""The one rule for whether a poll accepts ballots now."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.utils import timezone

from voting.models import Poll


class Timed(Protocol):
    """What the rule reads of a poll: a model instance or a row."""

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
