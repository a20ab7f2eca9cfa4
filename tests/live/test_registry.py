"""A feature joins the meeting socket by registering with the live layer,
without editing live/: a socket command and a snapshot part, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.exceptions import InvalidInput
from live import registry
from live.commands import Frame
from live.groups import Audience
from tests.conftest import World
from tests.live.test_consumer import member_socket, socket_test

seen: list[tuple[int, Any, int]] = []


def handle_echo(meeting_id: int, actor: Any, frame: Frame) -> dict[str, Any]:
    seen.append((meeting_id, actor.pk, frame.number("n")))
    return {"doubled": frame.number("n") * 2}


def shared_part(meeting_id: int, audience: Audience) -> dict[str, Any]:
    return {"echo": {"meeting": meeting_id, "audience": audience.value}}


def personal_part(shared: dict[str, Any], viewer: registry.Viewer) -> dict[str, Any]:
    return {"echo_mine": {"seen_shared": "echo" in shared, "actor": viewer.actor.pk}}


@pytest.fixture
def echo_feature() -> Iterator[None]:
    registry.register_command("echo.test", handle_echo)
    registry.register_snapshot_part(
        registry.SnapshotPart(app="echo", shared=shared_part, personal=personal_part)
    )
    seen.clear()
    yield
    registry.unregister_command("echo.test")
    registry.unregister_snapshot_part("echo")


@socket_test
async def test_a_registered_command_and_snapshot_part_reach_the_socket(
    live_world: World, echo_feature: None
) -> None:
    voter = live_world.voters[0]
    async with await member_socket(live_world, voter) as socket:
        snapshot = await socket.receive()
        assert snapshot["echo"] == {"meeting": live_world.meeting.pk, "audience": "members"}
        assert snapshot["echo_mine"] == {"seen_shared": True, "actor": voter.pk}
        assert snapshot["agenda"]  # the apps' own parts are still there
        await socket.send({"type": "echo.test", "n": 21, "ref": 1})
        assert await socket.receive() == {
            "type": "ack",
            "for": "echo.test",
            "ref": 1,
            "doubled": 42,
        }
        await socket.send({"type": "echo.test", "n": "x", "ref": 2})
        error = await socket.receive()
    assert error["type"] == "error" and error["code"] == "invalid" and error["ref"] == 2
    assert seen == [(live_world.meeting.pk, voter.pk, 21)]


def test_a_command_name_is_registered_once() -> None:
    registry.register_command("echo.once", handle_echo)
    try:
        registry.register_command("echo.once", handle_echo)  # the same handler again: fine
        with pytest.raises(RuntimeError, match="registered twice"):
            registry.register_command("echo.once", lambda *args: None)
    finally:
        registry.unregister_command("echo.once")


def test_the_apps_register_their_commands_and_parts() -> None:
    assert {"agenda.advance", "ballot.cast", "document.present", "document.stop"} <= set(
        registry.command_names()
    )
    assert [part.app for part in registry.snapshot_parts()][:3] == [
        "meetings",
        "voting",
        "documents",
    ]


def test_frame_fields_are_checked() -> None:
    frame = Frame({"type": "x", "n": 3, "flag": True, "s": None})
    assert frame.number("n") == 3 and frame.optional_int("missing") is None
    assert frame.text("s") == "" and frame.text("n") == "3"
    for field in ("flag", "missing"):
        with pytest.raises(InvalidInput):
            frame.number(field)
