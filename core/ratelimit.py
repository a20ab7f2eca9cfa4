"""Fixed-window rate limits on Django's cache.

With REDIS_URL set the cache is Redis, so a limit holds across all server
processes; otherwise it is the process's local memory.

When the cache cannot be reached (Redis is down), RATE_LIMIT_FAIL_OPEN
decides: let the attempt through uncounted (the default), or refuse it with
503. Open by default because what these limits guard (check-ins, remote
presence, one-time login links whose tokens cannot be guessed) must keep a
meeting running through a Redis restart, while the harm of a few minutes
without a count is small.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from core.exceptions import DomainError

logger = logging.getLogger(__name__)


def clock() -> float:
    """Seconds since the epoch. Tests replace it to control the windows."""
    return time.time()


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class RateLimitUnavailable(DomainError):
    """The counters cannot be read and the limits fail closed."""

    status = 503
    code = "rate_limit_unavailable"


def hit(scope: str, ident: str | int, *, limit: int, period: int = 60) -> None:
    """Count one attempt of `ident` in `scope`; RateLimited once more than
    `limit` attempts fall in the current `period`-second window. A limit of
    0 or less switches the check off."""
    if limit <= 0:
        return
    window = int(clock() // period)
    key = f"ratelimit:{scope}:{ident}:{window}"
    try:
        count = _count(key, period)
    except Exception:  # the cache's own errors (redis.ConnectionError, timeouts)
        if settings.RATE_LIMIT_FAIL_OPEN:
            logger.warning("Rate limit %s not counted: the cache is unreachable", scope)
            return
        logger.exception("Rate limit %s refused: the cache is unreachable", scope)
        raise RateLimitUnavailable(
            _("This is briefly unavailable. Try again in a few seconds.")
        ) from None
    if count > limit:
        if count == limit + 1:  # once per window, not once per refused attempt
            logger.warning("Rate limit hit: %s for %s (%d per %d s)", scope, ident, limit, period)
        raise RateLimited(_("Too many attempts. Wait a minute and try again."))


def _count(key: str, period: int) -> int:
    cache.add(key, 0, timeout=period + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 5)
        return 1
