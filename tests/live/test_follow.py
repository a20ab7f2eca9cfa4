"""Following a meeting over HTTP (live.follow) through the real ASGI
application: the same viewers, snapshot, events and order as the socket.

Transactional, as the socket's tests: the endpoint reads the database from
worker threads, so it must see committed rows.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client

from config.asgi import application
from core.projector_cookie import PROJECTOR_COOKIE
from live import follow
from live.events import Audience, group_name, layer_message
from meetings import services
from meetings.models import Member
from tests.conftest import IN_CI, World, build_world

TIMEOUT = 10
TestFunction = TypeVar("TestFunction", bound=Callable[..., Any])


def follow_test(test: TestFunction) -> TestFunction:
    """An async, transactional test on the configured channel layer."""
    marked = pytest.mark.asyncio(test)
    marked = pytest.mark.django_db(transaction=True)(marked)
    return pytest.mark.usefixtures("layer")(marked)  # type: ignore[no-any-return]


@pytest.fixture
def layer(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    """Redis when REDIS_URL is set (and under CI), else the in-memory layer;
    every credential resolved afresh."""
    if os.environ.get("REDIS_URL") or IN_CI:
        request.getfixturevalue("redis_layer")
    else:
        from channels.layers import channel_layers

        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        channel_layers.backends.clear()
    follow.forget_viewers()
    yield
    follow.forget_viewers()


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """A live meeting: item 1 is current."""
    world = build_world()
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    return world


def session_of(member: Member) -> str:
    client = Client()
    client.force_login(member)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: Any

    @property
    def frames(self) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = self.body["frames"]
        return frames

    @property
    def types(self) -> list[str]:
        return [frame["type"] for frame in self.frames]


class Request:
    """One request to the ASGI application; `leave()` plays the client going away."""

    def __init__(
        self,
        path: str,
        *,
        query: str = "",
        cookie: str | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        method: str = "GET",
        host: bytes = b"127.0.0.1",
    ) -> None:
        all_headers = [(b"host", host), *(headers or [])]
        if cookie:
            all_headers.append((b"cookie", cookie.encode()))
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": all_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.inbox.put_nowait({"type": "http.request", "body": b"", "more_body": False})
        self.sent: list[dict[str, Any]] = []
        self.task: asyncio.Task[None] | None = None

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def start(self) -> Request:
        self.task = asyncio.ensure_future(application(self.scope, self.receive, self.send))
        return self

    def leave(self) -> None:
        self.inbox.put_nowait({"type": "http.disconnect"})

    async def answer(self) -> Answer:
        if self.task is None:
            self.start()
        assert self.task is not None
        await asyncio.wait_for(self.task, TIMEOUT)
        start, content = self.sent[0], self.sent[1]
        assert start["type"] == "http.response.start"
        return Answer(start["status"], dict(start["headers"]), json.loads(content["body"]))


def path(world: World) -> str:
    return f"/live/meetings/{world.meeting.pk}/follow/"


async def snapshot_of(world: World, cookie: str) -> tuple[dict[str, Any], float]:
    first = await Request(path(world), cookie=cookie).answer()
    assert first.status == 200 and first.types[0] == "snapshot"
    return first.frames[0], first.body["cursor"]


async def advance(world: World) -> None:
    await sync_to_async(services.agenda_advance)(
        actor=world.chair, meeting=world.meeting, direction="next"
    )


# --- who may follow -----------------------------------------------------------------


@follow_test
async def test_first_call_is_the_members_snapshot_never_cached(live_world: World) -> None:
    world = live_world
    cookie = await sync_to_async(session_of)(world.voters[0])
    answer = await Request(path(world), cookie=cookie).answer()
    assert answer.status == 200
    assert answer.headers[b"content-type"] == b"application/json"
    assert answer.headers[b"cache-control"] == b"no-store"
    assert answer.types == ["snapshot"]
    snapshot = answer.frames[0]
    assert snapshot["viewer"]["role"] == "voter"
    assert snapshot["current_item_id"] == world.items[0].pk
    assert abs(answer.body["cursor"] - time.time()) < 5


@follow_test
async def test_who_may_not_follow_gets_the_sockets_refusals_as_json(live_world: World) -> None:
    world = live_world
    outsider = await sync_to_async(session_of)(world.outsider)
    chair = await sync_to_async(session_of)(world.chair)
    cases = [
        (Request(path(world)), 401, "not_logged_in"),
        (Request(path(world), cookie=outsider), 403, "forbidden"),
        (Request(f"/live/meetings/{world.meeting.pk + 1000}/follow/", cookie=chair), 404, None),
        (Request(path(world), cookie=chair, query="after=abc"), 400, "invalid"),
        (Request(path(world), cookie=chair, query="after=-1"), 400, "invalid"),
        (Request(path(world), cookie=chair, method="POST"), 405, "method_not_allowed"),
        (Request(path(world), cookie=chair, host=b"evil.example"), 400, "bad_host"),
    ]
    for request, status, code in cases:
        answer = await request.answer()
        assert answer.status == status, (request.scope, answer)
        assert answer.headers[b"cache-control"] == b"no-store"
        assert isinstance(answer.body["detail"], str) and answer.body["detail"]
        if code:
            assert answer.body["code"] == code


@follow_test
async def test_the_projector_token_travels_in_its_cookie_not_the_url(live_world: World) -> None:
    world = live_world
    token = await sync_to_async(services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    in_url = await Request(path(world), query=f"projector={token}").answer()
    assert in_url.status == 401
    in_url = await Request(path(world), query=f"as=projector&projector={token}").answer()
    assert in_url.status == 404
    # The old header is no key either: the cookie is.
    header = [(b"x-projector-token", token.encode())]
    assert (await Request(path(world), query="as=projector", headers=header).answer()).status == 404
    cookie = f"{PROJECTOR_COOKIE}={token}"
    answer = await Request(path(world), query="as=projector", cookie=cookie).answer()
    assert answer.status == 200
    assert answer.frames[0]["viewer"]["role"] == "projector"
    forged = f"{PROJECTOR_COOKIE}=forged"
    assert (await Request(path(world), query="as=projector", cookie=forged).answer()).status == 404
    # Without `as=projector` the cookie is not used: a chair's own pages stay the chair's.
    assert (await Request(path(world), cookie=cookie).answer()).status == 401


@follow_test
async def test_a_known_credential_is_not_resolved_on_every_request(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = live_world
    calls: list[int] = []
    resolve = follow.connect_viewer

    def counted(meeting_id: int, session: str | None, token: str | None) -> Any:
        calls.append(meeting_id)
        return resolve(meeting_id, session, token)

    monkeypatch.setattr(follow, "connect_viewer", counted)
    monkeypatch.setattr(follow, "WAIT_SECONDS", 0.05)
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    for _ in range(3):
        query = f"after={snapshot['seq']}&cursor={cursor}"
        assert (await Request(path(world), cookie=cookie, query=query).answer()).status == 200
    assert len(calls) == 1


# --- events -----------------------------------------------------------------------------


@follow_test
async def test_a_waiting_follower_gets_the_next_event_at_once(live_world: World) -> None:
    world = live_world
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    query = f"after={snapshot['seq']}&cursor={cursor}"
    waiting = Request(path(world), cookie=cookie, query=query).start()
    await asyncio.sleep(0.2)
    assert waiting.task is not None and not waiting.task.done()  # nothing new yet: it waits
    started = time.monotonic()
    await advance(world)
    answer = await waiting.answer()
    assert time.monotonic() - started < follow.WAIT_SECONDS / 2
    assert answer.types == ["agenda.changed"]
    event = answer.frames[0]
    assert event["seq"] == snapshot["seq"] + 1
    assert event["current_item_id"] == world.items[1].pk


@follow_test
async def test_events_come_in_order_from_the_buffer(live_world: World) -> None:
    """A follower that was between two requests misses nothing: the process
    keeps the group's recent frames."""
    world = live_world
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    await advance(world)
    await advance(world)
    seqs: list[int] = []
    for _ in range(20):  # the events reach the buffer through the channel layer
        query = f"after={snapshot['seq']}&cursor={cursor}"
        answer = await Request(path(world), cookie=cookie, query=query).answer()
        seqs = [frame["seq"] for frame in answer.frames if "seq" in frame]
        if len(seqs) == 2:
            break
        await asyncio.sleep(0.05)
    assert seqs == [snapshot["seq"] + 1, snapshot["seq"] + 2]
    # Asked again from the first: only what came after it.
    query = f"after={snapshot['seq'] + 1}&cursor={cursor}"
    answer = await Request(path(world), cookie=cookie, query=query).answer()
    assert [frame["seq"] for frame in answer.frames if "seq" in frame] == [snapshot["seq"] + 2]


