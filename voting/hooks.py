"""Hooks other apps register on, so that voting never imports them.

A motion follows its poll's result: the motions app registers a function
here from its AppConfig.ready(), and voting calls every registered function
when a poll's result is settled (closed, or a tie decided by the chair) or
the poll is cancelled.

The hooks run inside the transaction that closes (or cancels) the poll, not
on commit: the poll's result, the motion's new state, both log entries and
both events then commit together or not at all. A hook run after commit
would need a transaction of its own, and a failure there would leave a
closed poll beside a motion still "being voted on", with nothing to retry
it. The price: a hook that raises aborts the close, which is what we want
from a bug (the poll stays open and can be closed again once fixed).
"""

from __future__ import annotations

from collections.abc import Callable

from meetings.models import Member
from voting.models import Poll

# (poll, actor or None for a deadline) -> None. Runs in the poll's transaction.
PollHook = Callable[[Poll, Member | None], None]

_settled: list[PollHook] = []
_cancelled: list[PollHook] = []


def on_poll_settled(hook: PollHook) -> None:
    """Call `hook` when a poll's result is settled: at close, and again when
    the chair decides a tie the rule left to them. Registering twice is a no-op."""
    if hook not in _settled:
        _settled.append(hook)


def on_poll_cancelled(hook: PollHook) -> None:
    if hook not in _cancelled:
        _cancelled.append(hook)


def poll_settled(poll: Poll, actor: Member | None) -> None:
    for hook in list(_settled):
        hook(poll, actor)


def poll_cancelled(poll: Poll, actor: Member | None) -> None:
    for hook in list(_cancelled):
        hook(poll, actor)
