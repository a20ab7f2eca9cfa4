"""Helpers of the fault tests: a database that cannot be reached, a port
nobody listens on, Redis and daphne processes to kill, and voters that
behave like the phone page."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

from tests import servers


def dead_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Until the block ends, every new database connection fails, as when
    the server is down: PostgreSQL is looked for on a port nobody listens
    on, SQLite in a folder that does not exist. Every thread's connection
    shares the one settings dictionary, so worker threads see it too."""
    conn = connections["default"]
    saved = copy.deepcopy(conn.settings_dict)
    _drop(conn)
    if conn.vendor == "postgresql":
        conn.settings_dict["HOST"] = "127.0.0.1"
        conn.settings_dict["PORT"] = dead_port()
        options = conn.settings_dict.setdefault("OPTIONS", {})
        if options.get("pool"):
            options["pool"] = {**options["pool"], "min_size": 0, "timeout": 1}
        options["connect_timeout"] = 1
    else:
        missing = Path(tempfile.gettempdir()) / "no-such-folder-for-tests" / "db.sqlite3"
        conn.settings_dict["NAME"] = str(missing)
    try:
        yield
    finally:
        _drop(conn)
        conn.settings_dict.clear()
        conn.settings_dict.update(saved)


@asynccontextmanager
async def database_unreachable_async() -> AsyncIterator[None]:
    """database_unreachable() for an async test."""
    block = database_unreachable()
    await sync_to_async(block.__enter__)()
    try:
        yield
    finally:
        await sync_to_async(block.__exit__)(None, None, None)


def _drop(conn: object) -> None:
    """Close this thread's connection and, on PostgreSQL, the shared pool:
    the next connection is made with the settings as they are then."""
    conn.close()  # type: ignore[attr-defined]
    if getattr(conn, "vendor", "") == "postgresql":
        pools = type(conn)._connection_pools  # type: ignore[attr-defined]
        pool = pools.pop(conn.alias, None)  # type: ignore[attr-defined]
        if pool is not None:
            pool.close(timeout=0.5)  # its workers may be retrying a dead port


# --- real processes: Redis and daphne ----------------------------------------------

REDIS_PORTS = range(6390, 6400)


class RedisServer:
    """A redis-server of the test's own on a port of 6390-6399: killed with
    SIGKILL and started again on the same port, as an operator's restart or a
    crash would."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = _free_port_in(REDIS_PORTS)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_listening(self.port, self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL
            self.process.wait()
        self.process = None


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@dataclass
class Daphne:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no graceful close of sockets or transactions."""
        self.process.kill()
        self.process.wait()


@contextmanager
def daphnes(workdir: Path, redis_url: str, count: int = 2) -> Iterator[list[Daphne]]:
    """`count` daphne processes on the test database and `redis_url`, as in
    production (threads for socket commands, a connection pool), started
    side by side."""
    started: list[tuple[int, Path, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(count):
            started.append(_start_daphne(workdir, redis_url))
        for port, log_path, process in started:
            servers._wait_for_port(port, process, log_path)
        yield [Daphne(f"http://127.0.0.1:{port}", process) for port, _, process in started]
    finally:
        for _, _, process in started:
            if process.poll() is None:
                process.terminate()
        for _, _, process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _start_daphne(workdir: Path, redis_url: str) -> tuple[int, Path, subprocess.Popen[bytes]]:
    port = servers.free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": servers.test_database_url(),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "AUDIT_KEY_PATH": str(settings.AUDIT_KEY_PATH),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DB_POOL_SIZE": "6",
        "SOCKET_COMMAND_THREADS": "4",
        "SOCKET_READ_THREADS": "2",
        "CACHE_KEY_PREFIX": f"faults-{port}",
    }
    log_path = workdir / f"daphne-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "config.asgi:application",
            ],
            cwd=servers.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return port, log_path, process