@follow_test
async def test_nothing_new_answers_empty_after_the_wait(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow, "WAIT_SECONDS", 0.3)
    world = live_world
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    started = time.monotonic()
    query = f"after={snapshot['seq']}&cursor={cursor}"
    answer = await Request(path(world), cookie=cookie, query=query).answer()
    assert 0.25 <= time.monotonic() - started < 3
    assert answer.status == 200 and answer.frames == []
    assert answer.body["cursor"] >= cursor


@follow_test
async def test_a_follower_too_far_behind_gets_a_snapshot(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow, "KEEP_FRAMES", 1)
    world = live_world
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    await advance(world)
    await advance(world)  # the buffer keeps only this one
    for _ in range(20):
        query = f"after={snapshot['seq']}&cursor={cursor}"
        answer = await Request(path(world), cookie=cookie, query=query).answer()
        if answer.types[0] == "snapshot":
            break
        await asyncio.sleep(0.05)
    assert answer.types[0] == "snapshot"
    assert answer.frames[0]["seq"] == snapshot["seq"] + 2
    assert answer.frames[0]["current_item_id"] == world.items[2].pk


@follow_test
async def test_coalesced_updates_keep_the_latest_and_come_at_most_every_gap(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow, "COALESCED_GAP", 0.6)
    monkeypatch.setattr(follow, "MIN_SPREAD", 0.0)
    world = live_world
    channel_layer = get_channel_layer()
    assert channel_layer is not None
    members = group_name(world.meeting.pk, Audience.MEMBERS)
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    query = f"after={snapshot['seq']}&cursor={cursor}"
    waiting = Request(path(world), cookie=cookie, query=query).start()
    await asyncio.sleep(0.1)
    for ballots in (1, 2):
        text = json.dumps({"type": "poll.turnout", "poll_id": 5, "ballots": ballots})
        await channel_layer.group_send(members, layer_message(text))
    other = json.dumps({"type": "poll.turnout", "poll_id": 6, "ballots": 9})
    await channel_layer.group_send(members, layer_message(other))
    answer = await waiting.answer()
    # Not before the gap after the previous answer; the latest per poll only.
    assert time.time() >= cursor + 0.6 - 0.05
    turnouts = sorted((frame["poll_id"], frame["ballots"]) for frame in answer.frames)
    assert turnouts == [(5, 2), (6, 9)]
    # A sequenced event goes out at once, with no wait for the gap.
    monkeypatch.setattr(follow, "COALESCED_GAP", 30)
    later = answer.body["cursor"]
    query = f"after={snapshot['seq']}&cursor={later}"
    waiting = Request(path(world), cookie=cookie, query=query).start()
    await asyncio.sleep(0.1)
    await channel_layer.group_send(
        members, layer_message(json.dumps({"type": "poll.turnout", "poll_id": 5, "ballots": 3}))
    )
    await advance(world)
    answer = await waiting.answer()
    assert "agenda.changed" in answer.types
    assert {"type": "poll.turnout", "poll_id": 5, "ballots": 3} in answer.frames


