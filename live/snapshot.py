"""The snapshot a client gets first on every (re)connect, and pages embed as
their first state: each registered app's part (live.registry), composed."""

from __future__ import annotations

import threading
import time
from typing import Any

from live import coalesce, registry
from live.events import Audience, encode
from live.registry import Viewer

# Shared part of the snapshot per (meeting, audience): (seq, built at, data).
# A thousand phones connecting at once share one build per second instead of
# a thousand. Sequenced state is exact (the entry is rebuilt whenever the
# meeting's sequence moves); turnout and attendance counts may be up to
# SHARED_SNAPSHOT_SECONDS old per thousand voters (a build reads every voter,
# so a congress rebuilds less often, as its phones' count updates come less
# often too), and the next coalesced update corrects them.
SHARED_SNAPSHOT_SECONDS = 1.0
_shared_cache: dict[tuple[int, Audience], tuple[int, float, dict[str, Any]]] = {}
_shared_lock = threading.Lock()


def clear_cache() -> None:
    with _shared_lock:
        _shared_cache.clear()


def shared_snapshot(meeting_id: int, audience: Audience, *, cached: bool) -> dict[str, Any]:
    """What every viewer of one audience sees, built by each app's part."""
    key = (meeting_id, audience)
    source = registry.meeting()
    if cached:
        seq = source.current_seq(meeting_id)
        with _shared_lock:
            hit = _shared_cache.get(key)
        if hit is not None and hit[0] == seq and time.monotonic() - hit[1] < _max_age(hit[2]):
            return hit[2]
    shared: dict[str, Any] = {}
    for part in registry.snapshot_parts():
        if part.shared is not None:
            shared.update(part.shared(meeting_id, audience))
    with _shared_lock:
        _shared_cache[key] = (shared["seq"], time.monotonic(), shared)
    return shared


def _max_age(shared: dict[str, Any]) -> float:
    return coalesce.crowd_interval(SHARED_SNAPSHOT_SECONDS, registry.meeting().crowd(shared))


def compose_snapshot(meeting_id: int, viewer: Viewer, *, cached: bool = False) -> dict[str, Any]:
    """Each app's part of the snapshot, in one message: the part the viewer's
    audience shares, then the viewer's own."""
    shared = shared_snapshot(meeting_id, viewer.audience, cached=cached)
    snapshot = dict(shared)
    for part in registry.snapshot_parts():
        if part.personal is not None:
            snapshot.update(part.personal(shared, viewer))
    return snapshot


def build_snapshot(meeting_id: int, viewer: Viewer) -> str:
    """The snapshot frame as the socket sends it."""
    return encode(compose_snapshot(meeting_id, viewer, cached=True))
