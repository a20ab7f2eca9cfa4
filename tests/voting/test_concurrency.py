"""Concurrent casting on PostgreSQL: the database, not a Python check, keeps
one ballot per roll entry, and a burst of voters loses nothing.

Threads touch the database only after the barrier, so none holds a pooled
connection while waiting for the others: with the pool of config/settings.py
(DB_POOL_SIZE, 20 by default, 10 s timeout) 50 threads simply queue for a
connection for a few milliseconds. Each thread closes its connection when done,
which hands it back to the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from core.exceptions import Conflict
from meetings import services as meeting_services
from meetings.models import Meeting, Member, Membership, Participant
from tests.conftest import World, build_world
from tests.factories import password_hash
from tests.voting.conftest import option_id, receipt
from voting import services
from voting.models import Ballot, Poll, RollEntry, RollMark
from voting.services.ballots import nonce_key

# Bounds a hung test; not a latency check.
JOIN_TIMEOUT = 60


def add_voters(meeting: Meeting, count: int, weight: Callable[[int], Decimal]) -> list[Member]:
    """`count` voters on the meeting's roster, in three bulk inserts."""
    tag = f"m{meeting.pk}"
    members = Member.objects.bulk_create(
        [
            Member(
                username=f"crowd-{tag}-{i}",
                full_name=f"Voter {tag} {i}",
                member_number=f"C{meeting.pk}-{i:04d}",
                password=password_hash(),
            )
            for i in range(count)
        ]
    )
    if connection.vendor != "postgresql":  # bulk_create returns ids on PostgreSQL only
        members = list(Member.objects.filter(username__startswith=f"crowd-{tag}-").order_by("pk"))
    Membership.objects.bulk_create(
        [Membership(member=m, union_id=meeting.union_id) for m in members]
    )
    Participant.objects.bulk_create(
        [
            Participant(
                meeting=meeting, member=m, role=Participant.Role.VOTER, vote_weight=weight(i)
            )
            for i, m in enumerate(members)
        ]
    )
    return members


@dataclass
class Outcome:
    receipt: services.Receipt | None = None
    conflict: str | None = None
    error: BaseException | None = None


