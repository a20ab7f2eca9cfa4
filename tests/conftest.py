"""Shared fixtures: a union with a meeting, its chair, clerk, voters and an outsider.

Tests that need PostgreSQL, Redis or Chromium skip when those are missing,
except under CI=true, where a missing service fails the test instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.conf import settings

from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    MemberFactory,
    MembershipFactory,
    ParticipantFactory,
    UnionFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def require_postgres() -> None:
    need(uses_postgres(), "DATABASE_URL does not point at PostgreSQL")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    need(bool(url) and _reachable(url, 6379), "REDIS_URL is unset or Redis is not reachable")
    return url


@pytest.fixture
def redis_layer(settings, redis_url: str):  # type: ignore[no-untyped-def]
    """The real Redis channel layer, as in production."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url, "max_connections": 200}]},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def chromium_path() -> str:
    need(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed (apt install chromium)")
    return CHROMIUM


@dataclass
class World:
    union: Union
    meeting: Meeting
    chair: Member
    clerk: Member
    voters: list[Member]
    outsider: Member
    items: list[AgendaItem]

    def participant(self, member: Member) -> Participant:
        return Participant.objects.get(meeting=self.meeting, member=member)


def build_world(*, voters: int = 3, items: int = 3) -> World:
    union = UnionFactory.create()
    chair = MemberFactory.create(full_name="Chair Nguyễn")
    clerk = MemberFactory.create(full_name="Clerk Trần")
    MembershipFactory.create(member=chair, union=union, role=Membership.Role.OFFICER)
    MembershipFactory.create(member=clerk, union=union)
    meeting = MeetingFactory.create(union=union)
    ParticipantFactory.create(meeting=meeting, member=chair, role=Participant.Role.CHAIR)
    ParticipantFactory.create(meeting=meeting, member=clerk, role=Participant.Role.CLERK)
    members = []
    for _ in range(voters):
        member = MemberFactory.create()
        MembershipFactory.create(member=member, union=union)
        ParticipantFactory.create(meeting=meeting, member=member)
        members.append(member)
    outsider = MemberFactory.create(full_name="Outsider")
    MembershipFactory.create(member=outsider)  # a member of another union
    agenda = [
        AgendaItemFactory.create(meeting=meeting, position=i + 1, title=f"Item {i + 1}")
        for i in range(items)
    ]
    return World(union, meeting, chair, clerk, members, outsider, agenda)


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


@pytest.fixture(scope="session")
def audit_key_file(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One installation signing key for the whole run."""
    from voting import keys

    path = tmp_path_factory.mktemp("audit") / "signing-key.pem"
    keys.generate(path)
    return path


@pytest.fixture(autouse=True)
def audit_key(settings, audit_key_file):  # type: ignore[no-untyped-def]
    from voting import keys

    settings.AUDIT_KEY_PATH = audit_key_file
    keys.signing_key.cache_clear()
    yield audit_key_file
    keys.signing_key.cache_clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded and generated files go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_snapshot_cache():  # type: ignore[no-untyped-def]
    """Databases reuse meeting ids between tests: start each with no cached
    shared snapshot."""
    from live import snapshot

    snapshot.clear_cache()
    yield
    snapshot.clear_cache()


@pytest.fixture
def private_cache(settings):  # type: ignore[no-untyped-def]
    """A fresh in-memory cache of the test's own (rate-limit and login
    counters start at zero), never a shared Redis that others use."""
    import uuid

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }
    yield
