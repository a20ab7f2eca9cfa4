"""Event types: declared once by their apps (live.catalogue), sent only
through the channel their kind allows, and listed with that kind in
docs/protocol.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypedDict

import pytest

from documents.events import DOCUMENT_PRESENTED
from live import catalogue, coalesce, events
from live.catalogue import EventType
from live.groups import EVERYONE, Audience
from meetings.events import AGENDA_CHANGED, ATTENDANCE_CHANGED

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
# "### `agenda.changed` (sequenced)"; the kind is absent for messages that are no event.
HEADING = re.compile(r"^### `([^`]+)`(?: \(([^)]*)\))?[ \t]*$", re.MULTILINE)
# The socket's own messages: the snapshot and the answers to a client.
NOT_EVENTS = {"snapshot", "ack", "error", "pong"}


def documented(text: str) -> dict[str, str | None]:
    """Message type -> kind, from the headings of the protocol page."""
    return {name: kind or None for name, kind in HEADING.findall(text)}


def mismatches(text: str, declared: list[EventType]) -> list[str]:
    doc = documented(text)
    problems = []
    for event in declared:
        if event.name not in doc:
            problems.append(f"{event.name} ({event.kind}) is missing")
        elif doc[event.name] != event.kind:
            problems.append(
                f"{event.name} is documented ({doc[event.name]}), declared ({event.kind})"
            )
    names = {event.name for event in declared}
    for name, kind in doc.items():
        if name not in names and not (name in NOT_EVENTS and kind is None):
            problems.append(f"{name} ({kind}) is documented but not declared")
    return problems


def test_the_protocol_lists_every_declared_event_type_with_its_kind() -> None:
    assert mismatches(PROTOCOL.read_text(encoding="utf-8"), catalogue.declared()) == []


def test_each_app_declares_its_own_event_types() -> None:
    """Guards the check above against an empty catalogue: every domain app with
    socket events has declared them by the time Django is ready (and the live
    layer its own personal update)."""
    apps = {event.payload.__module__ for event in catalogue.declared()}
    assert apps == {
        "meetings.events",
        "voting.events",
        "documents.events",
        "speakers.events",
        "motions.events",
        "live.personal",
    }
    assert len(catalogue.declared()) == 18


PROTOCOL_SAMPLE = """
### `snapshot`
### `agenda.changed` (sequenced)
### `attendance.changed` (not sequenced)
### `document.presented` (sequenced, coalesced)
"""
SAMPLE_TYPES = [AGENDA_CHANGED, ATTENDANCE_CHANGED, DOCUMENT_PRESENTED]


def test_a_matching_page_passes() -> None:
    assert mismatches(PROTOCOL_SAMPLE, SAMPLE_TYPES) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            PROTOCOL_SAMPLE.replace("### `agenda.changed` (sequenced)\n", ""),
            "agenda.changed (sequenced) is missing",
        ),
        (
            PROTOCOL_SAMPLE.replace("`attendance.changed` (not sequenced)", "`attendance.changed`"),
            "attendance.changed is documented (None), declared (not sequenced)",
        ),
        (
            PROTOCOL_SAMPLE.replace("(sequenced, coalesced)", "(sequenced)"),
            "document.presented is documented (sequenced), declared (sequenced, coalesced)",
        ),
        (
            PROTOCOL_SAMPLE + "### `speakers.changed` (sequenced)\n",
            "speakers.changed (sequenced) is documented but not declared",
        ),
        (
            PROTOCOL_SAMPLE + "### `ack` (sequenced)\n",
            "ack (sequenced) is documented but not declared",
        ),
    ],
)
def test_the_check_names_each_difference(text: str, problem: str) -> None:
    assert mismatches(text, SAMPLE_TYPES) == [problem]


# --- declaring and sending ---------------------------------------------------------


class Thing(TypedDict):
    thing: int


@pytest.fixture
def scratch_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declarations made by a test vanish after it."""
    monkeypatch.setattr(catalogue, "_declared", dict(catalogue._declared))


def test_a_name_is_declared_once(scratch_catalogue: None) -> None:
    with pytest.raises(RuntimeError, match="declared twice"):
        catalogue.declare("agenda.changed", Thing, sequenced=True)
    assert catalogue.declare("thing.changed", Thing, sequenced=True).kind == "sequenced"
    # The same declaration again (its module imported anew) is no clash.
    catalogue.declare("thing.changed", Thing, sequenced=True)


def test_an_unsequenced_type_must_be_coalesced(scratch_catalogue: None) -> None:
    with pytest.raises(ValueError, match="must be coalesced"):
        catalogue.declare("thing.changed", Thing, sequenced=False)
    assert "thing.changed" not in {event.name for event in catalogue.declared()}


def test_publish_refuses_an_undeclared_type() -> None:
    stray = EventType("agenda.changed", Thing, sequenced=True, coalesced=False)
    with pytest.raises(RuntimeError, match="not declared"):
        events.publish(1, stray, {"thing": 1})


def test_publish_refuses_a_coalesced_type() -> None:
    with pytest.raises(RuntimeError, match="Stream"):
        events.publish(1, ATTENDANCE_CHANGED, {})


@pytest.mark.parametrize(
    "payload",
    [
        {"agenda": []},
        {"agenda": [], "current_item_id": None, "seq": 4},
    ],
)
def test_publish_refuses_a_payload_of_another_shape(payload: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="AgendaChanged"):
        events.publish(1, AGENDA_CHANGED, payload)


def _build(meeting_id: int, subject: int, audiences: tuple[Audience, ...]) -> tuple[Any, int]:
    return {}, 0


def test_a_stream_refuses_a_type_that_is_not_coalesced() -> None:
    with pytest.raises(RuntimeError, match="publish"):
        coalesce.Stream(AGENDA_CHANGED, "agenda", _build, (coalesce.Pace("all", EVERYONE, 1.0),))


def test_a_sequenced_stream_sends_every_update_to_every_audience() -> None:
    """Two paces would give staff and members different numbers for one change."""
    paces = (
        coalesce.Pace("staff", (Audience.STAFF, Audience.PROJECTOR), 0.2),
        coalesce.Pace("members", (Audience.MEMBERS,), 1.0),
    )
    with pytest.raises(ValueError, match="one pace for every audience"):
        coalesce.Stream(DOCUMENT_PRESENTED, "presentation", _build, paces)


def test_a_personal_type_is_neither_sequenced_nor_coalesced(scratch_catalogue: None) -> None:
    for kinds in ({"sequenced": True}, {"sequenced": False, "coalesced": True}):
        with pytest.raises(ValueError, match="personal event"):
            catalogue.declare("thing.mine", Thing, personal=True, **kinds)
    assert catalogue.declare("thing.mine", Thing, sequenced=False, personal=True).kind == "personal"
