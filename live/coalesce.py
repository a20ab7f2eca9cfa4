"""Coalesced updates: at most one send per key per interval, across server
processes, always ending on the exact latest state.

Frequent changes (a ballot every few milliseconds) must not become a frame per
change per socket. Writers call `request()` after commit; the server's event
loop then runs the flush at most once per interval, reading fresh state from
the database when it runs. A change that lands while a flush is running asks
for another flush, so the last one sent reflects the last commit. With Redis,
a short-lived key (SET NX PX) makes the interval hold across all processes.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction

from core.commit import after_commit
from live import catalogue
from live.catalogue import EventType
from live.events import encode, layer_message, next_seq
from live.groups import EVERYONE, Audience, group_name

logger = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]
# Builds the messages to send, from the database, as (group name, JSON text).
Build = Callable[[], list[tuple[str, str]]]

_server_loop: asyncio.AbstractEventLoop | None = None


def remember_loop() -> None:
    """Note the running event loop as the one timers live on. Called from the
    ASGI entry points (first thing on every connection)."""
    global _server_loop
    loop = asyncio.get_running_loop()
    if loop is not _server_loop:
        # Slots hold timers of the loop they were made on; on a new loop (a
        # restarted server, each test's loop) a stale pending timer would
        # swallow every later request for its key. Start afresh.
        _slots.clear()
        for old in [old for old in _redis_clients if old.is_closed()]:
            del _redis_clients[old]
    _server_loop = loop


@dataclass
class _Slot:
    interval: float
    build: Build
    last_sent: float = float("-inf")
    timer: asyncio.TimerHandle | None = None
    running: bool = False
    dirty: bool = False
    failures: int = 0
    spread: float = 0.0


MAX_FAILURES = 5
# Crowd pacing: updates to members come one interval later per this many
# voters, so that a congress's phones cost no more frames a second than a
# thousand's (see crowd_interval).
CROWD = 1000

_slots: dict[str, _Slot] = {}
_redis_clients: dict[asyncio.AbstractEventLoop, object] = {}


def request(key: str, interval: float, build: Build, *, spread: float = 0.0) -> None:
    """Ask for the messages of `build` to be sent soon, at most once per
    `interval` seconds per key. With `spread`, each socket sends its copy at a
    random moment within that many seconds (see MeetingConsumer.meeting_event):
    for state updates to a crowd of phones, so that they do not all go out in
    the same instant.

    Safe to call from any thread. Without a running server loop (a management
    command, a test calling services directly) they are built and sent at once.
    """
    loop = _server_loop
    if loop is None or loop.is_closed() or not loop.is_running():
        for group, text in build():
            async_to_sync(_layer().group_send)(group, layer_message(text, spread))
        return
    # A fresh context: the caller's (a worker thread of some request) may carry
    # asgiref's per-request executor, long gone when the flush runs.
    loop.call_soon_threadsafe(
        _schedule, loop, key, interval, build, spread, context=contextvars.Context()
    )


def crowd_interval(base: float, voters: int) -> float:
    """`base` seconds per CROWD voters, and never less than `base`: with a
    base of 1 s, every 5 s for a congress of 5,000, every 1 s up to 1,000."""
    return base * max(1.0, voters / CROWD)


def _layer() -> BaseChannelLayer:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("No channel layer is configured.")
    return layer


def later(delay: float, job: Job) -> None:
    """Run `job` on the server loop after `delay` seconds (from any thread).
    Without a running server loop, nothing is scheduled."""
    loop = _server_loop
    if loop is None or loop.is_closed() or not loop.is_running():
        return

    def start() -> None:
        loop.call_later(max(0.0, delay), lambda: loop.create_task(job()))

    loop.call_soon_threadsafe(start, context=contextvars.Context())  # as in request()


def _schedule(
    loop: asyncio.AbstractEventLoop, key: str, interval: float, build: Build, spread: float
) -> None:
    slot = _slots.get(key)
    if slot is None:
        slot = _slots[key] = _Slot(interval=interval, build=build)
    slot.build = build
    slot.interval = interval
    slot.spread = spread
    slot.dirty = True
    if slot.timer is not None or slot.running:
        return  # already due; that flush will read the latest state
    delay = max(0.0, slot.last_sent + slot.interval - loop.time())
    slot.timer = loop.call_later(delay, lambda: loop.create_task(_run(loop, key)))


async def _run(loop: asyncio.AbstractEventLoop, key: str) -> None:
    slot = _slots[key]
    slot.timer = None
    slot.running = True
    try:
        if await _claim(key, slot.interval):
            slot.dirty = False
            slot.last_sent = loop.time()
            messages = await database_sync_to_async(slot.build)()
            layer = _layer()
            for group, text in messages:
                await layer.group_send(group, layer_message(text, slot.spread))
        # else another process sent within the interval: stay dirty, retry.
        slot.failures = 0
    except Exception:
        logger.exception("Coalesced update %s failed", key)
        # Try again: the last update must reach clients. Give up on a key
        # that keeps failing (say its poll was deleted).
        slot.failures += 1
        slot.dirty = slot.failures <= MAX_FAILURES
    finally:
        slot.running = False
        if slot.dirty:
            slot.timer = loop.call_later(slot.interval, lambda: loop.create_task(_run(loop, key)))


async def _claim(key: str, interval: float) -> bool:
    """Take the key's send slot for `interval` seconds, across processes."""
    if not settings.REDIS_URL:
        return True
    import redis.asyncio as aioredis

    loop = asyncio.get_running_loop()
    client = _redis_clients.get(loop)
    if client is None:
        client = _redis_clients[loop] = aioredis.from_url(settings.REDIS_URL)
    claimed = await client.set(  # type: ignore[attr-defined]
        f"coalesce:{key}", b"1", nx=True, px=max(1, int(interval * 1000))
    )
    return bool(claimed)


