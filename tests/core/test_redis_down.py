"""While Redis is down, a saved write answers success and the rate-limited
doors (check-in, remote presence) stay open.

Redis here is a port nobody listens on: the channel layer and the cache fail
as they do when Redis is stopped. Transactional tests, so the writes really
commit and their after-commit work (publishing) really runs.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from channels.layers import channel_layers
from django.test import Client

from core import ratelimit
from core.commit import after_commit
from core.unavailable import RETRY_AFTER_SECONDS
from live.consumer import CLOSE_TRY_AGAIN_LATER
from meetings import attendance_selectors
from meetings import services as meeting_services
from meetings.models import AgendaItem
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.live.test_consumer import member_socket
from voting import services
from voting.models import Ballot, Poll, PollSeal, RollEntry

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long pass phrase for the test"


def dead_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_down(settings: Any) -> Iterator[str]:
    url = f"redis://127.0.0.1:{dead_port()}/0"
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url}]},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    channel_layers.backends.clear()
    yield url
    channel_layers.backends.clear()


@pytest.fixture
def started(world: World) -> World:
    world.meeting.allow_remote_participation = True
    world.meeting.save(update_fields=["allow_remote_participation"])
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


def test_after_commit_logs_and_swallows_a_failing_partial(
    db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def publish(n: int) -> None:
        calls.append(n)
        raise ConnectionError("Redis is down")

    with caplog.at_level(logging.ERROR, logger="core.commit"):
        after_commit(partial(publish, 1))  # outside a transaction: runs at once
        after_commit(publish, 2)
    assert calls == [1, 2]
    assert caplog.text.count("publish failed; the write itself is saved") == 2


def test_saved_writes_answer_success_while_redis_is_down(
    redis_down: str, started: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = started
    url = f"/api/meetings/{world.meeting.pk}/agenda/"
    with caplog.at_level(logging.ERROR, logger="core.commit"):
        added = client_for(world.chair).post(url, {"title": "Budget"}, format="json")
    assert added.status_code == 201, added.content
    assert AgendaItem.objects.filter(meeting=world.meeting, title="Budget").count() == 1
    assert "live.events._send failed" in caplog.text  # the live update is what was lost

    poll = services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt?", kind="motion", secrecy="named"
    )
    opened = client_for(world.chair).post(f"/api/polls/{poll.pk}/open/")
    assert opened.status_code == 200, opened.content
    entry = RollEntry.objects.get(poll=poll, member=world.participant(world.voters[0]))
    yes = poll.options.get(role="yes").pk
    paper = client_for(world.clerk).post(
        f"/api/polls/{poll.pk}/paper-ballots/",
        {"roll_entry_id": entry.pk, "choices": [yes]},
        format="json",
    )
    assert paper.status_code == 201, paper.content
    assert paper.json()["receipt"]["receipt_code"]
    closed = client_for(world.chair).post(f"/api/polls/{poll.pk}/close/")
    assert closed.status_code == 200, closed.content
    poll.refresh_from_db()
    assert poll.state == Poll.State.CLOSED and PollSeal.objects.filter(poll=poll).exists()
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_check_in_and_remote_presence_while_redis_is_down(
    redis_down: str, started: World, settings: Any
) -> None:
    world = started
    assert settings.RATE_LIMIT_FAIL_OPEN  # the documented default
    badge = attendance_selectors.badge_token_for(world.participant(world.voters[0]))
    base = f"/api/meetings/{world.meeting.pk}"
    checked = client_for(world.clerk).post(f"{base}/check-in/", {"badge": badge}, format="json")
    assert checked.status_code == 200, checked.content
    remote = client_for(world.voters[1]).post(f"{base}/remote-presence/")
    assert remote.status_code == 200, remote.content
    assert remote.json()["current_presence"] == "remote"


def test_rate_limits_can_fail_closed(redis_down: str, started: World, settings: Any) -> None:
    settings.RATE_LIMIT_FAIL_OPEN = False
    world = started
    answer = client_for(world.voters[1]).post(f"/api/meetings/{world.meeting.pk}/remote-presence/")
    body = assert_error(answer, 503, ratelimit.RateLimitUnavailable.code)
    assert "unavailable" in body["detail"]
    assert world.participant(world.voters[1]).presence != "remote"


def test_password_login_while_redis_is_down(redis_down: str, world: World, settings: Any) -> None:
    member = world.voters[0]
    member.set_password(PASSWORD)
    member.save(update_fields=["password"])

    def login(password: str) -> Any:
        return client_for(None).post(
            "/api/auth/login/", {"username": member.username, "password": password}, format="json"
        )

    answer = login(PASSWORD)
    assert answer.status_code == 200, answer.content  # open: not counted, not refused
    assert_error(login("wrong"), 400, "invalid_credentials")
    settings.RATE_LIMIT_FAIL_OPEN = False
    assert_error(login(PASSWORD), 503, ratelimit.RateLimitUnavailable.code)


def test_login_page_answers_503_when_the_limits_fail_closed(
    redis_down: str, world: World, settings: Any
) -> None:
    """The HTML login page, like the API, answers a sentence rather than a 500."""
    settings.RATE_LIMIT_FAIL_OPEN = False
    member = world.voters[0]
    member.set_password(PASSWORD)
    member.save(update_fields=["password"])
    client = Client(raise_request_exception=False)
    page = client.post("/login/", {"username": member.username, "password": PASSWORD})
    assert page.status_code == 503, page.content
    assert page["Retry-After"] == str(RETRY_AFTER_SECONDS)
    text = page.content.decode()
    assert "<h1>Temporarily unavailable</h1>" in text
    assert "briefly unavailable" in text
    assert "_auth_user_id" not in client.session


@pytest.mark.asyncio
async def test_socket_connect_gets_an_error_frame_then_1013(
    redis_down: str, started: World
) -> None:
    """Joining the meeting's live group needs Redis: the phone is told, and
    reconnects with backoff, rather than seeing a bare 1011."""
    async with await member_socket(started, started.voters[0]) as socket:
        error = await socket.receive()
        assert error["type"] == "error" and error["code"] == "live_unavailable"
        assert "live updates" in error["message"]
        assert await socket.receive_close_code() == CLOSE_TRY_AGAIN_LATER
