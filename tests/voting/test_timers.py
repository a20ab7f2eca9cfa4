"""Polls close on time with no request: the timer set on the server loop when
a poll opens with a voting time, `polls_close_due`, and refusals after time.

The service allows voting times of 10 seconds or more. Rather than wait 10 s
or patch that minimum, the timer test opens a poll with 10 s, records the job
that voting.turnout.schedule_close hands to live.coalesce.later (and its
delay), moves `closes_at` into the past, and then hands the same job to the
real `coalesce.later` with no delay: the job runs on the consumer's loop from
the loop's own timer, and the close reaches the sockets with no request.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from core.exceptions import Conflict
from live import coalesce
from meetings import services as meeting_services
from tests.conftest import World, build_world
from tests.live.test_consumer import member_socket, socket_test
from tests.voting import test_consumers as consumer_tests
from tests.voting.conftest import PollMaker, option_id, receipt
from tests.voting.test_consumers import (
    create_poll,
    options_of,
    projector_socket,
    receive_until,
    still_open,
)
from voting import services, turnout
from voting.models import Poll

# The socket fixtures of the voting consumer tests: a live meeting committed
# for the consumer, and the channel layer (Redis when REDIS_URL is set).
socket_layer = consumer_tests.socket_layer
sworld = consumer_tests.sworld


class Recorder:
    """Stands in for coalesce.later: keeps (delay, job) instead of scheduling."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, coalesce.Job]] = []

    def __call__(self, delay: float, job: coalesce.Job) -> None:
        self.calls.append((delay, job))


def move_deadline(poll: Poll, seconds: float) -> None:
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() + timedelta(seconds=seconds))


