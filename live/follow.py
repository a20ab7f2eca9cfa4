"""Following a meeting over HTTP, for pages whose network lets plain HTTPS
through but not WebSockets (some hall and hotel proxies, captive portals,
security software, carrier proxies). docs/protocol.md, "Following over HTTP".

    GET /live/meetings/<id>/follow/?after=<seq>&cursor=<cursor>

A long-poll. The answer holds the frames the meeting socket would have sent
after `after`, as soon as there are any, or none after WAIT_SECONDS; without
`after`, or when this process no longer holds every frame after it, it is a
fresh snapshot. Members and chair are recognised by the session cookie, a
projector (`&as=projector`) by its projector cookie: the token is never in
the URL.

Each server process joins an audience's group once for all its followers
(live.fanout) and keeps the group's recent frames: the sequenced ones for
KEEP_SECONDS, and of each coalesced update (turnout, attendance: whole state,
no seq) the latest. So a follower's request reads no database while it is
in step: who holds a session or a projector token is remembered for
VIEWER_SECONDS, and frames go out as the JSON text the channel layer
carried. It runs beside Django, not through its middleware chain.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import random
import re
import time
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.language import scope_language
from core.projector_cookie import AS_PROJECTOR, projector_cookie
from core.unavailable import RETRY_AFTER_SECONDS, database_down, unavailable
from live import coalesce, fanout, registry
from live.events import encode
from live.groups import group_name
from live.registry import Viewer
from live.snapshot import build_snapshot
from live.workers import connect_viewer, on_thread, read_threads

logger = logging.getLogger(__name__)

PATH = re.compile(r"^/live/meetings/(?P<meeting_id>[0-9]{1,18})/follow/$")
# An answer waits this long for news; under the 30 s at which some proxies
# drop a quiet request, and nginx's default 60 s read timeout.
WAIT_SECONDS = 20.0
# Sequenced frames kept per group: a follower further behind gets a snapshot.
KEEP_FRAMES = 256
KEEP_SECONDS = 120.0
# A group no follower asked about for this long is left.
IDLE_SECONDS = 60.0
# Who a session or projector token is, remembered per process (a socket
# keeps it for its whole life).
VIEWER_SECONDS = 60.0
MAX_VIEWERS = 20_000
# Coalesced updates alone (the running turnout, attendance) answer a follower
# at most this often: each answer is a new request, which costs more than a
# frame on an open socket. Sequenced events answer at once.
COALESCED_GAP = 2.0
# Each follower takes a coalesced update at its own moment within this many
# seconds (or the update's own `spread`, if longer), so that a crowd's next
# requests do not all arrive at once.
MIN_SPREAD = 0.5
# Cursors are wall-clock times of the answering process; processes on other
# hosts may differ by this much. Coalesced updates this much older than the
# cursor go out again (whole state: a repeat changes nothing).
CLOCK_SKEW = 1.0
# How old the counts of a shared snapshot may be (live.snapshot): coalesced
# updates this recent go out with a snapshot.
SNAPSHOT_LAG = 5.0


@dataclass(eq=False)
class _Latest:
    at: float
    text: str
    spread: float
    # A personal update's participant (live.personal), else None.
    to: int | None = None


@dataclass(eq=False)
class Buffer:
    """One audience's recent frames in this process: a fan-out Receiver."""

    name: str
    # Sequenced frames, ordered by seq: (seq, arrival time, JSON text).
    frames: list[tuple[int, float, str]] = field(default_factory=list)
    # Every frame with a seq above this is held (or still on its way).
    floor: int | None = None
    # The latest coalesced update per type and subject.
    latest: dict[tuple[Any, ...], _Latest] = field(default_factory=dict)
    waiters: set[asyncio.Future[None]] = field(default_factory=set)
    ready: asyncio.Task[None] | None = None
    used: float = field(default_factory=time.monotonic)
    waiting: int = 0

    async def deliver(self, message: dict[str, Any]) -> None:
        text: str = message["text"]
        now = time.time()
        frame = json.loads(text)
        seq = frame.get("seq")
        if isinstance(seq, int):
            self.add(seq, now, text)
        else:
            self.latest[subject(frame)] = _Latest(
                now, text, float(message.get("spread") or 0), message.get("to")
            )
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.waiters.clear()

    def add(self, seq: int, now: float, text: str) -> None:
        index = bisect.bisect_left(self.frames, seq, key=lambda f: f[0])
        if index < len(self.frames) and self.frames[index][0] == seq:
            return
        self.frames.insert(index, (seq, now, text))
        while self.frames and (
            len(self.frames) > KEEP_FRAMES or self.frames[0][1] < now - KEEP_SECONDS
        ):
            gone = self.frames.pop(0)[0]
            self.floor = gone if self.floor is None else max(self.floor, gone)

    def holds_after(self, after: int) -> bool:
        return self.floor is not None and after >= self.floor

    def after(self, after: int) -> list[str]:
        index = bisect.bisect_right(self.frames, after, key=lambda f: f[0])
        return [text for _seq, _at, text in self.frames[index:]]

    def coalesced_since(self, since: float, viewer: Viewer) -> list[_Latest]:
        """The latest updates since `since` that are for `viewer`: the
        crowd's, and the viewer's own personal one."""
        mine = getattr(viewer, "participant_id", None)
        return [
            latest
            for latest in self.latest.values()
            if latest.at > since and (latest.to is None or latest.to == mine)
        ]

    async def changed(self, timeout: float, gone: asyncio.Future[None]) -> None:
        """Return when a frame arrives, the client leaves, or after `timeout`."""
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.add(waiter)
        try:
            await asyncio.wait((waiter, gone), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.waiters.discard(waiter)


def subject(frame: dict[str, Any]) -> tuple[Any, ...]:
    """What a coalesced update is the whole state of: its type and the ids it
    names (`poll_id` for a poll's turnout, `meeting_id` for attendance)."""
    ids = sorted(
        (key, value)
        for key, value in frame.items()
        if key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool)
    )
    return (frame.get("type"), *ids)


