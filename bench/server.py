"""The server under test: a throwaway PostgreSQL database, daphne processes
with production-like settings, and their CPU and memory from /proc."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- /proc -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 (utime) and 15 (stime) of proc(5); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, in bytes."""
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


# --- CPU placement -----------------------------------------------------------------


def cpu_plan(server_cpus: str, client_cpus: str) -> tuple[str, set[int]]:
    """The taskset list for server processes and the CPU set of the client.

    "auto": on a machine with 2 or more CPUs, the client gets the last CPU and
    the servers all others; on 1 CPU, nothing is pinned. "none" pins nothing.
    """
    available = sorted(os.sched_getaffinity(0))
    if server_cpus == "auto" and client_cpus == "auto":
        if len(available) < 2 or shutil.which("taskset") is None:
            return "", set(available)
        return ",".join(map(str, available[:-1])), {available[-1]}
    servers = "" if server_cpus in ("auto", "none") else server_cpus
    client = set(available) if client_cpus in ("auto", "none") else _cpu_list(client_cpus)
    return servers, client


def _cpu_list(text: str) -> set[int]:
    cpus: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


# --- database ------------------------------------------------------------------------


def _with_db(url: str, name: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}"))


@dataclass
class Database:
    """A database created for one run and dropped after it."""

    server_url: str
    name: str = field(default_factory=lambda: f"bench_{os.getpid()}_{secrets.token_hex(3)}")

    @property
    def url(self) -> str:
        return _with_db(self.server_url, self.name)

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(_with_db(self.server_url, "postgres"), autocommit=True)

    def create(self) -> None:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return list(conn.execute(sql, params).fetchall())

    def server_version(self) -> str:
        with self._admin() as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"


def delete_redis_keys(redis_url: str, pattern: str) -> int:
    """Delete the keys this run made (coalescing slots); never FLUSHDB."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=pattern, count=1000))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


def redis_version(redis_url: str) -> str:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return str(client.info("server").get("redis_version", "?"))
    finally:
        client.close()


# --- environment and processes --------------------------------------------------------


def server_env(
    *, database_url: str, redis_url: str, secret_key: str, extra: dict[str, str]
) -> dict[str, str]:
    """Production-like settings, except TLS (loopback has none)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SERVE_STATIC": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def run_seed(env: dict[str, str], out: Path, members: int, options: list[str]) -> dict[str, Any]:
    """Migrate and seed in a subprocess (in-memory channel layer: no one is
    connected yet, and the seed must not publish into Redis)."""
    seed_env = {k: v for k, v in env.items() if k != "REDIS_URL"}
    command = [sys.executable, "-m", "bench.seed", "--members", str(members), "--out", str(out)]
    subprocess.run([*command, *options], cwd=ROOT, env=seed_env, check=True)
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def consecutive_free_ports(count: int, start: int = 0) -> int:
    """The first of `count` consecutive free ports (from `start`, or random)."""
    import random

    for _ in range(200):
        base = start or random.randrange(20000, 40000)
        if all(_port_free(base + i) for i in range(count)):
            return base
        if start:
            raise RuntimeError(f"ports {start}..{start + count - 1} are not all free")
    raise RuntimeError("no free port range found")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Daphne:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def start_daphne(
    *, port: int, env: dict[str, str], cpus: str, log: Path, extra_args: list[str]
) -> Daphne:
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    command += [*extra_args, "config.asgi:application"]
    if cpus:
        # taskset execs the server: the pid stays the server's own.
        command = ["taskset", "-c", cpus, *command]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Daphne(port=port, process=process, log=log)


def wait_listening(servers: list[Daphne], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for server in servers:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{server.log.read_text()[-4000:]}")
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"daphne did not listen on {server.port}") from None
                time.sleep(0.1)


def stop_daphne(servers: list[Daphne]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)
