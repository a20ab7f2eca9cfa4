"""Password login protection: lockout per account and per client address.

Django's cache holds the counters (Redis with REDIS_URL, so every server
process shares them), like core.ratelimit. Chosen over django-axes: the
three login entry points (the API, the login page, the admin) already pass
through one authentication backend (core.backends), so the check lives
there, needs no tables or migrations, and answers the same 429 everywhere.

- A failed password counts against the username given (whether or not such
  a member exists: the answer never tells which) and the client's address.
- LOGIN_FAILURES_PER_ACCOUNT failures of one username, or
  LOGIN_FAILURES_PER_ADDRESS from one address, within LOGIN_LOCKOUT_SECONDS
  lock that username or address for LOGIN_LOCKOUT_SECONDS (the cool-down).
- While locked, attempts answer 429 without checking the password, so a
  flood costs no password hashing; a correct password does not unlock.
- A successful login clears the account's failures.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from core import ratelimit
from core.exceptions import DomainError
from core.unavailable import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

PREFIX = "loginguard"


class LoginLocked(DomainError):
    status = 429
    code = "login_locked"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "unknown"
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _account(username: str) -> str:
    # Hashed: the cache never holds a guessed username in clear.
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def _keys(request: HttpRequest | None, username: str) -> list[tuple[str, int]]:
    """(counter key, failure limit) for the account and the address."""
    return [
        (f"{PREFIX}:account:{_account(username)}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        (f"{PREFIX}:address:{client_address(request)}", settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def check(request: HttpRequest | None, username: str) -> None:
    """LoginLocked if the username or the address is cooling down. With the
    cache unreachable, RATE_LIMIT_FAIL_OPEN decides (core.ratelimit)."""
    try:
        locked = [
            limit > 0 and cache.get(f"{key}:locked") for key, limit in _keys(request, username)
        ]
    except Exception:  # the cache's own errors (Redis down)
        ratelimit.cache_unreachable("login")
        return
    for is_locked in locked:
        if is_locked:
            minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
            raise LoginLocked(
                _(
                    "Too many failed logins. Wait %(minutes)d minutes and try again, "
                    "or ask an officer to check your account."
                )
                % {"minutes": minutes},
                retry_after=settings.LOGIN_LOCKOUT_SECONDS,
            )


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Count a failed password; lock what reached its limit. A cache that
    cannot be reached loses the count, never the answer."""
    try:
        _count_failure(request, username)
    except Exception:  # the cache's own errors (Redis down)
        logger.warning("Login failure not counted: the cache is unreachable")


def _count_failure(request: HttpRequest | None, username: str) -> None:
    period = settings.LOGIN_LOCKOUT_SECONDS
    for key, limit in _keys(request, username):
        if limit <= 0:
            continue
        cache.add(key, 0, timeout=period)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period)
            count = 1
        if count >= limit:
            if cache.add(f"{key}:locked", 1, timeout=period):
                logger.warning("Login locked for %d s: %s", period, key.split(":")[1])
            cache.delete(key)


def record_success(username: str) -> None:
    try:
        cache.delete(f"{PREFIX}:account:{_account(username)}")
    except Exception:  # the cache's own errors: the login itself stands
        logger.warning("Login failures not cleared: the cache is unreachable")


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    username = credentials.get("username")
    if isinstance(username, str):
        record_failure(request, username)


def on_logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    record_success(user.get_username())


class LoginLockedMiddleware:
    """The login page and the admin's: a locked login answers 429 with the
    sentence, and a login the fail-closed limits cannot count (Redis down)
    503 with Retry-After (the API answers its JSON error through
    core.api.errors)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, LoginLocked):
            title, retry_after = _("Too many failed logins"), exception.retry_after
        elif isinstance(exception, ratelimit.RateLimitUnavailable):
            title, retry_after = _("Temporarily unavailable"), RETRY_AFTER_SECONDS
        else:
            return None
        response = render(
            request,
            "core/login_refused.html",
            {"title": title, "message": exception.message},
            status=exception.status,
        )
        response["Retry-After"] = str(retry_after)
        return response
