"""voting.hooks: other apps follow a poll's result without voting importing
them. The hooks run inside the closing transaction: a hook that raises
leaves the poll open, and nothing of the close is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meetings.models import MeetingEvent, Member
from tests.voting.conftest import PollMaker
from voting import hooks
from voting import services as voting_services
from voting.models import Poll

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen() -> Iterator[list[tuple[int, str, bool]]]:
    calls: list[tuple[int, str, bool]] = []

    def settled(poll: Poll, actor: Member | None) -> None:
        from django.db import transaction

        calls.append((poll.pk, poll.state, transaction.get_connection().in_atomic_block))

    hooks.on_poll_settled(settled)
    hooks.on_poll_cancelled(settled)
    yield calls
    hooks._settled.remove(settled)
    hooks._cancelled.remove(settled)


def test_close_and_cancel_call_the_hooks_inside_the_transaction(
    make_poll: PollMaker, seen: list[tuple[int, str, bool]]
) -> None:
    poll = make_poll()
    voting_services.poll_close(actor=poll.meeting.participants.get(role="chair").member, poll=poll)
    other = make_poll(open_=False)
    voting_services.poll_cancel(
        actor=other.meeting.participants.get(role="chair").member, poll=other, reason="No."
    )
    assert seen == [(poll.pk, "closed", True), (other.pk, "cancelled", True)]


def test_a_failing_hook_leaves_the_poll_open(make_poll: PollMaker) -> None:
    poll = make_poll()
    chair = poll.meeting.participants.get(role="chair").member

    def broken(_poll: Poll, _actor: Member | None) -> None:
        raise RuntimeError("a bug in a follower")

    hooks.on_poll_settled(broken)
    try:
        with pytest.raises(RuntimeError):
            voting_services.poll_close(actor=chair, poll=poll)
    finally:
        hooks._settled.remove(broken)
    poll.refresh_from_db()
    assert poll.state == Poll.State.OPEN and poll.result is None
    assert not MeetingEvent.objects.filter(action="poll.closed").exists()
    assert voting_services.poll_close(actor=chair, poll=poll).state == Poll.State.CLOSED
