"""A viewer's own state, sent again when something of theirs changes.

The snapshot's personal parts (live.registry: presence, weight, the proxies
a member carries, their roll entries) used to reach a phone only on
connect, so a member checked in at the door, given a new weight or handed
a proxy saw it only after a reload. Now the app that changed it calls
`publish(meeting_id, viewer)` inside its transaction; after the commit the
personal parts are built for that viewer and sent as one `me.changed`.

It travels through the viewer's audience group, so it costs one message on
the channel layer whatever the crowd, marked `to` the participant it is
for: every other socket of the group drops it before sending (and the HTTP
follow endpoint gives it to that participant only). Not sequenced: a
missed one is healed by the next snapshot, which carries the same fields.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.commit import after_commit
from live import catalogue, registry
from live.events import encode, layer_message
from live.groups import Audience, group_name
from live.snapshot import shared_snapshot

logger = logging.getLogger(__name__)


class MeChanged(TypedDict):
    participant_id: int
    # The personal parts of the snapshot, as the snapshot carries them.
    me: dict[str, Any]


ME_CHANGED = catalogue.declare("me.changed", MeChanged, sequenced=False, personal=True)


class PersonalViewer(registry.Viewer, Protocol):
    @property
    def participant_id(self) -> int | None:
        """The participant whose screens this is for; None for a projector."""


def publish(meeting_id: int, viewer: PersonalViewer) -> None:
    """Send `viewer` their own parts of the snapshot once the current
    transaction commits (at once outside one)."""
    if viewer.participant_id is not None:
        after_commit(_send, meeting_id, viewer)


def personal_parts(meeting_id: int, viewer: registry.Viewer) -> dict[str, Any]:
    shared = shared_snapshot(meeting_id, viewer.audience, cached=True)
    me: dict[str, Any] = {}
    for part in registry.snapshot_parts():
        if part.personal is not None:
            me.update(part.personal(shared, viewer))
    return me


def _send(meeting_id: int, viewer: PersonalViewer) -> None:
    participant_id = viewer.participant_id
    assert participant_id is not None
    payload = {"participant_id": participant_id, "me": personal_parts(meeting_id, viewer)}
    ME_CHANGED.check(payload)
    text = encode({"type": ME_CHANGED.name, **payload})
    _deliver(meeting_id, viewer.audience, participant_id, text)


def _deliver(meeting_id: int, audience: Audience, participant_id: int, text: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        logger.error("No channel layer configured; me.changed for meeting %s dropped", meeting_id)
        return
    message = layer_message(text)
    message["to"] = participant_id
    async_to_sync(layer.group_send)(group_name(meeting_id, audience), message)


def is_for(message: dict[str, Any], participant_id: int | None) -> bool:
    """False for a personal message meant for someone else."""
    to = message.get("to")
    return to is None or to == participant_id
