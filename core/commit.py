"""Work that runs after the current transaction commits.

What runs after commit (publishing a live update, removing a deleted file,
closing a poll whose roll has all voted) follows a write that is already
saved. If it fails (Redis is down, say), the write must still answer
success: the live update is late, not the answer. Django's own
`on_commit(..., robust=True)` is not enough: its error log reads the hook's
`__qualname__`, which a `functools.partial` lacks, so the log itself raised
and the saved write answered 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def after_commit(func: Callable[..., Any], *args: Any, using: str | None = None) -> None:
    """Call `func(*args)` once the current transaction commits (at once
    outside a transaction). Any error it raises is logged and swallowed.

    The arguments are bound now (no late-binding in loops)."""

    def run() -> None:
        try:
            func(*args)
        except Exception:
            logger.exception("After-commit work %s failed; the write itself is saved", _name(func))

    transaction.on_commit(run, using=using)


def _name(func: Callable[..., Any]) -> str:
    inner = getattr(func, "func", func)  # a functools.partial
    module = getattr(inner, "__module__", None) or ""
    name = getattr(inner, "__qualname__", None) or repr(inner)
    return f"{module}.{name}" if module else name
