"""Sessions and the member behind them: core.sessions and
core.backends read both with plain queries; they must log in exactly
whom Django's own would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import World


def logged_in(world: World) -> APIClient:
    client = APIClient()
    client.force_login(world.voters[0])
    assert client.get("/api/auth/me/").status_code == 200
    return client


def test_a_live_session_logs_its_member_in(world: World) -> None:
    response = logged_in(world).get("/api/auth/me/")
    assert response.json()["username"] == world.voters[0].username


def test_an_expired_session_logs_no_one_in(world: World) -> None:
    client = logged_in(world)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/auth/me/").status_code == 401


def test_a_session_from_before_a_password_change_logs_no_one_in(world: World) -> None:
    client = logged_in(world)
    world.voters[0].set_password("a-new-password-2026")
    world.voters[0].save()
    assert client.get("/api/auth/me/").status_code == 401


def test_a_deactivated_member_is_logged_out(world: World) -> None:
    client = logged_in(world)
    world.voters[0].is_active = False
    world.voters[0].save()
    assert client.get("/api/auth/me/").status_code == 401


@pytest.mark.parametrize("key", ["no-such-key-00000000000000000000", "short"])
def test_an_unknown_session_key_is_anonymous(world: World, key: str) -> None:
    client = APIClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    assert client.get("/api/auth/me/").status_code == 401