@follow_test
async def test_followers_share_one_group_per_process_and_leave_when_idle(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow, "IDLE_SECONDS", 0.3)
    world = live_world
    cookies = [await sync_to_async(session_of)(voter) for voter in world.voters]
    for cookie in cookies:
        await snapshot_of(world, cookie)
    buffers = follow._buffers[asyncio.get_running_loop()]
    members = group_name(world.meeting.pk, Audience.MEMBERS)
    assert list(buffers) == [members]
    from live import fanout

    hub = fanout.hub()
    assert hub.groups[members].receivers == {buffers[members]}
    for _ in range(40):
        await asyncio.sleep(0.1)
        if members not in hub.groups:
            break
    assert members not in buffers and members not in hub.groups


@follow_test
async def test_a_client_that_leaves_is_not_answered(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = live_world
    cookie = await sync_to_async(session_of)(world.voters[0])
    snapshot, cursor = await snapshot_of(world, cookie)
    query = f"after={snapshot['seq']}&cursor={cursor}"
    request = Request(path(world), cookie=cookie, query=query).start()
    await asyncio.sleep(0.1)
    request.leave()
    assert request.task is not None
    await asyncio.wait_for(request.task, TIMEOUT)
    assert request.sent == []
    buffer = follow._buffers[asyncio.get_running_loop()][
        group_name(world.meeting.pk, Audience.MEMBERS)
    ]
    assert buffer.waiting == 0 and not buffer.waiters


def test_subject_names_the_type_and_ids() -> None:
    assert follow.subject({"type": "poll.turnout", "poll_id": 5, "ballots": 3}) == (
        "poll.turnout",
        ("poll_id", 5),
    )
    assert follow.subject({"type": "attendance.changed", "meeting_id": 2, "x": {}}) == (
        "attendance.changed",
        ("meeting_id", 2),
    )
