"""The meeting socket through the real ASGI stack (origin check, session auth,
routing) on the Redis channel layer, as in production.

Every test here is transactional: the consumer reads the database from a worker
thread, so it must see committed rows.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar, cast

import pytest
from asgiref.sync import sync_to_async
from autobahn.exception import Disconnected
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from config.asgi import application
from core.projector_cookie import AS_PROJECTOR, PROJECTOR_COOKIE
from live import coalesce, snapshot
from live import consumer as consumers
from live.consumer import (
    CLOSE_NO_MEETING,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_NOT_PARTICIPANT,
    MAX_MESSAGE_BYTES,
    MeetingConsumer,
)
from live.events import Audience, group_name, layer_message
from meetings import attendance, selectors, services
from meetings.models import AgendaItem, Member
from meetings.selectors import PROJECTOR_VIEWER, Viewer
from tests.conftest import IN_CI, World, build_world
from tests.factories import AgendaItemFactory, MemberFactory, MembershipFactory, ParticipantFactory

# Generous: this bounds how long a broken test hangs, it is not a latency check.
TIMEOUT = 10

TestFunction = TypeVar("TestFunction", bound=Callable[..., Any])


def socket_test(test: TestFunction) -> TestFunction:
    """An async, transactional test on the Redis channel layer."""
    marked = pytest.mark.asyncio(test)
    marked = pytest.mark.django_db(transaction=True)(marked)
    return pytest.mark.usefixtures("socket_layer")(marked)  # type: ignore[no-any-return]


@pytest.fixture
def socket_layer(request: pytest.FixtureRequest, settings: Any) -> None:
    """The Redis channel layer whenever REDIS_URL is set, and always under
    CI=true (where a missing Redis fails the test). Without REDIS_URL outside
    CI (a laptop with nothing installed) the in-memory layer, so that the
    socket is still tested rather than skipped."""
    if os.environ.get("REDIS_URL") or IN_CI:
        request.getfixturevalue("redis_layer")
        return
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()


def session_cookie(member: Member) -> str:
    """A logged-in session for `member`, as the browser's Cookie header value."""
    client = Client()
    client.force_login(member)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """A live meeting: item 1 is current."""
    world = build_world()
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    return world


@pytest.fixture
def cookie() -> Callable[[Member], str]:
    return session_cookie


