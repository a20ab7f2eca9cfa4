"""Fixed-window rate limits on Django's cache.

With REDIS_URL set the cache is Redis, so a limit holds across all server
processes; otherwise it is the process's local memory.
"""

from __future__ import annotations

import logging
import time

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


def hit(scope: str, ident: str | int, *, limit: int, period: int = 60) -> None:
    """Count one attempt of `ident` in `scope`; RateLimited once more than
    `limit` attempts fall in the current `period`-second window. A limit of
    0 or less switches the check off."""
    if limit <= 0:
        return
    window = int(clock() // period)
    key = f"ratelimit:{scope}:{ident}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        if count == limit + 1:  # once per window, not once per refused attempt
            logger.warning("Rate limit hit: %s for %s (%d per %d s)", scope, ident, limit, period)
        raise RateLimited(_("Too many attempts. Wait a minute and try again."))