def _free_port_in(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {ports.start}-{ports.stop - 1}")


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process on port {port} exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after 10 s")


# --- voters that behave like the phone page ------------------------------------------


@dataclass
class Voter:
    cookie: str
    nonce: str
    choice: int
    cast_at: float  # seconds after the poll's start


@dataclass
class Tally:
    """What the voters' phones hold at the end."""

    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)
    acknowledged_at: dict[str, float] = field(default_factory=dict)
    connections: int = 0
    unavailable_frames: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)


class Timeline:
    """The poll's clock starts once every phone has its first snapshot, so
    that the connect storm is not part of the trial."""

    def __init__(self, phones: int) -> None:
        self.waiting = phones
        self.ready = asyncio.Event()
        self.start = 0.0

    def connected(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.start = asyncio.get_running_loop().time()
            self.ready.set()

    async def at(self, seconds: float) -> None:
        """Sleep until `seconds` after the start."""
        await self.ready.wait()
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.start + seconds - loop.time()))

    def now(self) -> float:
        return asyncio.get_running_loop().time() - self.start


async def phone(
    urls: list[str],
    meeting_id: int,
    poll_id: int,
    voter: Voter,
    tally: Tally,
    timeline: Timeline,
    deadline: float,
) -> None:
    """One member's phone, as meeting-socket.js and phone-voting.js behave:
    it holds a socket from the start, casts its ballot at `cast_at`, and
    until the ack resends the same nonce after any close, timeout or
    `unavailable` error, reconnecting to the next server with backoff. A
    final refusal is recorded (a test fails on it)."""
    loop = asyncio.get_running_loop()
    first_connect = True
    ref = f"ballot:{voter.nonce}"
    ballot = {
        "type": "ballot.cast",
        "poll_id": poll_id,
        "choices": [voter.choice],
        "nonce": voter.nonce,
        "ref": ref,
    }
    attempt = random.randrange(len(urls))
    while loop.time() < deadline:
        url = urls[attempt % len(urls)]
        attempt += 1
        tally.connections += 1
        try:
            async with connect(
                url.replace("http://", "ws://") + f"/ws/meetings/{meeting_id}/",
                origin=Origin(url),
                additional_headers={"Cookie": voter.cookie},
                open_timeout=3,
                close_timeout=1,
            ) as socket_:
                first = json.loads(await asyncio.wait_for(socket_.recv(), 5))
                if first["type"] != "snapshot":
                    raise ConnectionError(first)
                if first_connect:
                    first_connect = False
                    timeline.connected()
                await asyncio.wait_for(
                    _events_until(socket_, timeline.at(voter.cast_at)), deadline - loop.time()
                )
                await socket_.send(json.dumps(ballot))
                while True:
                    frame = json.loads(await asyncio.wait_for(socket_.recv(), 5))
                    if frame.get("ref") != ref:
                        continue  # an event
                    if frame["type"] == "ack":
                        tally.acknowledged[voter.nonce] = frame["receipt"]
                        tally.acknowledged_at[voter.nonce] = timeline.now()
                        return
                    if frame.get("code") != "unavailable":
                        tally.refused.append(frame)
                        return
                    tally.unavailable_frames += 1
                    break
        except (ConnectionClosed, ConnectionError, OSError, TimeoutError, InvalidHandshake):
            pass
        await asyncio.sleep(0.2 + random.random() * 0.3)


async def _events_until(socket_: Any, moment: Coroutine[Any, Any, None]) -> None:
    """Read events until `moment` comes; raise if the socket closes first."""
    waiting = asyncio.ensure_future(moment)
    reading = asyncio.ensure_future(_events(socket_))
    try:
        await asyncio.wait({waiting, reading}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        reading.cancel()
        waiting.cancel()
    if not waiting.done() or waiting.cancelled():
        raise ConnectionError("the socket closed before the ballot was due")


async def _events(socket_: Any) -> None:
    async for _frame in socket_:
        pass
