"""The scenes of the room's screen and the projector state clients get.

"follow" lets the meeting's state choose (frontend/static/frontend/stage.js
pickScene): an open poll, else a result that closed since the chair last
moved on, else a presented document, else whoever has the floor (the
speakers app), else the current item (the welcome
before the meeting starts). The others are the chair's explicit choice.
"""

from __future__ import annotations

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