class Socket:
    """A WebsocketCommunicator with JSON helpers and failure-only timeouts."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = await self.communicator.receive_json_from(timeout=TIMEOUT)
        return message

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_json_to(message)

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        await self.communicator.send_to(bytes_data=data)

    async def receive_close_code(self) -> int:
        output = await self.communicator.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close", output
        code: int = output["code"]
        return code

    async def assert_open(self) -> None:
        """A ping is still answered: the connection survived."""
        await self.send({"type": "ping", "ref": "still-there"})
        assert await self.receive() == {"type": "pong", "ref": "still-there"}


@asynccontextmanager
async def open_socket(
    meeting_id: int, *, cookie: str | None = None, projector: str | None = None
) -> AsyncIterator[Socket]:
    """A socket; with `projector`, as the projector page opens it: the token
    in the projector cookie and `?as=projector` in the URL."""
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    cookies = [c for c in (cookie, projector and f"{PROJECTOR_COOKIE}={projector}") if c]
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    path = f"/ws/meetings/{meeting_id}/"
    if projector:
        path += f"?as={AS_PROJECTOR}"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected, "the consumer accepts first and refuses with a close code"
    try:
        yield Socket(communicator)
    finally:
        await communicator.disconnect()


async def member_socket(world: World, member: Member) -> Any:
    cookie = await sync_to_async(session_cookie)(member)
    return open_socket(world.meeting.pk, cookie=cookie)


# --- connect ------------------------------------------------------------------


@socket_test
async def test_snapshot_on_connect(live_world: World) -> None:
    world = live_world
    voter = world.voters[0]
    participant = await sync_to_async(world.participant)(voter)
    async with await member_socket(world, voter) as socket:
        snapshot = await socket.receive()
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == await current_seq(world)
    assert snapshot["meeting"]["id"] == world.meeting.pk
    assert snapshot["meeting"]["status"] == "live"
    assert [item["title"] for item in snapshot["agenda"]] == ["Item 1", "Item 2", "Item 3"]
    assert snapshot["current_item_id"] == world.items[0].pk
    assert snapshot["roster"]["participants"] == 5
    assert snapshot["viewer"] == {
        "role": "voter",
        "participant_id": participant.pk,
        "name": voter.full_name,
        "controls_meeting": False,
    }


@socket_test
async def test_chair_snapshot_says_the_chair_controls_the_meeting(live_world: World) -> None:
    async with await member_socket(live_world, live_world.chair) as socket:
        snapshot = await socket.receive()
    assert snapshot["viewer"]["role"] == "chair"
    assert snapshot["viewer"]["controls_meeting"] is True


@socket_test
async def test_projector_link_gives_a_read_only_snapshot(live_world: World) -> None:
    token = await sync_to_async(services.projector_link_create)(
        actor=live_world.chair, meeting=live_world.meeting
    )
    async with open_socket(live_world.meeting.pk, projector=token) as socket:
        snapshot = await socket.receive()
    assert snapshot["type"] == "snapshot"
    assert snapshot["current_item_id"] == live_world.items[0].pk
    assert snapshot["viewer"] == {
        "role": "projector",
        "participant_id": None,
        "name": None,
        "controls_meeting": False,
    }


async def current_seq(world: World) -> int:
    await sync_to_async(world.meeting.refresh_from_db)()
    return world.meeting.event_seq


# --- close codes --------------------------------------------------------------


@socket_test
async def test_anonymous_is_closed_with_4401(live_world: World) -> None:
    async with open_socket(live_world.meeting.pk) as socket:
        assert await socket.receive_close_code() == CLOSE_NOT_LOGGED_IN == 4401


def _end_session(member: Member, how: str) -> None:
    if how == "expired":
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    elif how == "password changed":
        member.set_password("a-new-password-2026")
        member.save()
    else:
        member.is_active = False
        member.save()


@socket_test
@pytest.mark.parametrize("how", ["expired", "password changed", "member deactivated"])
async def test_a_session_that_no_longer_logs_in_is_closed_with_4401(
    live_world: World, how: str
) -> None:
    cookie = await sync_to_async(session_cookie)(live_world.voters[0])
    async with open_socket(live_world.meeting.pk, cookie=cookie) as socket:
        assert (await socket.receive())["type"] == "snapshot"
    await sync_to_async(_end_session)(live_world.voters[0], how)
    async with open_socket(live_world.meeting.pk, cookie=cookie) as socket:
        assert await socket.receive_close_code() == CLOSE_NOT_LOGGED_IN


@socket_test
async def test_member_not_on_the_roster_is_closed_with_4403(live_world: World) -> None:
    async with await member_socket(live_world, live_world.outsider) as socket:
        assert await socket.receive_close_code() == CLOSE_NOT_PARTICIPANT == 4403


@socket_test
async def test_member_of_the_union_not_on_the_roster_is_closed_with_4403(
    live_world: World,
) -> None:
    @sync_to_async
    def union_member_off_roster() -> Member:
        member = cast(Member, MemberFactory())
        MembershipFactory(member=member, union=live_world.union)
        return member

    member = await union_member_off_roster()
    async with await member_socket(live_world, member) as socket:
        assert await socket.receive_close_code() == 4403


@socket_test
async def test_no_such_meeting_is_closed_with_4404(live_world: World) -> None:
    cookie = await sync_to_async(session_cookie)(live_world.chair)
    async with open_socket(live_world.meeting.pk + 1000, cookie=cookie) as socket:
        assert await socket.receive_close_code() == CLOSE_NO_MEETING == 4404


@socket_test
async def test_forged_projector_token_is_closed_with_4404(live_world: World) -> None:
    async with open_socket(live_world.meeting.pk, projector="forged:token") as socket:
        assert await socket.receive_close_code() == 4404


@socket_test
async def test_revoked_projector_token_is_closed_with_4404(live_world: World) -> None:
    token = await sync_to_async(services.projector_link_create)(
        actor=live_world.chair, meeting=live_world.meeting
    )
    await sync_to_async(services.projector_links_revoke)(
        actor=live_world.chair, meeting=live_world.meeting
    )
    async with open_socket(live_world.meeting.pk, projector=token) as socket:
        assert await socket.receive_close_code() == 4404


@socket_test
async def test_projector_token_of_another_meeting_is_closed_with_4403(live_world: World) -> None:
    other = await sync_to_async(build_world)()
    token = await sync_to_async(services.projector_link_create)(
        actor=other.chair, meeting=other.meeting
    )
    async with open_socket(live_world.meeting.pk, projector=token) as socket:
        assert await socket.receive_close_code() == 4403


@socket_test
async def test_a_projector_token_in_the_url_opens_nothing(live_world: World) -> None:
    """The token is taken from the projector cookie only: a URL that carries
    it (and lands in access logs) is not honoured."""
    token = await sync_to_async(services.projector_link_create)(
        actor=live_world.chair, meeting=live_world.meeting
    )
    path = f"/ws/meetings/{live_world.meeting.pk}/"
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    for query, code in ((f"?projector={token}", 4401), (f"?as=projector&projector={token}", 4404)):
        communicator = WebsocketCommunicator(application, path + query, headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        assert await Socket(communicator).receive_close_code() == code
        await communicator.disconnect()


@socket_test
async def test_a_chair_holding_a_projector_cookie_is_still_the_chair(live_world: World) -> None:
    """The chair opened the projector link in their own browser: their pages'
    sockets (no `as=projector`) stay the chair's."""
    token = await sync_to_async(services.projector_link_create)(
        actor=live_world.chair, meeting=live_world.meeting
    )
    session = await sync_to_async(session_cookie)(live_world.chair)
    cookie = f"{session}; {PROJECTOR_COOKIE}={token}"
    async with open_socket(live_world.meeting.pk, cookie=cookie) as socket:
        snapshot = await socket.receive()
    assert snapshot["viewer"]["role"] == "chair"
    async with open_socket(live_world.meeting.pk, cookie=session, projector=token) as socket:
        snapshot = await socket.receive()
    assert snapshot["viewer"]["role"] == "projector"


