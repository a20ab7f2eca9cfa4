"""Group names and event publishing for the meeting socket.

Every state event carries the meeting's sequence number. The number is taken
from the meeting row inside the writing transaction, so it is exact across
server processes, and the event leaves only after that transaction commits.
Event types are declared by their apps (live.catalogue).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from core.commit import after_commit
from live import catalogue, registry
from live.catalogue import EventType
from live.groups import EVERYONE, Audience, group_name

logger = logging.getLogger(__name__)

# The channel layer message type; MeetingConsumer.meeting_event handles it.
LAYER_MESSAGE_TYPE = "meeting.event"


def layer_message(text: str, spread: float = 0.0) -> dict[str, Any]:
    """What the channel layer carries to MeetingConsumer.meeting_event: the
    frame's JSON, and for an update to a crowd of phones the `spread` within
    which each socket sends it."""
    message: dict[str, Any] = {"type": LAYER_MESSAGE_TYPE, "text": text}
    if spread:
        message["spread"] = spread
    return message


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def next_seq(meeting_id: int) -> int:
    """Take the meeting's next sequence number. Needs an open transaction.

    The meeting source (live.registry) locks the meeting's row until commit,
    so numbers are handed out in commit order.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_seq() must run inside transaction.atomic()")
    return registry.meeting().next_seq(meeting_id)


def publish(
    meeting_id: int,
    event: EventType,
    payload: Mapping[str, Any],
    *,
    public_payload: Mapping[str, Any] | None = None,
) -> int:
    """Queue a sequenced event for every audience, sent after the current
    transaction commits. Returns the event's sequence number.

    Sequenced events go to every audience, so that a gap in the numbers always
    means a missed event. With `public_payload`, members and the projector get
    that instead of `payload` (for example a draft poll's bare id and state),
    under the same number. Each JSON text is built once.

    Raises if `event` is not declared, is coalesced (its Stream sends it), or
    a payload lacks a declared field or has one more.
    """
    catalogue.require(event, coalesced=False)
    event.check(payload)
    if public_payload is not None:
        event.check(public_payload)
    seq = next_seq(meeting_id)
    text = encode({"type": event.name, "seq": seq, **payload})
    if public_payload is None:
        after_commit(_send, meeting_id, EVERYONE, text)
    else:
        public = encode({"type": event.name, "seq": seq, **public_payload})
        after_commit(_send, meeting_id, (Audience.STAFF,), text)
        after_commit(_send, meeting_id, (Audience.MEMBERS, Audience.PROJECTOR), public)
    return seq


def _send(meeting_id: int, audiences: tuple[Audience, ...], text: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        logger.error("No channel layer configured; event for meeting %s dropped", meeting_id)
        return
    message = layer_message(text)
    for audience in audiences:
        async_to_sync(layer.group_send)(group_name(meeting_id, audience), message)
