"""Fault trials during a poll, on real processes: two daphne servers sharing
PostgreSQL and a Redis of the test's own, and phones that behave like the
phone page (hold a socket, cast, resend the same receipt code until the ack).

Each trial breaks something mid-poll: Redis killed and restarted, every
PostgreSQL connection of the test database killed (three times), one of the
two daphne processes killed with SIGKILL. Each ends with every phone holding
an acknowledgement, and acknowledged = stored = exported (the closed poll's
audit export, checked by the stand-alone verifier), none doubled.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from meetings import services as meeting_services
from tests.conftest import World, build_world, need
from tests.faults import (
    Daphne,
    RedisServer,
    Tally,
    Timeline,
    Voter,
    daphnes,
    phone,
    redis_server,
)
from tests.live.test_consumer import session_cookie
from tests.voting.conftest import receipt
from voting import audit, services, verify
from voting.models import Ballot, Poll

pytestmark = [pytest.mark.multiprocess, pytest.mark.usefixtures("require_postgres")]

VOTERS = 30
CAST_OVER = 5.0  # seconds over which the phones cast, once all are connected
DEADLINE = 40.0  # bounds a broken trial; not a latency check


@dataclass
class Trial:
    world: World
    poll: Poll
    voters: list[Voter]
    redis: RedisServer
    servers: list[Daphne]

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]


@pytest.fixture
def trial(transactional_db: None, tmp_path: Path) -> Iterator[Trial]:
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    world = build_world(voters=VOTERS, items=1)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt the budget?", kind="motion"
    )
    poll = services.poll_open(actor=world.chair, poll=poll)
    options = list(poll.options.values_list("pk", flat=True))
    rng = random.Random(20)
    voters = [
        Voter(session_cookie(member), receipt(), rng.choice(options), CAST_OVER * i / VOTERS)
        for i, member in enumerate(world.voters)
    ]
    with redis_server(tmp_path) as redis, daphnes(tmp_path, redis.url) as servers:
        # The test process keeps no connection across the trial.
        connection.close()
        yield Trial(world, poll, voters, redis, servers)


Fault = Callable[[Timeline], Awaitable[None]]


def run(trial: Trial, fault: Fault) -> Tally:
    """The poll, with `fault(timeline)` running beside the phones."""
    tally = Tally()

    async def scenario() -> None:
        timeline = Timeline(len(trial.voters))
        deadline = asyncio.get_running_loop().time() + DEADLINE
        meeting, poll = trial.world.meeting.pk, trial.poll.pk
        phones = [
            phone(trial.urls, meeting, poll, voter, tally, timeline, deadline)
            for voter in trial.voters
        ]
        await asyncio.gather(asyncio.wait_for(fault(timeline), DEADLINE), *phones)

    asyncio.run(scenario())
    return tally


def assert_nothing_lost_or_doubled(trial: Trial, tally: Tally) -> None:
    assert tally.refused == []
    expected = {voter.nonce: [voter.choice] for voter in trial.voters}
    assert {nonce: r["choices"] for nonce, r in tally.acknowledged.items()} == expected, (
        "every phone holds its acknowledgement"
    )
    # Receipts are the server's: each phone's one receipt, and only those, stored.
    acknowledged = {r["receipt_code"]: r["choices"] for r in tally.acknowledged.values()}
    assert len(acknowledged) == len(expected)
    stored = list(Ballot.objects.filter(poll=trial.poll).values_list("receipt_code", "choices"))
    assert len(stored) == len(expected)
    assert dict(stored) == acknowledged
    poll = services.poll_close(actor=trial.world.chair, poll=trial.poll)
    export = json.loads(audit.export_text(poll))
    assert verify.verify(export).startswith(f"OK: poll {poll.pk}")
    exported = [entry["receipt"] for entry in export["entries"]]
    assert sorted(exported) == sorted(acknowledged)
    assert {e["receipt"]: e["choices"] for e in export["entries"]} == acknowledged


def test_redis_killed_and_restarted_mid_poll(trial: Trial) -> None:
    window: list[float] = []

    async def fault(timeline: Timeline) -> None:
        await timeline.at(1.5)
        await asyncio.to_thread(trial.redis.kill)
        window.append(timeline.now())
        await timeline.at(3.5)
        window.append(timeline.now())
        await asyncio.to_thread(trial.redis.start)

    tally = run(trial, fault)
    down, up = window
    during = [t for t in tally.acknowledged_at.values() if down < t < up]
    assert during, "ballots were acknowledged while Redis was down"
    assert_nothing_lost_or_doubled(trial, tally)


def test_postgres_connections_killed_mid_poll(trial: Trial) -> None:
    database = connection.settings_dict["NAME"]
    given = connection.get_connection_params()
    params = {k: given[k] for k in ("user", "password", "host", "port") if given.get(k)}
    params["dbname"] = "postgres"  # this connection is not one to kill
    killed: list[int] = []

    def kill_backends() -> int:
        with psycopg.connect(**params, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchall()
        return len(rows)

    async def fault(timeline: Timeline) -> None:
        for moment in (1.0, 2.0, 3.0):
            await timeline.at(moment)
            killed.append(await asyncio.to_thread(kill_backends))

    tally = run(trial, fault)
    assert sum(killed) > 0, "connections of the servers were killed"
    assert_nothing_lost_or_doubled(trial, tally)


def test_one_of_two_daphne_processes_killed_mid_poll(trial: Trial) -> None:
    async def fault(timeline: Timeline) -> None:
        await timeline.at(2.0)
        await asyncio.to_thread(trial.servers[0].kill)

    tally = run(trial, fault)
    # Every phone held a socket from the start, about half of them on the
    # killed process: those reconnected to the other one.
    assert tally.connections > VOTERS
    assert_nothing_lost_or_doubled(trial, tally)
