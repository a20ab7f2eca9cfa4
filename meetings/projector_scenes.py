"""The scenes of the room's screen and the projector state clients get.

Apps put things up on the screen (a document page, a motion); one at a time
(take_down_others).

"follow" lets the meeting's state choose (frontend/static/frontend/stage.js
pickScene): an open poll, else a result that closed since the chair last
moved on, else a presented document, else whoever has the floor (the
speakers app), else the current item (the welcome
before the meeting starts). The others are the chair's explicit choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetings.models import Meeting

SCENES = (
    "follow",
    "welcome",
    "agenda",
    "item",
    "document",
    "poll",
    "result",
    "speakers",
    "blank",
    "break",
)


def projector_payload(meeting: Meeting) -> dict[str, Any]:
    return {
        "scene": meeting.projector_scene,
        "since": meeting.projector_since,
    }


# Whether a result shows on the room's screen now (the voting app registers
# one from its ready(): meetings imports no other domain app).
_result_checks: list[Callable[[Meeting], bool]] = []


def register_result_check(check: Callable[[Meeting], bool]) -> None:
    if check not in _result_checks:
        _result_checks.append(check)


# What each app has put up on the room's screen, and how to take it down
# (documents: the page on show; motions: the motion shown). One thing is put
# up at a time: putting up another takes the others down, so the screen
# shows what the chair chose last. Registered from the apps' ready().
_take_downs: dict[str, Callable[[Meeting], None]] = {}


def register_take_down(app: str, take_down: Callable[[Meeting], None]) -> None:
    _take_downs[app] = take_down


def take_down_others(meeting: Meeting, app: str) -> None:
    """`app` puts something up: every other app takes its thing down (each
    publishes its own event if something was up). In the writing
    transaction, with the meeting locked."""
    for other, take_down in _take_downs.items():
        if other != app:
            take_down(meeting)


def moving_on_shows_something_new(meeting: Meeting) -> bool:
    """Whether the chair moving on changes the room's screen: it does when a
    scene was chosen or a result shows; otherwise the screen follows already
    and nothing need be sent."""
    return meeting.projector_scene != "follow" or any(check(meeting) for check in _result_checks)