@socket_test
async def test_foreign_origin_is_refused(live_world: World) -> None:
    cookie = await sync_to_async(session_cookie)(live_world.chair)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{live_world.meeting.pk}/",
        headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert not connected
    await communicator.disconnect()


# --- events -------------------------------------------------------------------


@socket_test
async def test_agenda_change_through_the_rest_api_reaches_member_and_projector(
    live_world: World,
) -> None:
    world = live_world
    token = await sync_to_async(services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    async with (
        await member_socket(world, world.voters[0]) as member,
        open_socket(world.meeting.pk, projector=token) as projector,
    ):
        member_snapshot = await member.receive()
        projector_snapshot = await projector.receive()
        assert member_snapshot["seq"] == projector_snapshot["seq"]

        @sync_to_async
        def advance_over_http() -> tuple[int, Any]:
            client = Client(enforce_csrf_checks=False)
            client.force_login(world.chair)
            response = client.post(
                f"/api/meetings/{world.meeting.pk}/agenda/advance/",
                {"direction": "next"},
                content_type="application/json",
            )
            return response.status_code, response.json()

        status, body = await advance_over_http()
        assert status == 200, body

        for socket, snapshot in ((member, member_snapshot), (projector, projector_snapshot)):
            event = await socket.receive()
            assert event["type"] == "agenda.changed"
            assert event["seq"] == snapshot["seq"] + 1
            assert event["current_item_id"] == world.items[1].pk
            states = {item["id"]: item["state"] for item in event["agenda"]}
            assert states == {
                world.items[0].pk: "done",
                world.items[1].pk: "current",
                world.items[2].pk: "pending",
            }


@socket_test
async def test_events_arrive_in_sequence(live_world: World) -> None:
    world = live_world
    async with await member_socket(world, world.voters[0]) as socket:
        seq = (await socket.receive())["seq"]
        for direction in ("next", "next", "previous"):
            await sync_to_async(services.agenda_advance)(
                actor=world.chair, meeting=world.meeting, direction=direction
            )
            event = await socket.receive()
            assert event["type"] == "agenda.changed"
            assert event["seq"] == seq + 1
            seq = event["seq"]
        assert event["current_item_id"] == world.items[1].pk


@socket_test
async def test_resync_returns_a_fresh_snapshot(live_world: World) -> None:
    world = live_world
    async with await member_socket(world, world.voters[0]) as socket:
        first = await socket.receive()
        await sync_to_async(services.agenda_advance)(
            actor=world.chair, meeting=world.meeting, item_id=world.items[2].pk
        )
        assert (await socket.receive())["type"] == "agenda.changed"
        await socket.send({"type": "resync"})
        fresh = await socket.receive()
    assert fresh["type"] == "snapshot"
    assert fresh["seq"] == first["seq"] + 1
    assert fresh["current_item_id"] == world.items[2].pk
    assert fresh["viewer"] == first["viewer"]


@socket_test
async def test_an_event_committed_while_the_snapshot_is_built_comes_after_it(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket joins its group before the snapshot is read, so an event
    can arrive meanwhile: it must not overtake the snapshot."""
    world = live_world
    build = consumers.build_snapshot

    def advance_then_build(meeting_id: int, viewer: Viewer) -> str:
        services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
        return build(meeting_id, viewer)

    monkeypatch.setattr(consumers, "build_snapshot", advance_then_build)
    async with await member_socket(world, world.voters[0]) as socket:
        snapshot = await socket.receive()
        event = await socket.receive()
    assert snapshot["type"] == "snapshot"
    assert snapshot["current_item_id"] == world.items[1].pk
    assert (event["type"], event["seq"]) == ("agenda.changed", snapshot["seq"])


@socket_test
async def test_a_commands_answer_comes_before_the_event_it_caused(live_world: World) -> None:
    world = live_world
    async with await member_socket(world, world.chair) as chair:
        seq = (await chair.receive())["seq"]
        for ref in range(2):  # to the last of the three items
            await chair.send({"type": "agenda.advance", "direction": "next", "ref": ref})
            assert await chair.receive() == {"type": "ack", "for": "agenda.advance", "ref": ref}
            event = await chair.receive()
            assert (event["type"], event["seq"]) == ("agenda.changed", seq + ref + 1)


@socket_test
async def test_spread_updates_keep_the_latest_and_never_overtake_a_frame(
    live_world: World,
) -> None:
    """A spread update (phones' running turnout) waits for a random moment;
    a newer one replaces it, and the next frame of any kind sends it first."""
    layer = get_channel_layer()
    assert layer is not None
    members = group_name(live_world.meeting.pk, Audience.MEMBERS)

    async def publish(text: str, spread: float = 0.0) -> None:
        await layer.group_send(members, layer_message(text, spread))

    async with await member_socket(live_world, live_world.voters[0]) as socket:
        await socket.receive()  # snapshot
        await publish('{"type":"poll.turnout","ballots":1}', spread=3600)
        await publish('{"type":"poll.turnout","ballots":2}', spread=3600)
        await publish('{"type":"agenda.changed","seq":99}')
        assert await socket.receive() == {"type": "poll.turnout", "ballots": 2}
        assert await socket.receive() == {"type": "agenda.changed", "seq": 99}
        # The replaced update never follows.
        await socket.send({"type": "ping", "ref": "p"})
        assert await socket.receive() == {"type": "pong", "ref": "p"}
        # Left alone, an update goes out within its spread (a bound, not a timing).
        await publish('{"type":"poll.turnout","ballots":3}', spread=0.5)
        assert await socket.receive() == {"type": "poll.turnout", "ballots": 3}


def test_phones_get_attendance_less_often_on_a_large_roster(
    live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for turnout: each update teaches the coalescer the roster's size."""
    monkeypatch.setattr(coalesce, "CROWD", 2)  # this roster (4 voters) counts as a crowd
    asked: list[tuple[str, float, float]] = []

    def request(key: str, interval: float, build: Any, *, spread: float = 0.0) -> None:
        asked.append((key, interval, spread))

    monkeypatch.setattr(coalesce, "request", request)
    meeting_id = live_world.meeting.pk
    attendance.attendance_changed(meeting_id)
    attendance.ATTENDANCE.messages(meeting_id, meeting_id, "members")
    attendance.attendance_changed(meeting_id)
    phones = [(interval, spread) for key, interval, spread in asked if key.endswith(":members")]
    staff = {interval for key, interval, _ in asked if key.endswith(":staff")}
    assert phones == [(2.0, 1.0), (4.0, 2.0)]  # 4 voters / a crowd of 2 -> every 4 s
    assert staff == {attendance.STAFF_INTERVAL}


# --- client commands ----------------------------------------------------------


@socket_test
async def test_chair_advances_the_agenda_over_the_socket(live_world: World) -> None:
    world = live_world
    async with (
        await member_socket(world, world.chair) as chair,
        await member_socket(world, world.voters[0]) as member,
    ):
        seq = (await chair.receive())["seq"]
        await member.receive()
        await chair.send({"type": "agenda.advance", "direction": "next", "ref": 7})
        replies = {}
        for _ in range(2):
            reply = await chair.receive()
            replies[reply["type"]] = reply
        assert replies["ack"] == {"type": "ack", "for": "agenda.advance", "ref": 7}
        assert replies["agenda.changed"]["seq"] == seq + 1
        assert replies["agenda.changed"]["current_item_id"] == world.items[1].pk
        assert await member.receive() == replies["agenda.changed"]

        await chair.send({"type": "agenda.advance", "item_id": world.items[0].pk, "ref": "j"})
        replies = {}
        for _ in range(2):
            reply = await chair.receive()
            replies[reply["type"]] = reply
        assert replies["ack"]["ref"] == "j"
        assert replies["agenda.changed"]["seq"] == seq + 2
        assert replies["agenda.changed"]["current_item_id"] == world.items[0].pk
    current = await sync_to_async(
        lambda: list(AgendaItem.objects.filter(meeting=world.meeting, state="current"))
    )()
    assert [item.pk for item in current] == [world.items[0].pk]


@socket_test
async def test_voter_cannot_advance_the_agenda(live_world: World) -> None:
    world = live_world
    async with await member_socket(world, world.voters[0]) as socket:
        await socket.receive()
        await socket.send({"type": "agenda.advance", "direction": "next", "ref": "x"})
        error = await socket.receive()
        assert error["type"] == "error"
        assert error["code"] == "forbidden"
        assert error["ref"] == "x"
        assert error["message"]
        await socket.assert_open()
    assert await current_item_id(world) == world.items[0].pk


@socket_test
async def test_projector_cannot_send_commands(live_world: World) -> None:
    world = live_world
    token = await sync_to_async(services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    async with open_socket(world.meeting.pk, projector=token) as socket:
        await socket.receive()
        await socket.send({"type": "agenda.advance", "direction": "next", "ref": 1})
        error = await socket.receive()
        assert error["type"] == "error"
        assert error["code"] == "forbidden"
        assert error["ref"] == 1
        await socket.assert_open()
    assert await current_item_id(world) == world.items[0].pk


@socket_test
async def test_refused_command_reports_the_domain_error(live_world: World) -> None:
    world = live_world
    async with await member_socket(world, world.chair) as socket:
        await socket.receive()
        await socket.send({"type": "agenda.advance", "direction": "sideways", "ref": 2})
        error = await socket.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "invalid", 2)
        await socket.send({"type": "agenda.advance", "direction": "previous", "ref": 3})
        error = await socket.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "conflict", 3)
        await socket.send({"type": "agenda.advance", "item_id": "two", "ref": 4})
        error = await socket.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "invalid", 4)
        await socket.send({"type": "agenda.advance", "item_id": True, "ref": 5})
        error = await socket.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "invalid", 5)
        await socket.send({"type": "agenda.advance", "item_id": 10**9, "ref": 6})
        error = await socket.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "not_found", 6)
        await socket.assert_open()