# --- declared streams -------------------------------------------------------------

# Builds one update's payload (the fields of its event type besides `type` and
# `seq`): (meeting_id, subject id, audiences) -> (payload, crowd size: how many
# voters it speaks for, which paces a crowd's updates).
StreamBuild = Callable[[int, int, tuple[Audience, ...]], tuple[Mapping[str, Any], int]]


@dataclass(frozen=True)
class Pace:
    """How often one set of audiences gets a stream's updates."""

    name: str  # in the coalescing key: "staff", "members"
    audiences: tuple[Audience, ...]
    interval: float
    # For phones: the interval grows per CROWD voters (crowd_interval), and
    # each socket sends its copy within half of it (see request()).
    crowd: bool = False


@dataclass
class Stream:
    """A coalesced stream, declared once by its app: the event type it sends,
    the key it is coalesced under (`name` and a subject: a poll, a meeting),
    its builder, and its pace per audience. Each update holds the whole
    current state, so a missed one costs nothing.

    The event type must be declared coalesced (live.catalogue). If it is also
    sequenced, each update takes the meeting's next number as it is built,
    and goes to every audience at one pace, so that every client sees every
    number.
    """

    event: EventType
    name: str
    build: StreamBuild
    paces: tuple[Pace, ...]
    # The payload as one audience gets it (say, a shorter one for phones),
    # under the same number; None: the same payload for every audience.
    shape: Callable[[Audience, Mapping[str, Any]], Mapping[str, Any]] | None = None
    # Crowd size per subject, learned from each update (no query of its own).
    _crowds: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        catalogue.require(self.event, coalesced=True)
        one_pace = len(self.paces) == 1 and set(self.paces[0].audiences) == set(EVERYONE)
        if self.event.sequenced and not one_pace:
            raise ValueError(f"{self.event.name} is sequenced: one pace for every audience.")

    def changed(self, meeting_id: int, subject: int) -> None:
        """State behind the stream changed (committed): schedule its updates."""
        for pace in self.paces:
            interval = self.interval(pace, subject)
            request(
                f"{self.name}:{subject}:{pace.name}",
                interval,
                partial(self.messages, meeting_id, subject, pace.name),
                spread=interval / 2 if pace.crowd else 0.0,
            )

    def changed_on_commit(self, meeting_id: int, subject: int) -> None:
        """As changed(), once the current transaction commits."""
        after_commit(self.changed, meeting_id, subject)

    def interval(self, pace: Pace, subject: int) -> float:
        if not pace.crowd:
            return pace.interval
        return crowd_interval(pace.interval, self._crowds.get(subject, 0))

    def messages(self, meeting_id: int, subject: int, pace: str) -> list[tuple[str, str]]:
        """One update for the named pace's audiences, from the database as it
        is now, serialised once."""
        audiences = next(p.audiences for p in self.paces if p.name == pace)
        frame: dict[str, Any] = {"type": self.event.name}
        if self.event.sequenced:
            # The number and the state it describes are read together: a
            # change committed later gets a later number.
            with transaction.atomic():
                frame["seq"] = next_seq(meeting_id)
                payload, crowd = self.build(meeting_id, subject, audiences)
        else:
            payload, crowd = self.build(meeting_id, subject, audiences)
        self.event.check(payload)
        self._crowds[subject] = crowd
        text = encode({**frame, **payload})
        out = []
        for audience in audiences:
            shaped = payload if self.shape is None else self.shape(audience, payload)
            if shaped is not payload:
                self.event.check(shaped)
                out.append((group_name(meeting_id, audience), encode({**frame, **shaped})))
            else:
                out.append((group_name(meeting_id, audience), text))
        return out

    def send_now(self, meeting_id: int, subject: int) -> None:
        """Every pace's update at once, uncoalesced (the benchmark's naive run)."""
        for pace in self.paces:
            for group, text in self.messages(meeting_id, subject, pace.name):
                async_to_sync(_layer().group_send)(group, layer_message(text))