# --- groups and viewers, per event loop --------------------------------------------

_buffers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Buffer]] = (
    weakref.WeakKeyDictionary()
)
_viewers: dict[tuple[int, str, str], tuple[float, Viewer]] = {}
_background: set[asyncio.Task[None]] = set()


async def buffer_for(meeting_id: int, viewer: Viewer) -> Buffer:
    """The process's buffer of the viewer's group, joined on first use."""
    loop = asyncio.get_running_loop()
    buffers = _buffers.setdefault(loop, {})
    name = group_name(meeting_id, viewer.audience)
    buffer = buffers.get(name)
    if buffer is None:
        buffer = buffers[name] = Buffer(name)
        buffer.ready = loop.create_task(_open(buffer, meeting_id))
        loop.call_later(IDLE_SECONDS, _check_idle, loop, buffer)
    assert buffer.ready is not None
    try:
        if buffer.ready.done():
            buffer.ready.result()  # raises if the join failed
        else:
            # Shielded: one follower giving up must not cancel the others' join.
            await asyncio.shield(buffer.ready)
    except Exception:
        if buffers.get(name) is buffer:
            del buffers[name]
        raise
    buffer.used = time.monotonic()
    return buffer


async def _open(buffer: Buffer, meeting_id: int) -> None:
    # Join first, then read the sequence: no event can fall between the two.
    await fanout.hub().join(buffer.name, buffer)
    seq = await on_thread(read_threads, registry.meeting().current_seq, meeting_id)
    buffer.floor = seq if buffer.floor is None else max(buffer.floor, seq)


def _check_idle(loop: asyncio.AbstractEventLoop, buffer: Buffer) -> None:
    idle = time.monotonic() - buffer.used
    if buffer.waiting or idle < IDLE_SECONDS:
        loop.call_later(
            IDLE_SECONDS - idle if not buffer.waiting else IDLE_SECONDS, _check_idle, loop, buffer
        )
        return
    buffers = _buffers.get(loop, {})
    if buffers.get(buffer.name) is buffer:
        del buffers[buffer.name]
    task = loop.create_task(fanout.hub().leave(buffer.name, buffer))
    _background.add(task)
    task.add_done_callback(_background.discard)


def _viewer_key(
    meeting_id: int, session_key: str | None, token: str | None
) -> tuple[int, str, str]:
    return (meeting_id, "projector", token) if token else (meeting_id, "session", session_key or "")


