"""What the domain apps add to the live layer.

Each app registers from its AppConfig.ready(): its part of the snapshot, its
socket commands, and (the meetings app) who a connecting client is and the
meeting's event sequence. The socket consumer and the snapshot read only
this registry, so a new feature joins the socket without editing `live/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from live.groups import Audience

if TYPE_CHECKING:
    from live.commands import Frame


class Viewer(Protocol):
    """Who is looking at a meeting, as the live layer needs to know them."""

    @property
    def audience(self) -> Audience: ...

    @property
    def actor(self) -> Any:
        """Whom socket commands act for; None for a read-only viewer (a projector)."""


# (meeting_id, user or AnonymousUser, projector token or None) -> Viewer.
# Raises core.exceptions.NotLoggedIn, NotFound or NotAllowed.
ResolveViewer = Callable[[int, Any, "str | None"], Viewer]
# (meeting_id, actor, validated frame) -> extra fields for the ack, or None.
# Raises core.exceptions.DomainError on refusal.
Handler = Callable[[int, Any, "Frame"], "dict[str, Any] | None"]
SharedPart = Callable[[int, Audience], dict[str, Any]]
PersonalPart = Callable[[dict[str, Any], Viewer], dict[str, Any]]


@dataclass(frozen=True)
class MeetingSource:
    """The meetings app's answers to the live layer's questions."""

    resolve_viewer: ResolveViewer
    # The meeting's latest event sequence number.
    current_seq: Callable[[int], int]
    # Take the next number, locking the meeting row until commit. In a transaction.
    next_seq: Callable[[int], int]
    # How many voters a shared snapshot speaks for (paces its cache).
    crowd: Callable[[dict[str, Any]], int]


@dataclass(frozen=True)
class SnapshotPart:
    """One app's part of the snapshot: `shared` per (meeting, audience),
    cached briefly and shared by every viewer of that audience; `personal`
    per viewer, given the shared part."""

    app: str
    shared: SharedPart | None = None
    personal: PersonalPart | None = None


@dataclass
class _Registry:
    meeting: MeetingSource | None = None
    parts: list[SnapshotPart] | None = None
    commands: dict[str, Handler] | None = None


_registry = _Registry(parts=[], commands={})


def register_meeting(source: MeetingSource) -> None:
    _registry.meeting = source


def meeting() -> MeetingSource:
    if _registry.meeting is None:
        raise RuntimeError("No app registered the meeting source (meetings.apps).")
    return _registry.meeting


def register_snapshot_part(part: SnapshotPart) -> None:
    """Add an app's part; parts are composed in the order registered
    (INSTALLED_APPS order). Registering an app twice replaces its part."""
    parts = _registry.parts
    assert parts is not None
    parts[:] = [p for p in parts if p.app != part.app] + [part]


def unregister_snapshot_part(app: str) -> None:
    """For tests that register a part of their own."""
    parts = _registry.parts
    assert parts is not None
    parts[:] = [p for p in parts if p.app != app]


def snapshot_parts() -> list[SnapshotPart]:
    assert _registry.parts is not None
    return list(_registry.parts)


def register_command(kind: str, handler: Handler) -> None:
    """A client message type and the handler that runs it. Names are unique
    across apps: a clash is a programming error."""
    commands = _registry.commands
    assert commands is not None
    if kind in commands and commands[kind] is not handler:
        raise RuntimeError(f"Socket command {kind!r} is registered twice.")
    commands[kind] = handler


def unregister_command(kind: str) -> None:
    """For tests that register a command of their own."""
    assert _registry.commands is not None
    _registry.commands.pop(kind, None)


def command(kind: str) -> Handler | None:
    assert _registry.commands is not None
    return _registry.commands.get(kind)


def command_names() -> list[str]:
    assert _registry.commands is not None
    return sorted(_registry.commands)