@socket_test
async def test_poll_closes_on_time_with_no_request(
    sworld: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_later = coalesce.later
    recorder = Recorder()
    monkeypatch.setattr(coalesce, "later", recorder)
    poll = await database_sync_to_async(create_poll)(sworld, secrecy="secret")
    options = await database_sync_to_async(options_of)(poll)
    async with (
        await projector_socket(sworld) as projector,
        await member_socket(sworld, sworld.voters[0]) as member,
    ):
        await projector.receive()
        await member.receive()
        # Opened from a worker thread, as the REST view would: the timer is
        # set after commit, for the poll's voting time.
        opened = await database_sync_to_async(services.poll_open)(
            actor=sworld.chair, poll=poll, duration_seconds=10
        )
        assert opened.closes_at is not None
        assert opened.opened_at is not None
        assert opened.closes_at - opened.opened_at == timedelta(seconds=10)
        changed = await receive_until(member, lambda f: f["type"] == "poll.changed")
        assert changed[-1]["poll"]["closes_at"] is not None  # the projector's countdown
        assert len(recorder.calls) == 1
        delay, job = recorder.calls[0]
        assert delay == pytest.approx(10.05)  # just after closes_at

        await member.send(
            {
                "type": "ballot.cast",
                "poll_id": poll.pk,
                "choices": [options["Yes"]],
                "nonce": receipt(),
                "ref": 1,
            }
        )
        assert (await receive_until(member, lambda f: f["type"] == "ack"))[-1]["ref"] == 1

        # Time is up (the clock moved, not us): a late ballot is refused even
        # before the timer has closed the poll.
        await database_sync_to_async(move_deadline)(poll, -1)
        await member_as_late_voter(sworld, poll.pk, options["No"])

        # The timer fires on the server loop; nobody sends a request.
        real_later(0, job)
        for socket in (projector, member):
            frames = await receive_until(
                socket, lambda f: f["type"] == "poll.changed" and f["poll"]["state"] == "closed"
            )
            result = frames[-1]["poll"]["result"]
            assert result["ballots"] == 1
            assert result["carried"] is True
    poll = await database_sync_to_async(Poll.objects.get)(pk=poll.pk)
    assert poll.state == Poll.State.CLOSED


async def member_as_late_voter(world: World, poll_id: int, choice: int) -> None:
    async with await member_socket(world, world.voters[1]) as socket:
        await socket.receive()
        await socket.send(
            {
                "type": "ballot.cast",
                "poll_id": poll_id,
                "choices": [choice],
                "nonce": receipt(),
                "ref": "late",
            }
        )
        error = await receive_until(socket, lambda f: f["type"] == "error")
        assert (error[-1]["code"], error[-1]["ref"]) == ("poll_not_open", "late")
        await still_open(socket)


@socket_test
async def test_timer_before_the_deadline_closes_nothing(
    sworld: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timer that fires early (a clock step, a restarted process) leaves the
    poll open: polls_close_due closes only polls whose time is up."""
    recorder = Recorder()
    monkeypatch.setattr(coalesce, "later", recorder)
    poll = await database_sync_to_async(create_poll)(sworld)
    async with await member_socket(sworld, sworld.voters[0]) as member:
        await member.receive()
        await database_sync_to_async(services.poll_open)(
            actor=sworld.chair, poll=poll, duration_seconds=60
        )
        await receive_until(member, lambda f: f["type"] == "poll.changed")
        ((_delay, job),) = recorder.calls
        await job()  # what the loop's timer would run
        await member.send({"type": "ping", "ref": "after-job"})
        frames = await receive_until(member, lambda f: f["type"] == "pong")
        assert [f["type"] for f in frames if f["type"] == "poll.changed"] == []
    poll = await database_sync_to_async(Poll.objects.get)(pk=poll.pk)
    assert poll.state == Poll.State.OPEN


@socket_test
async def test_resume_timers_at_start_closes_overdue_and_schedules_the_rest(
    sworld: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process starting up closes polls whose time ran out while no process
    was up, and sets timers for the open ones."""
    other = await database_sync_to_async(build_world)()

    @database_sync_to_async
    def two_open_polls() -> tuple[Poll, Poll]:
        meeting_services.meeting_start(actor=other.chair, meeting=other.meeting)
        overdue = services.poll_open(
            actor=sworld.chair, poll=create_poll(sworld, title="Overdue"), duration_seconds=30
        )
        running = services.poll_open(
            actor=other.chair, poll=create_poll(other, title="Running"), duration_seconds=30
        )
        move_deadline(overdue, -5)
        return overdue, running

    recorder = Recorder()
    monkeypatch.setattr(coalesce, "later", recorder)
    overdue, running = await two_open_polls()
    recorder.calls.clear()
    await turnout.resume_timers(services.polls_close_due)
    overdue = await database_sync_to_async(Poll.objects.get)(pk=overdue.pk)
    running = await database_sync_to_async(Poll.objects.get)(pk=running.pk)
    assert overdue.state == Poll.State.CLOSED
    assert running.state == Poll.State.OPEN
    ((delay, _job),) = recorder.calls
    assert 25 < delay <= 30.05


# --- polls_close_due and late ballots, without a loop ------------------------------------------


@pytest.mark.django_db
def test_polls_close_due_closes_only_due_polls(live_world: World, make_poll: PollMaker) -> None:
    other = build_world()
    meeting_services.meeting_start(actor=other.chair, meeting=other.meeting)
    due = make_poll(title="Due", open_=False)
    due = services.poll_open(actor=live_world.chair, poll=due, duration_seconds=10)
    later = services.poll_create(
        actor=other.chair, meeting=other.meeting, title="Later", kind="motion"
    )
    later = services.poll_open(actor=other.chair, poll=later, duration_seconds=600)
    yes = option_id(due, "Yes")
    services.ballot_cast(voter=live_world.voters[0], poll_id=due.pk, choices=[yes], nonce=receipt())
    assert services.polls_close_due() == []  # nothing is due yet
    now = timezone.now()
    move_deadline(due, -1)
    assert services.polls_close_due() == [due.pk]
    assert services.polls_close_due() == []  # closed once; running it again is harmless
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.state == Poll.State.CLOSED
    assert due.result is not None
    assert due.result["ballots"] == 1
    assert later.state == Poll.State.OPEN
    # An explicit "now" past the other deadline closes that one too.
    assert later.closes_at is not None
    assert services.polls_close_due(now=later.closes_at) == [later.pk]
    assert now < later.closes_at


@pytest.mark.django_db
def test_draft_and_untimed_polls_are_never_due(live_world: World, make_poll: PollMaker) -> None:
    untimed = make_poll(title="Untimed")
    draft = make_poll(title="Draft", open_=False)
    far = timezone.now() + timedelta(days=2)
    assert services.polls_close_due(now=far) == []
    untimed.refresh_from_db()
    draft.refresh_from_db()
    assert (untimed.state, draft.state) == (Poll.State.OPEN, Poll.State.DRAFT)


@pytest.mark.django_db
def test_ballots_after_closes_at_are_refused(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    poll = services.poll_open(actor=live_world.chair, poll=poll, duration_seconds=10)
    yes = option_id(poll, "Yes")
    code = receipt()
    services.ballot_cast(voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=code)
    move_deadline(poll, 0)
    for voter in live_world.voters[1:]:
        with pytest.raises(Conflict) as refused:
            services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[yes], nonce=receipt())
        assert refused.value.code == "poll_not_open"
    # A resend of a ballot accepted in time still gets its receipt.
    again = services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[yes], nonce=code
    )
    assert not again.created
    # Paper ballots too are refused after time.
    entry = poll.roll.get(member__member=live_world.voters[1])
    with pytest.raises(Conflict) as paper:
        services.paper_ballot_enter(
            actor=live_world.clerk, poll=poll, roll_entry_id=entry.pk, choices=[yes]
        )
    assert paper.value.code == "poll_not_open"
    poll.refresh_from_db()
    assert poll.state == Poll.State.OPEN  # until the timer (or anyone) closes it