def remembered_viewer(meeting_id: int, session_key: str | None, token: str | None) -> Viewer | None:
    """Who holds this session or projector token, if resolved in the last
    VIEWER_SECONDS."""
    hit = _viewers.get(_viewer_key(meeting_id, session_key, token))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


async def resolve_viewer(meeting_id: int, session_key: str | None, token: str | None) -> Viewer:
    """Who holds this session or projector token, as the socket resolves it
    (live.workers); remembered. Raises NotLoggedIn, NotAllowed or NotFound."""
    _user, viewer = await on_thread(
        read_threads, connect_viewer, meeting_id, session_key, token or None
    )
    now = time.monotonic()
    if len(_viewers) >= MAX_VIEWERS:
        for stale in [k for k, (until, _v) in _viewers.items() if until <= now]:
            del _viewers[stale]
        if len(_viewers) >= MAX_VIEWERS:
            _viewers.clear()
    _viewers[_viewer_key(meeting_id, session_key, token)] = (now + VIEWER_SECONDS, viewer)
    return viewer


def forget_viewers() -> None:
    """For tests: resolve every credential afresh."""
    _viewers.clear()


# --- answering --------------------------------------------------------------------------


def body(frames: list[str], cursor: float) -> bytes:
    return f'{{"cursor":{cursor:.3f},"frames":[{",".join(frames)}]}}'.encode()


class Departure:
    """Whether the client left; watched only once a request waits."""

    def __init__(self, receive: Any) -> None:
        self.receive = receive
        self.gone: asyncio.Future[None] | None = None
        self.watcher: asyncio.Task[None] | None = None

    def watch(self) -> asyncio.Future[None]:
        if self.gone is None:
            loop = asyncio.get_running_loop()
            self.gone = loop.create_future()
            self.watcher = loop.create_task(self._wait(self.gone))
        return self.gone

    async def _wait(self, gone: asyncio.Future[None]) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        if not gone.done():
            gone.set_result(None)

    @property
    def left(self) -> bool:
        return self.gone is not None and self.gone.done()

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()


async def answer(
    buffer: Buffer,
    meeting_id: int,
    viewer: Viewer,
    after: int | None,
    cursor: float | None,
    departure: Departure,
) -> bytes:
    """The frames after `after`, once there are any (or a snapshot)."""
    started = time.time()
    if after is None or not buffer.holds_after(after):
        return await snapshot_answer(buffer, meeting_id, viewer, started)
    since = started - SNAPSHOT_LAG if cursor is None else cursor
    deadline = started + WAIT_SECONDS
    jitter: float | None = None
    while True:
        now = time.time()
        if not buffer.holds_after(after):  # fell behind while waiting
            return await snapshot_answer(buffer, meeting_id, viewer, now)
        frames = buffer.after(after)
        fresh = buffer.coalesced_since(since, viewer)
        if frames or now >= deadline or departure.left:
            break
        wake = deadline
        if fresh:
            if jitter is None:
                jitter = random.uniform(0, max(MIN_SPREAD, *(f.spread for f in fresh)))
            due = max(since + COALESCED_GAP, min(f.at for f in fresh) + jitter)
            if now >= due:
                break
            wake = min(wake, due)
        await buffer.changed(wake - now, departure.watch())
    texts = [latest.text for latest in buffer.coalesced_since(since - CLOCK_SKEW, viewer)]
    return body(frames + texts, now)


async def snapshot_answer(buffer: Buffer, meeting_id: int, viewer: Viewer, now: float) -> bytes:
    text = await on_thread(read_threads, build_snapshot, meeting_id, viewer)
    # The snapshot's counts may be a moment old; the latest updates follow it.
    recent = [latest.text for latest in buffer.coalesced_since(now - SNAPSHOT_LAG, viewer)]
    return body([text, *recent], now)


# --- the ASGI endpoint ------------------------------------------------------------------


