"""Two daphne processes sharing PostgreSQL and Redis, as behind a load balancer.

A change made through one process reaches a socket held by the other, with the
meeting's sequence number continuing by one, whichever process made it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from meetings import services
from meetings.models import AgendaItem
from tests.conftest import World, build_world
from tests.factories import PASSWORD
from tests.servers import daphne_server

pytestmark = [pytest.mark.multiprocess, pytest.mark.usefixtures("require_postgres")]

# Bounds how long a broken test hangs; not a latency assertion.
TIMEOUT = 15


@dataclass
class Servers:
    a: str
    b: str


@pytest.fixture
def servers(transactional_db: None, redis_url: str, tmp_path: Path) -> Iterator[Servers]:
    with (
        daphne_server(tmp_path, redis_url=redis_url) as a,
        daphne_server(tmp_path, redis_url=redis_url) as b,
    ):
        assert a != b
        yield Servers(a, b)


@pytest.fixture
def live_world(transactional_db: None) -> World:
    world = build_world()
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    return world


@asynccontextmanager
async def logged_in(base_url: str, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client logged in through the server's own login endpoint."""
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        response = await client.post(
            "/api/auth/login/", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert "sessionid" in client.cookies
        yield client


async def advance(client: httpx.AsyncClient, meeting_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/meetings/{meeting_id}/agenda/advance/",
        json=body,
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


@asynccontextmanager
async def meeting_socket(
    base_url: str, meeting_id: int, client: httpx.AsyncClient
) -> AsyncIterator[ClientConnection]:
    """A browser-like socket: the page's Origin and the session cookie."""
    uri = base_url.replace("http://", "ws://") + f"/ws/meetings/{meeting_id}/"
    cookie = f"sessionid={client.cookies['sessionid']}"
    async with connect(
        uri, origin=Origin(base_url), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
    ) as socket:
        yield socket


async def receive(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
    return message


def test_change_through_process_a_reaches_a_socket_on_process_b(
    live_world: World, servers: Servers
) -> None:
    world = live_world

    async def scenario() -> None:
        async with (
            logged_in(servers.a, world.chair.username) as chair_on_a,
            logged_in(servers.b, world.voters[0].username) as member_on_b,
            meeting_socket(servers.b, world.meeting.pk, member_on_b) as socket,
        ):
            snapshot = await receive(socket)
            assert snapshot["type"] == "snapshot"
            assert snapshot["viewer"]["role"] == "voter"
            assert snapshot["current_item_id"] == world.items[0].pk

            item = await advance(chair_on_a, world.meeting.pk, direction="next")
            assert item["id"] == world.items[1].pk

            event = await receive(socket)
            assert event["type"] == "agenda.changed"
            assert event["seq"] == snapshot["seq"] + 1
            assert event["current_item_id"] == world.items[1].pk

    asyncio.run(scenario())


def test_changes_from_both_processes_keep_one_sequence(live_world: World, servers: Servers) -> None:
    world = live_world
    items = world.items

    async def scenario() -> None:
        async with (
            logged_in(servers.a, world.chair.username) as chair_on_a,
            # The chair on both: only the chair advances the agenda.
            logged_in(servers.b, world.chair.username) as chair_on_b,
            logged_in(servers.a, world.voters[1].username) as member_on_a,
            meeting_socket(servers.a, world.meeting.pk, member_on_a) as socket,
        ):
            seq = (await receive(socket))["seq"]
            steps: list[tuple[httpx.AsyncClient, dict[str, Any], AgendaItem]] = [
                (chair_on_a, {"direction": "next"}, items[1]),
                (chair_on_b, {"direction": "next"}, items[2]),
                (chair_on_a, {"direction": "previous"}, items[1]),
                (chair_on_b, {"item_id": items[0].pk}, items[0]),
            ]
            for client, body, expected in steps:
                await advance(client, world.meeting.pk, **body)
                event = await receive(socket)
                assert event["type"] == "agenda.changed"
                assert event["seq"] == seq + 1
                assert event["current_item_id"] == expected.pk
                seq = event["seq"]

            await socket.send(json.dumps({"type": "resync"}))
            fresh = await receive(socket)
            assert (fresh["type"], fresh["seq"]) == ("snapshot", seq)

    asyncio.run(scenario())
