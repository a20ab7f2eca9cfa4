"""With the database unreachable, every entry point says so: REST and pages
answer 503 with a clear message and Retry-After, the HTTP follow endpoint
too, and the meeting socket sends an error frame (for the command in flight)
before it closes with 1013, never a bare 1011.

The database is made unreachable for real (tests.faults): new connections
go to a port or a folder where there is none.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client

from core.unavailable import RETRY_AFTER_SECONDS
from live.consumer import CLOSE_TRY_AGAIN_LATER
from meetings import services as meeting_services
from tests.api import client_for
from tests.conftest import World, build_world
from tests.faults import database_unreachable, database_unreachable_async
from tests.live.test_consumer import (
    member_socket,
    socket_layer,  # noqa: F401  (fixture)
    socket_test,
)
from tests.live.test_follow import (
    Request,
    follow_test,
    layer,  # noqa: F401  (fixture)
    session_of,
)
from tests.voting.conftest import receipt
from voting import services
from voting.models import Ballot

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "The server cannot reach its database just now. Try again in a few seconds."


def assert_503_json(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": MESSAGE, "code": "unavailable"}


def test_rest_answers_503_with_retry_after(world: World) -> None:
    member = client_for(world.voters[0])  # logged in: the session is read first
    anonymous = client_for(None)
    member.raise_request_exception = False
    anonymous.raise_request_exception = False
    with database_unreachable():
        assert_503_json(member.get(f"/api/meetings/{world.meeting.pk}/"))
        assert_503_json(member.post(f"/api/meetings/{world.meeting.pk}/remote-presence/"))
        # Anonymous, on a public endpoint: the view itself loses the database.
        assert_503_json(anonymous.get("/api/polls/1/board/"))
    assert member.get(f"/api/meetings/{world.meeting.pk}/").status_code == 200


def test_pages_answer_503_with_a_page(world: World) -> None:
    member = Client(raise_request_exception=False)
    member.force_login(world.voters[0])
    anonymous = Client(raise_request_exception=False)
    with database_unreachable():
        for client, path in (
            (member, f"/meetings/{world.meeting.pk}/"),
            (anonymous, f"/meetings/{world.meeting.pk}/board/"),
        ):
            page = client.get(path, HTTP_ACCEPT="text/html")
            assert page.status_code == 503, (path, page.content)
            assert page["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert page["Content-Type"].startswith("text/html")
            text = page.content.decode()
            assert "<h1>Temporarily unavailable</h1>" in text and MESSAGE in text
        # In Vietnamese, for a phone set to it.
        page = anonymous.get(f"/meetings/{world.meeting.pk}/board/", HTTP_ACCEPT_LANGUAGE="vi")
        assert page.status_code == 503 and "Temporarily unavailable" not in page.content.decode()


@follow_test
async def test_follow_endpoint_answers_503(sworld: World) -> None:
    cookie = await database_sync_to_async(session_of)(sworld.voters[0])
    async with database_unreachable_async():
        answer = await Request(
            f"/live/meetings/{sworld.meeting.pk}/follow/", cookie=cookie
        ).answer()
    assert answer.status == 503
    assert answer.headers[b"retry-after"] == str(RETRY_AFTER_SECONDS).encode()
    assert answer.body == {"detail": MESSAGE, "code": "unavailable"}


@pytest.fixture
def sworld(transactional_db: None) -> World:
    world = build_world()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    # The test's loop runs on this thread: hold no connection of the pool
    # that database_unreachable() replaces. (Async tests read through
    # database_sync_to_async, which gives its connection back.)
    connection.close()
    return world


@socket_test
async def test_socket_connect_gets_an_error_frame_then_1013(sworld: World) -> None:
    socket_cm = await member_socket(sworld, sworld.voters[0])
    async with database_unreachable_async(), socket_cm as socket:
        error = await socket.receive()
        assert error == {"type": "error", "code": "unavailable", "message": MESSAGE}
        assert await socket.receive_close_code() == CLOSE_TRY_AGAIN_LATER


@socket_test
async def test_ballot_in_flight_gets_an_error_frame_then_1013(sworld: World) -> None:
    def open_poll() -> tuple[int, int]:
        poll = services.poll_create(
            actor=sworld.chair, meeting=sworld.meeting, title="Adopt?", kind="motion"
        )
        poll = services.poll_open(actor=sworld.chair, poll=poll)
        return poll.pk, poll.options.get(role="yes").pk

    poll_id, yes = await database_sync_to_async(open_poll)()
    nonce = receipt()
    ballot = {"type": "ballot.cast", "poll_id": poll_id, "choices": [yes], "nonce": nonce}
    async with await member_socket(sworld, sworld.voters[0]) as socket:
        assert (await socket.receive())["type"] == "snapshot"
        async with database_unreachable_async():
            await socket.send({**ballot, "ref": "ballot:1"})
            error = await socket.receive()
            assert error == {
                "type": "error",
                "code": "unavailable",
                "message": MESSAGE,
                "ref": "ballot:1",
            }
            assert await socket.receive_close_code() == CLOSE_TRY_AGAIN_LATER
    # The phone resends once it is back: counted once.
    async with await member_socket(sworld, sworld.voters[0]) as socket:
        assert (await socket.receive())["type"] == "snapshot"
        await socket.send({**ballot, "ref": "ballot:1"})
        frames = [await socket.receive()]
        while frames[-1]["type"] != "ack":
            frames.append(await socket.receive())
        code = frames[-1]["receipt"]["receipt_code"]
    stored = await database_sync_to_async(list)(
        Ballot.objects.filter(poll_id=poll_id).values_list("receipt_code", flat=True)
    )
    assert stored == [code]
