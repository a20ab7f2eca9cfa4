"""Sessions and the member behind them: core.sessions and
core.backends read both with plain queries; they must log in exactly
whom Django's own would."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.sessions import SessionStore
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


# --- the two reads of core.sessions -------------------------------------------


def stored_session() -> SessionStore:
    store = SessionStore()
    store["member"] = "Voter Lê"
    store.create()
    return store


def without_time(queries: CaptureQueriesContext) -> list[str]:
    """The SQL run, the current time (a parameter) left out."""
    return [re.sub(r"'\d{4}-\d\d-\d\d[ T][^']*'", "<now>", q["sql"]) for q in queries]


def read_sync(session_key: str) -> tuple[Session | None, str | None, list[str]]:
    """The synchronous read: the session, the key kept, the SQL run."""
    store = SessionStore(session_key)
    with CaptureQueriesContext(connection) as queries:
        session = store._get_session_from_db()
    return session, store.session_key, without_time(queries)


def read_async(session_key: str) -> tuple[Session | None, str | None, list[str]]:
    """The asynchronous read, as an async view or consumer makes it."""
    store = SessionStore(session_key)
    with CaptureQueriesContext(connection) as queries:
        session = async_to_sync(store._aget_session_from_db)()
    return session, store.session_key, without_time(queries)


@pytest.mark.django_db
def test_both_reads_return_the_same_session_with_the_same_plain_query() -> None:
    key = stored_session().session_key
    assert key is not None
    sync_session, sync_key, sync_sql = read_sync(key)
    async_session, async_key, async_sql = read_async(key)
    assert sync_session is not None and async_session is not None
    assert (async_session.session_key, async_session.session_data) == (
        sync_session.session_key,
        sync_session.session_data,
    )
    assert sync_key == async_key == key
    # One query, and the same one: neither path goes through the ORM's.
    assert len(sync_sql) == 1
    assert async_sql == sync_sql
    assert (
        SessionStore(key).load()
        == async_to_sync(SessionStore(key).aload)()
        == {"member": "Voter Lê"}
    )


@pytest.mark.django_db
def test_neither_read_returns_an_expired_session() -> None:
    key = stored_session().session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    for read in (read_sync, read_async):
        session, kept_key, _sql = read(key)  # type: ignore[arg-type]
        assert session is None, read.__name__
        assert kept_key is None, read.__name__  # a new key if the session is saved
