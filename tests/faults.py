"""Helpers of the fault tests: a database that cannot be reached, a port
nobody listens on."""

from __future__ import annotations

import copy
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from asgiref.sync import sync_to_async
from django.db import connections


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