def pool_seats() -> threading.BoundedSemaphore:
    """As many database calls at once as the pool has connections: the other
    threads wait on this rather than in the pool, whose 10 s timeout a slow
    machine can exceed. The calls still race, a pool's worth at a time."""
    return threading.BoundedSemaphore(settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"])


def run_together(calls: list[Callable[[], services.Receipt]]) -> list[Outcome]:
    """Start every call at once (one thread each, released by a barrier) and
    collect what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    seats = pool_seats()
    outcomes = [Outcome() for _ in calls]

    def run(index: int, call: Callable[[], services.Receipt]) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            with seats:
                try:
                    outcomes[index].receipt = call()
                finally:
                    connection.close()  # back to the pool before the seat is freed
        except Conflict as exc:
            outcomes[index].conflict = exc.code
        except BaseException as exc:
            outcomes[index].error = exc

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a casting thread hung"
    return outcomes


@pytest.fixture
def pg_world(require_postgres: None, transactional_db: None) -> World:
    world = build_world()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


def open_motion(world: World, *, secrecy: str) -> Poll:
    poll = services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Strike?", kind="motion", secrecy=secrecy
    )
    return services.poll_open(actor=world.chair, poll=poll)


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_for_one_roll_entry_give_one_ballot(pg_world: World) -> None:
    poll = open_motion(pg_world, secrecy="secret")
    voter = pg_world.voters[0]
    yes = option_id(poll, "Yes")
    shared = receipt()
    codes = [shared] * 25 + [receipt() for _ in range(25)]

    def cast(code: str) -> Callable[[], services.Receipt]:
        def call() -> services.Receipt:
            return services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[yes], nonce=code)

        return call

    outcomes = run_together([cast(code) for code in codes])

    errors = [o.error for o in outcomes if o.error is not None]
    assert errors == []
    entry = RollEntry.objects.get(poll=poll, member__member=voter)
    assert RollMark.objects.filter(roll_entry__poll=poll).count() == 1
    assert RollMark.objects.filter(roll_entry=entry).count() == 1
    ballots = list(Ballot.objects.filter(poll=poll))
    assert len(ballots) == 1
    winner = ballots[0].receipt_code
    accepted = [o.receipt for o in outcomes if o.receipt is not None]
    assert accepted, "someone's ballot must have been accepted"
    # Everyone who got a receipt got the one stored ballot's receipt ...
    assert {r.receipt_code for r in accepted} == {winner}
    assert all(r.choices == [yes] and r.weight == Decimal(1) for r in accepted)
    # ... exactly one of them created it, and every other thread was refused.
    assert sum(1 for r in accepted if r.created) == 1
    conflicts = [o.conflict for o in outcomes if o.conflict is not None]
    assert len(accepted) + len(conflicts) == 50
    assert set(conflicts) <= {"already_voted", "receipt_conflict"}
    # A resend with the stored code gets the receipt; with any other code
    # it is refused: a different code never wins once a ballot is in.
    # The receipt code is the server's: which nonce won is in the ballot's nonce key.
    if ballots[0].nonce_key == nonce_key(poll.pk, entry.pk, shared):
        assert len(accepted) == 25  # all 25 same-code threads (resends of one ballot)
    else:
        assert len(accepted) == 1  # the winning different-code thread alone
    assert ballots[0].roll_entry is None  # secret poll: no link to the voter


@pytest.mark.django_db(transaction=True)
def test_two_hundred_voters_at_once(pg_world: World) -> None:
    # Weights 1, 1.5, 0.3333 in turn: the tally must add them exactly.
    pattern = [Decimal(1), Decimal("1.5"), Decimal("0.3333")]
    crowd = add_voters(pg_world.meeting, 200, lambda i: pattern[i % 3])
    poll = open_motion(pg_world, secrecy="named")
    yes, no = option_id(poll, "Yes"), option_id(poll, "No")
    assert RollEntry.objects.filter(poll=poll).count() == 200 + 4  # crowd, chair, 3 voters

    barrier = threading.Barrier(len(crowd))
    seats = pool_seats()

    def cast(index: int) -> services.Receipt:
        barrier.wait(timeout=JOIN_TIMEOUT)
        with seats:
            try:
                return services.ballot_cast(
                    voter=crowd[index],
                    poll_id=poll.pk,
                    choices=[yes if index % 4 else no],
                    nonce=receipt(),
                )
            finally:
                connection.close()  # back to the pool before the seat is freed

    # One worker per voter, all released together by the barrier; they race
    # for the pool's connections, a pool's worth at a time.
    with ThreadPoolExecutor(max_workers=len(crowd)) as pool:
        futures = [pool.submit(cast, i) for i in range(len(crowd))]
        receipts = [f.result(timeout=JOIN_TIMEOUT) for f in futures]

    assert all(r.created for r in receipts)
    assert len({r.receipt_code for r in receipts}) == 200
    assert Ballot.objects.filter(poll=poll).count() == 200
    assert RollMark.objects.filter(roll_entry__poll=poll).count() == 200

    expected_weight = sum((pattern[i % 3] for i in range(200)), Decimal(0))
    assert expected_weight == Decimal("189.4978")  # 67 * 1 + 67 * 1.5 + 66 * 0.3333
    yes_weight = sum((pattern[i % 3] for i in range(200) if i % 4), Decimal(0))
    no_weight = expected_weight - yes_weight

    closed = services.poll_close(actor=pg_world.chair, poll=poll)
    assert closed.result is not None
    assert closed.result["ballots"] == Ballot.objects.filter(poll=poll).count() == 200
    assert Decimal(closed.result["cast_weight"]) == expected_weight
    assert Decimal(closed.result["cast_weight"]) == sum(
        (b.weight for b in Ballot.objects.filter(poll=poll)), Decimal(0)
    )
    by_label = {o["label"]: o for o in closed.result["options"]}
    assert by_label["Yes"]["ballots"] == 150
    assert by_label["No"]["ballots"] == 50
    assert Decimal(by_label["Yes"]["weight"]) == yes_weight
    assert Decimal(by_label["No"]["weight"]) == no_weight
    assert closed.result["carried"] is True
