"""Simulated phones, chair console and projector: one asyncio task per socket,
or per phone that follows the meeting over HTTP (live.follow: a long-poll
loop, as meeting-follow.js does where WebSockets do not get through).

All times are `time.perf_counter()` readings of this one client process, so
latencies between sockets (chair sends, members receive) share one clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import ssl
import string
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from time import perf_counter
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

# core.projector_cookie.PROJECTOR_COOKIE (the clients import nothing of the server).
PROJECTOR_COOKIE = "projector"

MAX_FRAME = 4 * 1024 * 1024


def ballot_nonce() -> str:
    """A ballot's idempotency nonce as a phone draws it: 80 random bits in base32."""
    return b32encode(secrets.token_bytes(10)).decode()


def csrf_token() -> str:
    """A CSRF secret as Django's cookie holds it: 32 letters and digits."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


@dataclass
class Counters:
    """Frames received by all sockets together."""

    frames: int = 0
    # Sizes of the speakers.changed frames the phones received (S8).
    speakers_bytes: list[int] = field(default_factory=list)


@dataclass
class Client:
    """One WebSocket: a member's phone, the chair's console or the projector."""

    name: str
    role: str  # "member" | "chair" | "projector"
    port: int
    transport: str = "ws"  # "ws": the meeting socket; "http": following over HTTP
    session: str = ""
    projector_token: str = ""
    poll_id: int = 0
    counters: Counters = field(default_factory=Counters)
    on_poll_open: Callable[[Client], None] | None = None

    ws: ClientConnection | None = None
    csrf: str = field(default_factory=csrf_token)
    t_start: float | None = None
    t_open: float | None = None
    t_snapshot: float | None = None
    connect_error: str | None = None
    snapshot_seq: int | None = None
    frames: int = 0
    closing: bool = False
    dropped: bool = False
    close_code: int | None = None
    # Voting.
    poll_open_at: float | None = None
    via: str = ""
    cast_sent: float | None = None
    ack_at: float | None = None
    ack_ok: bool = False
    ack_detail: str = ""
    receipt: str = ""
    # (arrival time, seq) of each agenda.changed event.
    agenda: list[tuple[float, int]] = field(default_factory=list)
    # (arrival time, ballots, state) of each poll.turnout update (projector, chair).
    turnouts: list[tuple[float, int, str]] = field(default_factory=list)
    pong_rtts: list[float] = field(default_factory=list)
    pings_sent: int = 0
    # Speakers' list: when each request first showed in a speakers.changed.
    speeches_seen: dict[int, float] = field(default_factory=dict)
    # Following over HTTP: the phone's own connection pool, its place in the
    # meeting's sequence, and its requests.
    http: httpx.AsyncClient | None = None
    seq: int | None = None
    cursor: float | None = None
    follow_requests: int = 0
    follow_errors: int = 0
    follow_snapshots: int = 0
    _follow_url: str = ""

    _waiters: dict[str, asyncio.Future[tuple[float, dict[str, Any]]]] = field(default_factory=dict)
    _snapshot: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None
    _ping_sent: dict[str, float] = field(default_factory=dict)

    # --- connection ----------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cookie_header(self) -> str:
        if self.projector_token:
            return f"{PROJECTOR_COOKIE}={self.projector_token}"
        return f"sessionid={self.session}; csrftoken={self.csrf}"

    async def connect(self, meeting_id: int, timeout: float) -> None:
        """Open the socket (or the first HTTP follow request) and wait for
        the snapshot; errors are recorded."""
        if self.transport == "http":
            await self.connect_http(meeting_id, timeout)
            return
        url = f"ws://127.0.0.1:{self.port}/ws/meetings/{meeting_id}/"
        headers: dict[str, str] = {"Cookie": self.cookie_header()}
        if self.projector_token:
            # As the projector page: the token in its cookie, never the URL.
            url += "?as=projector"
        self.t_start = perf_counter()
        try:
            self.ws = await connect(
                url,
                origin=Origin(self.origin),
                additional_headers=headers,
                open_timeout=timeout,
                ping_interval=None,  # browsers answer pings, they do not send them
                max_size=MAX_FRAME,
                close_timeout=5,
            )
            self.t_open = perf_counter()
            self._reader = asyncio.create_task(self._read())
            await asyncio.wait_for(self._snapshot.wait(), timeout)
        except (OSError, TimeoutError, ConnectionClosed, Exception) as exc:
            self.connect_error = f"{type(exc).__name__}: {exc}"[:200]

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._reader is not None:
            if self.transport == "http":
                self._reader.cancel()  # a long-poll waits up to 20 s
            await asyncio.gather(self._reader, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()

    @property
    def connected(self) -> bool:
        return self.t_snapshot is not None and not self.dropped

    # --- frames ----------------------------------------------------------------

    async def _read(self) -> None:
        assert self.ws is not None
        ws = self.ws
        try:
            async for raw in ws:
                now = perf_counter()
                self.frames += 1
                self.counters.frames += 1
                text = raw if isinstance(raw, str) else raw.decode()
                if self.role == "member" and '"poll.turnout"' in text[:40]:
                    continue  # phones get these at 1/s; nothing to measure on them
                if self.role == "member" and '"speakers.changed"' in text[:40]:
                    self.counters.speakers_bytes.append(len(raw))
                self._handle(json.loads(text), now)
        except ConnectionClosed:
            pass
        finally:
            if not self.closing:
                self.dropped = True
                self.close_code = ws.close_code
                if not self._snapshot.is_set():
                    self.connect_error = f"closed before the snapshot: {ws.close_code}"
                    self._snapshot.set()
            for waiter in self._waiters.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError("socket closed"))

    def _handle(self, message: dict[str, Any], now: float) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            if self.t_snapshot is None:
                self.t_snapshot = now
                self.snapshot_seq = message.get("seq")
            self._snapshot.set()
        elif kind == "agenda.changed":
            self.agenda.append((now, int(message.get("seq", 0))))
        elif kind == "poll.turnout":
            if message.get("poll_id") == self.poll_id:
                self.turnouts.append((now, int(message["ballots"]), str(message.get("state"))))
        elif kind == "poll.changed":
            poll = message.get("poll") or {}
            if (
                poll.get("id") == self.poll_id
                and poll.get("state") == "open"
                and self.poll_open_at is None
            ):
                self.poll_open_at = now
                if self.on_poll_open is not None:
                    self.on_poll_open(self)
        elif kind == "speakers.changed":
            listed = message.get("list") or {}
            current = listed.get("current")
            for speech in [*listed.get("waiting", []), *([current] if current else [])]:
                self.speeches_seen.setdefault(int(speech["id"]), now)
        elif kind == "pong":
            sent = self._ping_sent.pop(str(message.get("ref")), None)
            if sent is not None:
                self.pong_rtts.append(now - sent)
        if kind in ("ack", "error") and message.get("ref") is not None:
            waiter = self._waiters.pop(str(message["ref"]), None)
            if waiter is not None and not waiter.done():
                waiter.set_result((now, message))

    # --- commands ----------------------------------------------------------------

    async def command(
        self, message: dict[str, Any], ref: str, timeout: float
    ) -> tuple[float, float, dict[str, Any]]:
        """Send a command; return (sent at, answered at, ack or error frame)."""
        assert self.ws is not None
        waiter: asyncio.Future[tuple[float, dict[str, Any]]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiters[ref] = waiter
        sent = perf_counter()
        await self.ws.send(json.dumps({**message, "ref": ref}))
        answered, reply = await asyncio.wait_for(waiter, timeout)
        return sent, answered, reply

    async def cast_ws(self, choice: int, timeout: float) -> None:
        self.via = "ws"
        message = {
            "type": "ballot.cast",
            "poll_id": self.poll_id,
            "choices": [choice],
            "nonce": ballot_nonce(),
        }
        try:
            sent, answered, reply = await self.command(message, "ballot", timeout)
        except (TimeoutError, ConnectionError, ConnectionClosed) as exc:
            self.ack_detail = type(exc).__name__
            return
        self.cast_sent, self.ack_at = sent, answered
        self.ack_ok = reply.get("type") == "ack"
        self.ack_detail = "ack" if self.ack_ok else str(reply.get("code"))

    async def cast_rest(self, http: httpx.AsyncClient, choice: int, timeout: float) -> None:
        self.via = "rest"
        body = {"choices": [choice], "nonce": ballot_nonce()}
        sent = perf_counter()
        try:
            response = await http.post(
                f"{self.origin}/api/polls/{self.poll_id}/ballots/",
                json=body,
                headers=self.rest_headers(),
                timeout=timeout,
            )
        except httpx.HTTPError as exc:
            self.ack_detail = type(exc).__name__
            return
        self.cast_sent, self.ack_at = sent, perf_counter()
        self.ack_ok = response.status_code in (200, 201)
        self.ack_detail = str(response.status_code)

    async def cast_encrypted_ws(self, ballot: dict[str, Any], nonce: str, timeout: float) -> None:
        """An encrypted ballot (made before the window) over the socket."""
        self.via = "ws"
        message = {
            "type": "ballot.cast_encrypted",
            "poll_id": self.poll_id,
            "ballot": ballot,
            "nonce": nonce,
        }
        try:
            sent, answered, reply = await self.command(message, "ballot", timeout)
        except (TimeoutError, ConnectionError, ConnectionClosed) as exc:
            self.ack_detail = type(exc).__name__
            return
        self.cast_sent, self.ack_at = sent, answered
        self.ack_ok = reply.get("type") == "ack"
        self.ack_detail = "ack" if self.ack_ok else str(reply.get("code"))
        self.receipt = str((reply.get("receipt") or {}).get("receipt_code", ""))

    async def cast_encrypted_rest(
        self, http: httpx.AsyncClient, ballot: dict[str, Any], nonce: str, timeout: float
    ) -> None:
        """An encrypted ballot over REST, as the phone sends it when its socket is down."""
        self.via = "rest"
        sent = perf_counter()
        try:
            response = await http.post(
                f"{self.origin}/api/polls/{self.poll_id}/encrypted-ballots/",
                json={"ballot": ballot, "nonce": nonce},
                headers=self.rest_headers(),
                timeout=timeout,
            )
        except httpx.HTTPError as exc:
            self.ack_detail = type(exc).__name__
            return
        self.cast_sent, self.ack_at = sent, perf_counter()
        self.ack_ok = response.status_code == 201
        self.ack_detail = str(response.status_code)
        if self.ack_ok:
            self.receipt = str(response.json()["receipt"]["receipt_code"])

    def rest_headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie_header(), "X-CSRFToken": self.csrf, "Origin": self.origin}

    # --- following over HTTP ------------------------------------------------------

    def follow_headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie_header(), "Accept": "application/json"}

    async def connect_http(self, meeting_id: int, timeout: float) -> None:
        self.http = http_client()
        self._follow_url = f"{self.origin}/live/meetings/{meeting_id}/follow/"
        self.t_start = perf_counter()
        try:
            await self.follow_once(timeout)
            self.t_open = self.t_snapshot
        except Exception as exc:
            self.connect_error = f"{type(exc).__name__}: {exc}"[:200]
            return
        self._reader = asyncio.create_task(self._follow())

    async def follow_once(self, timeout: float) -> None:
        """One long-poll: the frames after the last seq held (or a snapshot)."""
        assert self.http is not None
        params: dict[str, str] = {"as": "projector"} if self.projector_token else {}
        if self.seq is not None:
            params["after"] = str(self.seq)
            if self.cursor is not None:
                params["cursor"] = str(self.cursor)
        self.follow_requests += 1
        response = await self.http.get(
            self._follow_url, params=params, headers=self.follow_headers(), timeout=timeout
        )
        now = perf_counter()
        if response.status_code != 200:
            raise ConnectionError(f"HTTP {response.status_code}")
        body = response.json()
        self.cursor = body.get("cursor")
        for frame in body["frames"]:
            self.frames += 1
            self.counters.frames += 1
            seq = frame.get("seq")
            if frame.get("type") == "snapshot":
                self.follow_snapshots += 1
                self.seq = seq
            elif isinstance(seq, int):
                if self.seq is None or seq <= self.seq:
                    continue
                if seq > self.seq + 1:  # a gap: ask for a snapshot, as the page does
                    self.seq = None
                    break
                self.seq = seq
            self._handle(frame, now)

    async def _follow(self) -> None:
        while not self.closing:
            try:
                await self.follow_once(60)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.follow_errors += 1
                await asyncio.sleep(1)

    async def ping(self, ref: str) -> None:
        assert self.ws is not None
        self._ping_sent[ref] = perf_counter()
        self.pings_sent += 1
        await self.ws.send(json.dumps({"type": "ping", "ref": ref}))


# Phones' clients share one TLS context: building one per client costs 25 ms.
_TLS = ssl.create_default_context()


def http_client() -> httpx.AsyncClient:
    """An HTTP client with a connection pool of its own, as each phone has:
    one pool shared by a thousand simulated phones scans every connection
    for every request, and the client's own CPU then sets the latency.
    Cookies go per request (headers), so the jar must stay empty."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(cookies=jar, timeout=60, verify=_TLS)


async def connect_all(clients: list[Client], meeting_id: int, ramp: float, timeout: float) -> float:
    """Connect the clients spread evenly over `ramp` seconds; return the
    wall time until the last snapshot (or failure)."""
    started = perf_counter()
    count = max(1, len(clients))

    async def one(index: int, client: Client) -> None:
        await asyncio.sleep(max(0.0, started + ramp * index / count - perf_counter()))
        await client.connect(meeting_id, timeout)

    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    return perf_counter() - started


async def close_all(clients: list[Client]) -> None:
    await asyncio.gather(*(c.close() for c in clients))
