"""Password login protection (core.loginguard): lockout per account and per
address on the API, the login page and the admin, 429 with a sentence."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from rest_framework.test import APIClient

from tests.api import assert_error
from tests.conftest import World
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache", "fast_hashing")]


@pytest.fixture
def fast_hashing(settings):  # type: ignore[no-untyped-def]
    # The factories' hash is made once per run, maybe with the default hasher.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def api_login(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return APIClient().post(
        "/api/auth/login/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


@pytest.fixture
def small_limits(settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_LOCKOUT_SECONDS = 600


@pytest.mark.usefixtures("small_limits")
def test_account_locks_after_failures_even_with_the_right_password(world: World) -> None:
    name = world.chair.username
    for _ in range(3):
        assert_error(api_login(name, "wrong"), 400, "invalid_credentials")
    # From another address too: the account itself is locked.
    response = api_login(name, PASSWORD, address="10.0.0.2")
    body = assert_error(response, 429, "login_locked")
    assert "Wait 10 minutes" in body["detail"]
    assert response["Retry-After"] == "600"
    # Another account from the first address still logs in.
    assert api_login(world.clerk.username, PASSWORD).status_code == 200


@pytest.mark.usefixtures("small_limits")
def test_address_locks_after_failures_across_accounts(world: World) -> None:
    for number in range(5):
        assert_error(api_login(f"guess{number}", "wrong"), 400, "invalid_credentials")
    assert_error(api_login(world.chair.username, PASSWORD), 429, "login_locked")
    assert api_login(world.chair.username, PASSWORD, address="10.0.0.9").status_code == 200


@pytest.mark.usefixtures("small_limits")
def test_cool_down_ends_the_lock(world: World) -> None:
    from django.core.cache import cache

    for _ in range(3):
        api_login(world.chair.username, "wrong")
    assert_error(api_login(world.chair.username, PASSWORD), 429)
    # The lock is a cache entry that expires after the cool-down.
    locked = [key for key in cache._cache if b"loginguard" in str(key).encode()]  # type: ignore[attr-defined]
    assert locked
    for key in list(cache._cache):  # type: ignore[attr-defined]
        cache._expire_info[key] = 0  # type: ignore[attr-defined]
    assert api_login(world.chair.username, PASSWORD).status_code == 200


@pytest.mark.usefixtures("small_limits")
def test_success_clears_the_account_failures(world: World) -> None:
    for _ in range(2):
        api_login(world.chair.username, "wrong", address="10.0.0.3")
    assert api_login(world.chair.username, PASSWORD, address="10.0.0.4").status_code == 200
    for _ in range(2):
        api_login(world.chair.username, "wrong", address="10.0.0.5")
    assert api_login(world.chair.username, PASSWORD, address="10.0.0.6").status_code == 200


@pytest.mark.usefixtures("small_limits")
def test_login_page_answers_429_with_a_sentence(world: World) -> None:
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(3):
        page = client.post("/login/", {"username": world.chair.username, "password": "wrong"})
        assert page.status_code == 200
    page = client.post("/login/", {"username": world.chair.username, "password": PASSWORD})
    assert page.status_code == 429
    assert page["Retry-After"] == "600"
    assert "Too many failed logins" in page.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("small_limits")
def test_admin_login_answers_429(world: World) -> None:
    world.chair.is_staff = True
    world.chair.save()
    client = Client(REMOTE_ADDR="10.0.0.8")
    for _ in range(3):
        page = client.post("/admin/login/", {"username": world.chair.username, "password": "wrong"})
        assert page.status_code == 200
    page = client.post("/admin/login/", {"username": world.chair.username, "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast in tests) that counts how often a password is hashed (a check
    hashes the candidate once too)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)


def test_unknown_username_costs_the_same_hashing_as_a_known_one(settings, world: World) -> None:
    """Timing must not tell which usernames exist: an unknown one is hashed
    once, like a known one with a wrong password."""
    settings.PASSWORD_HASHERS = ["tests.core.test_loginguard.CountingHasher"]
    world.chair.set_password(PASSWORD)  # hashed by the counting hasher
    world.chair.save()
    CountingHasher.calls = 0
    assert_error(api_login(world.chair.username, "wrong"), 400, "invalid_credentials")
    known = CountingHasher.calls
    CountingHasher.calls = 0
    body = assert_error(api_login("nobody-by-this-name", "wrong"), 400, "invalid_credentials")
    assert CountingHasher.calls == known == 1
    assert body["detail"] == "Wrong username or password."


@pytest.mark.usefixtures("small_limits")
def test_locked_attempts_hash_no_password(settings, world: World) -> None:
    settings.PASSWORD_HASHERS = ["tests.core.test_loginguard.CountingHasher"]
    for _ in range(3):
        api_login("victim", "wrong")
    CountingHasher.calls = 0
    for _ in range(20):
        assert_error(api_login("victim", "wrong"), 429)
    assert CountingHasher.calls == 0


# --- login CSRF ---------------------------------------------------------------


def test_login_refuses_a_form_post(world: World) -> None:
    """A cross-site page can POST a form without a preflight; the login takes JSON only."""
    client = APIClient()
    response = client.post(
        "/api/auth/login/", {"username": world.chair.username, "password": PASSWORD}
    )
    assert_error(response, 415)
    response = client.post(
        "/api/auth/login/",
        f"username={world.chair.username}&password={PASSWORD}",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415)
    assert "sessionid" not in response.cookies
    assert "_auth_user_id" not in client.session


def test_login_refuses_another_origin(world: World) -> None:
    login = {"username": world.chair.username, "password": PASSWORD}
    response = APIClient().post(
        "/api/auth/login/", login, format="json", HTTP_ORIGIN="https://evil.example"
    )
    assert_error(response, 403, "cross_origin")
    assert "sessionid" not in response.cookies
    response = APIClient().post(
        "/api/auth/login/", login, format="json", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert_error(response, 403, "cross_origin")
    same = APIClient().post(
        "/api/auth/login/", login, format="json", HTTP_ORIGIN="http://testserver"
    )
    assert same.status_code == 200
