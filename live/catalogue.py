"""The meeting socket's event types, each declared once by the app it belongs
to (in its `events.py`), with its payload shape and how it travels.

- sequenced: carries the meeting's next `seq` and goes to every audience, so
  a gap in the numbers means a missed event. Sent with `live.events.publish`.
- coalesced: sent by a `live.coalesce.Stream`, at most a few times a second,
  each update holding the whole current state. A coalesced type may be
  sequenced too (the stream then numbers each update as it builds it).
- personal: one participant's own state, sent to their screens only by
  `live.personal.publish`; neither sequenced nor coalesced.

docs/protocol.md lists every declared type with its kind (a test holds the
two together). Publishing a type nobody declared, or through the wrong
channel, raises: it is a programming error, not a runtime condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventType:
    """One message type of the meeting socket.

    `payload` is a TypedDict of the fields besides `type` and `seq`, as the
    client receives them (JSON: datetimes and decimals are strings).
    """

    name: str
    payload: Any  # a TypedDict class (mypy has no type for "some TypedDict")
    sequenced: bool
    coalesced: bool
    # For one participant's screens only (live.personal), not the crowd.
    personal: bool = False

    @property
    def kind(self) -> str:
        """As docs/protocol.md heads the type: "### `name` (kind)"."""
        if self.personal:
            return "personal"
        if not self.sequenced:
            return "not sequenced"
        return "sequenced, coalesced" if self.coalesced else "sequenced"

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.payload.__required_keys__ | self.payload.__optional_keys__)

    def check(self, payload: Mapping[str, Any]) -> None:
        """Raise unless the payload has the declared top-level fields: every
        required one, and no other."""
        keys = set(payload)
        missing = self.payload.__required_keys__ - keys
        unknown = keys - self.fields
        if missing or unknown:
            raise TypeError(
                f"A {self.name} payload must match {self.payload.__qualname__}: "
                f"missing {sorted(missing)}, unknown {sorted(unknown)}."
            )


_declared: dict[str, EventType] = {}


def declare(
    name: str, payload: Any, *, sequenced: bool, coalesced: bool = False, personal: bool = False
) -> EventType:
    """Declare an event type (once, at import of the app's events module).

    Names are unique across apps. An unsequenced type must be coalesced or
    personal: publish() numbers everything it sends, so nothing else could
    send it. A personal type (live.personal) is never sequenced: the crowd's
    numbers must not have gaps that only some phones see.
    """
    if personal and (sequenced or coalesced):
        raise ValueError(f"{name}: a personal event is neither sequenced nor coalesced.")
    if not sequenced and not coalesced and not personal:
        raise ValueError(f"{name}: an event that is not sequenced must be coalesced.")
    event = EventType(name, payload, sequenced, coalesced, personal)
    known = _declared.get(name)
    if known is not None and _origin(known) != _origin(event):
        raise RuntimeError(f"Event type {name!r} is declared twice.")
    _declared[name] = event
    return event


def _origin(event: EventType) -> tuple[object, ...]:
    # A module imported again (a test reloading it) declares the same type anew.
    payload = event.payload
    return (
        event.sequenced,
        event.coalesced,
        event.personal,
        payload.__module__,
        payload.__qualname__,
    )


def require(event: EventType, *, coalesced: bool) -> None:
    """Raise unless `event` is declared, and coalesced exactly when the
    channel sending it coalesces (publish() does not, a Stream does)."""
    if _declared.get(event.name) is not event:
        raise RuntimeError(f"Event type {event.name!r} is not declared (live.catalogue.declare).")
    if event.coalesced and not coalesced:
        raise RuntimeError(f"{event.name} is coalesced: send it through its live.coalesce.Stream.")
    if coalesced and not event.coalesced:
        raise RuntimeError(f"{event.name} is not coalesced: send it with live.events.publish.")


def declared() -> list[EventType]:
    """Every declared type, by name."""
    return sorted(_declared.values(), key=lambda event: event.name)
