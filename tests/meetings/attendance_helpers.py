"""Fixtures for the attendance tests: a controllable clock and rate-limit
counters of their own (a fresh cache key prefix per test, also on Redis)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from core import ratelimit
from meetings import checkin

# A moment 5 s into a 30-second window.
START = 1_800_000_000.0 - (1_800_000_000.0 % checkin.ROOM_WINDOW_SECONDS) + 5


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    @property
    def window(self) -> int:
        return checkin.room_window(self.now)

    def to_window(self, window: int, offset: float = 0.0) -> None:
        self.now = window * checkin.ROOM_WINDOW_SECONDS + offset


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(START)
    monkeypatch.setattr(checkin, "clock", fake)
    monkeypatch.setattr(ratelimit, "clock", fake)
    return fake


@pytest.fixture(autouse=True)
def own_rate_counters(settings: Any) -> Iterator[None]:
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    yield
