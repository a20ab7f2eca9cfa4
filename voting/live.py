"""Live turnout and tallies of the open poll, coalesced per poll: at most
5 updates a second to chair and projector, 1 a second to phones.

These updates carry no sequence number: each holds the whole current state,
and `ballots` only grows while a poll is open, so a client keeps the update
with the most ballots.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from config.env import env_bool
from meetings import coalesce
from meetings.events import Audience, encode, group_name, layer_message
from voting import selectors
from voting.models import Poll

STAFF_INTERVAL = 0.2
MEMBERS_INTERVAL = 1.0
# Phones' interval per poll, paced for the roll's size (coalesce.crowd_interval):
# learned from each update's `entitled` count, so it costs no query of its own.
_members_interval: dict[int, float] = {}
# For the benchmark's comparison run only (`python -m bench.run --scenario
# naive`): every ballot sends the turnout to every socket at once, without
# coalescing, as the naive design would. Never set it in production.
NAIVE_BROADCAST = env_bool("VOTING_NAIVE_BROADCAST", default=False)


def turnout_changed(meeting_id: int, poll_id: int) -> None:
    """After a ballot commits (or a poll closes): schedule the updates."""
    if NAIVE_BROADCAST:
        _send_to_everyone_now(meeting_id, poll_id)
        return
    staff = (Audience.STAFF, Audience.PROJECTOR)
    coalesce.request(
        f"turnout:{poll_id}:staff",
        STAFF_INTERVAL,
        partial(build_messages, meeting_id, poll_id, staff),
    )
    interval = _members_interval.get(poll_id, MEMBERS_INTERVAL)
    coalesce.request(
        f"turnout:{poll_id}:members",
        interval,
        partial(build_messages, meeting_id, poll_id, (Audience.MEMBERS,)),
        spread=interval / 2,
    )


def _send_to_everyone_now(meeting_id: int, poll_id: int) -> None:
    """The naive design (benchmark only): one update per ballot to all groups."""
    layer = get_channel_layer()
    if layer is None:
        return
    for audiences in ((Audience.STAFF, Audience.PROJECTOR), (Audience.MEMBERS,)):
        for group, text in build_messages(meeting_id, poll_id, audiences):
            async_to_sync(layer.group_send)(group, layer_message(text))


def build_messages(
    meeting_id: int, poll_id: int, audiences: tuple[Audience, ...]
) -> list[tuple[str, str]]:
    """One `poll.turnout` update, serialised once, for each audience's group.
    Chair and projector also get the running tally of named polls with live
    results."""
    data = selectors.turnout(poll_id)
    _members_interval[poll_id] = coalesce.crowd_interval(MEMBERS_INTERVAL, data["entitled"])
    poll = Poll.objects.only("secrecy", "results_visibility", "state").get(pk=poll_id)
    data["state"] = poll.state
    if Audience.MEMBERS not in audiences and poll.live_results:
        data["tally"] = selectors.live_tally(poll_id)
    text = encode({"type": "poll.turnout", **data})
    return [(group_name(meeting_id, audience), text) for audience in audiences]


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