async def current_item_id(world: World) -> int:
    @sync_to_async
    def read() -> int:
        item = AgendaItem.objects.get(meeting=world.meeting, state="current")
        return item.pk

    return await read()


# --- bad frames ---------------------------------------------------------------

BAD_TEXT_FRAMES = {
    "not json": ("{not json", "bad_message"),
    "json array": ("[1, 2]", "bad_message"),
    "no type": ('{"direction": "next"}', "bad_message"),
    "type not a string": ('{"type": 5}', "bad_message"),
    "unknown type": ('{"type": "poll.explode", "ref": "u"}', "unknown_type"),
    # Python's decoder recurses per level: 7,000 deep raised RecursionError.
    "nested 7,000 deep": ('{"type": "ping", "x": ' + "[" * 7000 + "]" * 7000 + "}", "bad_message"),
    "nested 33 deep": ("[" * 33 + "]" * 33, "bad_message"),
    "too large": (json.dumps({"type": "ping", "pad": "x" * MAX_MESSAGE_BYTES}), "bad_message"),
    "too large in bytes": (
        json.dumps({"type": "ping", "pad": "ễ" * (MAX_MESSAGE_BYTES // 3)}, ensure_ascii=False),
        "bad_message",
    ),
}


@socket_test
@pytest.mark.parametrize("frame,code", BAD_TEXT_FRAMES.values(), ids=BAD_TEXT_FRAMES.keys())
async def test_bad_text_frame_gets_an_error_and_the_socket_stays_open(
    live_world: World, frame: str, code: str
) -> None:
    async with await member_socket(live_world, live_world.voters[0]) as socket:
        await socket.receive()
        await socket.send_text(frame)
        error = await socket.receive()
        assert error["type"] == "error"
        assert error["code"] == code
        assert error["message"]
        await socket.assert_open()


@socket_test
async def test_binary_frame_gets_an_error_and_the_socket_stays_open(live_world: World) -> None:
    async with await member_socket(live_world, live_world.voters[0]) as socket:
        await socket.receive()
        await socket.send_bytes(b'{"type": "ping"}')
        error = await socket.receive()
        assert (error["type"], error["code"]) == ("error", "bad_message")
        await socket.assert_open()


# --- snapshot query count -----------------------------------------------------

# The meeting with its union, voters' presence, agenda, roster summary, proxies
# for the quorum (5), and the viewer's presence now (1, none for the projector).
SNAPSHOT_QUERIES = 6


@pytest.mark.parametrize("extra", [0, 20])
@pytest.mark.django_db
def test_snapshot_query_count_is_pinned(extra: int, django_assert_num_queries: Any) -> None:
    """Constant, whatever the agenda or roster size."""
    world = build_world()
    for position in range(extra):
        AgendaItemFactory(meeting=world.meeting, position=100 + position)
        ParticipantFactory(meeting=world.meeting)
    participant = selectors.participant_for(world.meeting.pk, world.voters[0])
    assert participant is not None
    viewers = [
        (Viewer(role=participant.role, participant=participant), SNAPSHOT_QUERIES),
        (PROJECTOR_VIEWER, SNAPSHOT_QUERIES - 1),
    ]
    for viewer, queries in viewers:
        with django_assert_num_queries(queries):
            snapshot = selectors.meeting_snapshot(meeting_id=world.meeting.pk, viewer=viewer)
        assert len(snapshot["agenda"]) == 3 + extra
        assert snapshot["roster"]["participants"] == 5 + extra


@socket_test
async def test_a_snapshot_for_a_phone_that_gave_up_is_dropped_quietly(live_world: World) -> None:
    """The phone closed while its snapshot was being built (daphne then
    refuses the send): the connect ends without an error in the log."""
    consumer = MeetingConsumer()
    consumer.meeting_id = live_world.meeting.pk
    consumer.viewer = PROJECTOR_VIEWER
    sent: list[dict[str, Any]] = []

    async def closed(message: dict[str, Any]) -> None:
        sent.append(message)
        raise Disconnected("Attempt to send on a closed protocol")

    consumer.base_send = closed
    await consumer.send_snapshot()
    assert [json.loads(m["text"])["type"] for m in sent] == ["snapshot"]


@pytest.mark.asyncio
async def test_a_held_update_for_a_phone_that_just_left_is_dropped_quietly() -> None:
    """The socket closed between the update's timer and its send (daphne then
    refuses the send): the timer's task ends cleanly instead of leaving an
    exception nobody retrieves."""
    consumer = MeetingConsumer()
    sent: list[dict[str, Any]] = []

    async def closed(message: dict[str, Any]) -> None:
        sent.append(message)
        raise Disconnected("Attempt to send on a closed protocol")

    consumer.base_send = closed
    consumer.held = '{"type":"poll.turnout","ballots":1}'
    consumer._held_due()
    assert consumer.held_task is not None
    await consumer.held_task
    assert consumer.held is None
    assert [m["text"] for m in sent] == ['{"type":"poll.turnout","ballots":1}']


def test_the_shared_snapshot_is_kept_longer_for_a_larger_roll() -> None:
    """Its counts are rebuilt from every voter's row: a congress rebuilds it
    once per second per thousand voters, as often as its phones get counts."""
    assert snapshot._max_age({"quorum": {"voters": 40}}) == 1.0
    assert snapshot._max_age({"quorum": {"voters": 5000}}) == 5.0


@pytest.mark.django_db
def test_a_shared_snapshot_past_its_age_is_rebuilt(django_assert_num_queries: Any) -> None:
    world = build_world()
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    snapshot.build_snapshot(world.meeting.pk, PROJECTOR_VIEWER)
    with django_assert_num_queries(1):  # the sequence number only
        snapshot.build_snapshot(world.meeting.pk, PROJECTOR_VIEWER)
    key = (world.meeting.pk, Audience.PROJECTOR)
    seq, built, shared = snapshot._shared_cache[key]
    snapshot._shared_cache[key] = (seq, built - 1.5, shared)
    snapshot.build_snapshot(world.meeting.pk, PROJECTOR_VIEWER)
    assert snapshot._shared_cache[key][1] > built  # built again