def parse_after(query: dict[str, list[str]]) -> tuple[int | None, float | None]:
    """`after` and `cursor`; ValueError for an `after` that is no sequence
    number (a cursor that is no time counts as none)."""

    def value(name: str) -> str | None:
        values = query.get(name)
        return values[-1] if values else None

    after, cursor = value("after"), value("cursor")
    if after is not None and not (after.isascii() and after.isdigit() and len(after) < 19):
        raise ValueError(after)
    try:
        moment = None if cursor is None else float(cursor)
    except ValueError:
        moment = None
    if moment is not None and not 0 <= moment < 1e11:
        moment = None
    return (None if after is None else int(after)), moment


_hosts: dict[bytes, bool] = {}


def allowed_host(headers: dict[bytes, bytes]) -> bool:
    """Django's ALLOWED_HOSTS rule (this endpoint does not pass Django's
    checks), remembered per Host header."""
    raw = headers.get(b"host", b"")
    known = _hosts.get(raw)
    if known is not None:
        return known
    host, _port = split_domain_port(raw.decode("latin-1"))
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    ok = bool(host) and validate_host(host, allowed)
    if len(_hosts) >= 64:  # forged names must not grow it
        _hosts.clear()
    _hosts[raw] = ok
    return ok


async def respond(send: Any, status: int, content: bytes, extra: list[Any] | None = None) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def refuse(send: Any, status: int, code: str, detail: str, extra: Any = None) -> None:
    await respond(send, status, encode({"detail": detail, "code": code}).encode(), extra)


async def _read_request(receive: Any) -> bool:
    """Read the (empty) request body; False when the client left first."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body"):
            return True


async def follow(scope: dict[str, Any], receive: Any, send: Any, meeting_id: int) -> None:
    headers = dict(scope.get("headers") or [])
    cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))

    def speaking() -> translation.override:
        # Only refusals and a first resolve have words: a request in step
        # does not pay for the language rule.
        return translation.override(
            scope_language({"headers": scope["headers"], "cookies": cookies})
        )

    if scope["method"] != "GET":
        with speaking():
            await refuse(send, 405, "method_not_allowed", _("Use GET."), [(b"allow", b"GET")])
        return
    if not allowed_host(headers):
        with speaking():
            await refuse(send, 400, "bad_host", _("This host name is not served here."))
        return
    if not await _read_request(receive):
        return
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    try:
        after, cursor = parse_after(query)
    except ValueError:
        with speaking():
            message = _("%(field)s must be a number.") % {"field": "after"}
            await refuse(send, 400, "invalid", message)
        return
    as_projector = (query.get("as") or [""])[-1] == AS_PROJECTOR
    token = projector_cookie(cookies) if as_projector else None
    if as_projector and token is None:
        with speaking():
            message = _("Open the projector link from the chair console on this computer.")
            await refuse(send, 404, "not_found", message)
        return
    session = cookies.get(settings.SESSION_COOKIE_NAME)
    try:
        viewer = remembered_viewer(meeting_id, session, token)
        if viewer is None:
            with speaking():
                viewer = await resolve_viewer(meeting_id, session, token)
        buffer = await buffer_for(meeting_id, viewer)
    except DomainError as exc:
        await refuse(send, exc.status, exc.code, exc.message)
        return
    except Exception as exc:
        if not database_down(exc):
            raise
        with speaking():
            await refuse_unavailable(send, exc)
        return
    departure = Departure(receive)
    buffer.waiting += 1
    try:
        content = await answer(buffer, meeting_id, viewer, after, cursor, departure)
    except Exception as exc:
        if not database_down(exc):
            raise
        with speaking():
            await refuse_unavailable(send, exc)
        return
    finally:
        buffer.waiting -= 1
        buffer.used = time.monotonic()
        departure.stop()
    if not departure.left:
        await respond(send, 200, content)


async def refuse_unavailable(send: Any, exc: Exception) -> None:
    """The database is lost (core.unavailable): 503 with Retry-After."""
    logger.warning("Following a meeting: database unreachable (%s)", exc)
    error = unavailable()
    retry = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
    await refuse(send, error.status, error.code, error.message, retry)


def mount(app: Any) -> Any:
    """`app` with the follow endpoint in front of it (config.asgi)."""

    async def with_follow(scope: dict[str, Any], receive: Any, send: Any) -> None:
        match = PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await app(scope, receive, send)
            return
        coalesce.remember_loop()
        await follow(scope, receive, send, int(match["meeting_id"]))

    return with_follow
