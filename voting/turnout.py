"""Live turnout and tallies of the open poll, coalesced per poll: at most
5 updates a second to chair and projector, 1 a second to phones.

These updates carry no sequence number: each holds the whole current state,
and `ballots` only grows while a poll is open, so a client keeps the update
with the most ballots.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from config.env import env_bool
from live import coalesce
from live.events import Audience
from voting import selectors
from voting.events import POLL_TURNOUT
from voting.models import Poll

STAFF_INTERVAL = 0.2
MEMBERS_INTERVAL = 1.0
# For the benchmark's comparison run only (`python -m bench.run --scenario
# naive`): every ballot sends the turnout to every socket at once, without
# coalescing, as the naive design would. Never set it in production.
NAIVE_BROADCAST = env_bool("VOTING_NAIVE_BROADCAST", default=False)


def build_turnout(
    meeting_id: int, poll_id: int, audiences: tuple[Audience, ...]
) -> tuple[dict[str, Any], int]:
    """One `poll.turnout` update for the audiences. Chair and projector also
    get the running tally of named polls with live results."""
    data = selectors.turnout(poll_id)
    poll = Poll.objects.only("secrecy", "results_visibility", "state").get(pk=poll_id)
    data["state"] = poll.state
    if Audience.MEMBERS not in audiences and poll.live_results:
        data["tally"] = selectors.live_tally(poll_id)
    return data, data["entitled"]


# Per poll: at most 5 updates a second to chair and projector, and to phones
# one a second per thousand voters on the roll.
TURNOUT = coalesce.Stream(
    POLL_TURNOUT,
    "turnout",
    build_turnout,
    (
        coalesce.Pace("staff", (Audience.STAFF, Audience.PROJECTOR), STAFF_INTERVAL),
        coalesce.Pace("members", (Audience.MEMBERS,), MEMBERS_INTERVAL, crowd=True),
    ),
)


def turnout_changed(meeting_id: int, poll_id: int) -> None:
    """After a ballot commits (or a poll closes): schedule the updates."""
    if NAIVE_BROADCAST:
        TURNOUT.send_now(meeting_id, poll_id)
    else:
        TURNOUT.changed(meeting_id, poll_id)


def schedule_close(poll_id: int, delay: float, close_due: Callable[[], object]) -> None:
    """Close the poll on time even if no request arrives: a timer on the server
    loop runs `close_due` (which closes every poll whose time is up)."""

    async def job() -> None:
        await database_sync_to_async(close_due)()

    coalesce.later(delay + 0.05, job)


async def resume_timers(close_due: Callable[[], object]) -> None:
    """At process start: close polls that ran out while no process was up, and
    set timers for the open ones."""
    await database_sync_to_async(close_due)()
    pending = await database_sync_to_async(_open_with_deadline)()
    now = timezone.now()
    for poll_id, closes_at in pending:
        schedule_close(poll_id, (closes_at - now).total_seconds(), close_due)


def _open_with_deadline() -> list[tuple[int, datetime]]:
    rows = Poll.objects.filter(state=Poll.State.OPEN, closes_at__isnull=False)
    return [(pk, closes_at) for pk, closes_at in rows.values_list("pk", "closes_at") if closes_at]
