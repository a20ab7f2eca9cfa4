"""Speakers' list events on the meeting socket (see live.catalogue and
docs/protocol.md).

`speakers.changed` carries one agenda item's whole list (to members' phones
in its short form, selectors.members_list, under the same number). It is
sequenced and
coalesced: a hundred members asking to speak within seconds become at most
one update per item every LIST_INTERVAL seconds, built from the database when
sent (so the last one shows the list as it ended), numbered as it is built.
The speaking timer travels as times (started, running since, time spoken
before), never as ticks: each screen counts down by itself.

`speakers.settings_changed` carries the meeting's defaults (an ordinary
sequenced event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from live import catalogue, coalesce, events
from live.events import EVERYONE, Audience
from speakers import selectors
from speakers.selectors import ListPayload, MembersListPayload, SettingsPayload

LIST_INTERVAL = 0.25


class SpeakersChanged(TypedDict):
    agenda_item_id: int
    list: ListPayload | MembersListPayload  # the latter to members


class SpeakersSettingsChanged(TypedDict):
    settings: SettingsPayload


SPEAKERS_CHANGED = catalogue.declare(
    "speakers.changed", SpeakersChanged, sequenced=True, coalesced=True
)
SPEAKERS_SETTINGS_CHANGED = catalogue.declare(
    "speakers.settings_changed", SpeakersSettingsChanged, sequenced=True
)


def build_list(
    meeting_id: int, agenda_item_id: int, _audiences: tuple[Audience, ...]
) -> tuple[dict[str, Any], int]:
    return {"agenda_item_id": agenda_item_id, "list": selectors.list_payload(agenda_item_id)}, 0


def for_audience(audience: Audience, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    if audience is not Audience.MEMBERS:
        return payload
    return {**payload, "list": selectors.members_list(payload["list"])}


LIST = coalesce.Stream(
    SPEAKERS_CHANGED,
    "speakers",
    build_list,
    (coalesce.Pace("all", EVERYONE, LIST_INTERVAL),),
    shape=for_audience,
)


def list_changed(meeting_id: int, agenda_item_id: int) -> None:
    """After a change to an item's list: a (coalesced) `speakers.changed`
    once the current transaction commits."""
    LIST.changed_on_commit(meeting_id, agenda_item_id)


def publish_settings(meeting_id: int) -> None:
    events.publish(
        meeting_id,
        SPEAKERS_SETTINGS_CHANGED,
        {"settings": selectors.meeting_settings(meeting_id)},
    )
