"""Nothing the database keeps pairs a roll mark with a secret ballot, and
receipts are the server's.

The pairing attack: sort the poll's roll marks by id (or, on PostgreSQL, by
the transaction that wrote them, xmin) and its ballots by row order (SQLite's
rowid, PostgreSQL's ctid, or xmin), and pair them off. On a named poll (no
shuffling: who voted what is public there) this pairs every vote, which shows
the attack is real; on a secret poll of 30 it must do no better than chance
(one right pair expected; six or more happens with probability below 0.001).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from core.exceptions import Conflict
from meetings import services as meeting_services
from meetings.models import Member
from tests.api import client_for
from tests.conftest import World, build_world
from tests.voting.conftest import option_id, receipt
from tests.voting.test_concurrency import add_voters
from voting import ballot_writer, services
from voting.models import Ballot, Poll, RollEntry, RollMark

VOTERS = 30
# A random pairing of 30 gets k right with probability ~ e^-1 / k!: six or more < 0.001.
CHANCE_BOUND = 5


def crowd_poll(secrecy: str) -> tuple[Poll, dict[int, str]]:
    """A motion on which 30 members vote one after another, each ballot in its
    own transaction (and the ballot writer's batches in theirs), closed.
    Returns the poll and the truth: roll entry id -> receipt code."""
    world = build_world()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    members = add_voters(world.meeting, VOTERS, lambda i: 1)  # type: ignore[arg-type, return-value]
    poll = services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Strike?", kind="motion", secrecy=secrecy
    )
    poll = services.poll_open(actor=world.chair, poll=poll)
    labels = ["Yes", "No", "Abstain"]
    truth: dict[int, str] = {}
    for i, member in enumerate(members):
        given = services.ballot_cast(
            voter=member,
            poll_id=poll.pk,
            choices=[option_id(poll, labels[i % 3])],
            nonce=receipt(),
        )
        entry = RollEntry.objects.get(poll=poll, member__member=member)
        truth[entry.pk] = given.receipt_code
    services.poll_close(actor=world.chair, poll=poll)
    return poll, truth


def ordered(sql: str, poll_id: int) -> list[object]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [poll_id])
        return [row[0] for row in cursor.fetchall()]


def attacks(poll: Poll) -> dict[str, tuple[list[object], list[object]]]:
    """Each attack: roll entries in the order of their marks, receipts in the
    order of their ballots."""
    marks, ballots = RollMark._meta.db_table, Ballot._meta.db_table
    entries = RollEntry._meta.db_table
    by_id = ordered(
        f"SELECT m.roll_entry_id FROM {marks} m JOIN {entries} e ON e.id = m.roll_entry_id"
        " WHERE e.poll_id = %s ORDER BY m.id",
        poll.pk,
    )
    if connection.vendor == "postgresql":
        by_xmin = ordered(
            f"SELECT m.roll_entry_id FROM {marks} m JOIN {entries} e ON e.id = m.roll_entry_id"
            " WHERE e.poll_id = %s ORDER BY m.xmin::text::bigint, m.ctid",
            poll.pk,
        )
        rows = ordered(
            f"SELECT receipt_code FROM {ballots} WHERE poll_id = %s ORDER BY ctid", poll.pk
        )
        xmin = ordered(
            f"SELECT receipt_code FROM {ballots} WHERE poll_id = %s"
            " ORDER BY xmin::text::bigint, ctid",
            poll.pk,
        )
        return {
            "marks by id, ballots by ctid": (by_id, rows),
            "marks by xmin, ballots by xmin": (by_xmin, xmin),
            "marks by id, ballots by xmin": (by_id, xmin),
        }
    rows = ordered(f"SELECT receipt_code FROM {ballots} WHERE poll_id = %s ORDER BY rowid", poll.pk)
    return {"marks by id, ballots by rowid": (by_id, rows)}


def right_pairs(truth: dict[int, str], marks: list[object], ballots: list[object]) -> int:
    assert len(marks) == len(ballots) == VOTERS
    return sum(truth[int(str(entry))] == code for entry, code in zip(marks, ballots, strict=True))


def check_pairing(make: Callable[[str], tuple[Poll, dict[int, str]]]) -> None:
    named, named_truth = make("named")
    for name, (marks, ballots) in attacks(named).items():
        if "xmin, ballots by xmin" in name:
            continue  # ties within one transaction: no order to read
        assert right_pairs(named_truth, marks, ballots) == VOTERS, name  # the attack works
    secret, truth = make("secret")
    for name, (marks, ballots) in attacks(secret).items():
        assert right_pairs(truth, marks, ballots) <= CHANCE_BOUND, name
    assert not Ballot.objects.filter(poll=secret, shuffled=False).exists()


def test_pairing_attack_does_no_better_than_chance_on_sqlite(transactional_db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite attack reads rowid")
    check_pairing(crowd_poll)


def test_pairing_attack_does_no_better_than_chance_on_postgresql(
    require_postgres: None, transactional_db: None
) -> None:
    check_pairing(crowd_poll)


def test_the_writer_shuffles_full_batches_while_the_poll_is_open(transactional_db: None) -> None:
    world = build_world()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    members = add_voters(world.meeting, ballot_writer.BATCH + 2, lambda i: 1)  # type: ignore[arg-type, return-value]
    poll = services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Strike?", kind="motion", secrecy="secret"
    )
    poll = services.poll_open(actor=world.chair, poll=poll)
    yes = option_id(poll, "Yes")
    for member in members:
        services.ballot_cast(voter=member, poll_id=poll.pk, choices=[yes], nonce=receipt())
    # One batch rewritten in its own transaction; the rest wait for the next or the close.
    assert Ballot.objects.filter(poll=poll, shuffled=True).count() == ballot_writer.BATCH
    assert Ballot.objects.filter(poll=poll, shuffled=False).count() == 2
    services.poll_close(actor=world.chair, poll=poll)
    assert Ballot.objects.filter(poll=poll, shuffled=True).count() == len(members)
    assert RollMark.objects.filter(roll_entry__poll=poll).count() == len(members)


# --- receipts ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_receipt_codes_are_the_servers_never_the_clients(live_world: World) -> None:
    poll = services.poll_create(
        actor=live_world.chair, meeting=live_world.meeting, title="Q", kind="motion"
    )
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    chosen = "SAMIRHADDADVOTED"
    response = client_for(live_world.voters[0]).post(
        f"/api/polls/{poll.pk}/ballots/",
        {"choices": [option_id(poll, "Yes")], "nonce": chosen},
        format="json",
    )
    assert response.status_code == 201, response.content
    issued = response.json()["receipt"]["receipt_code"]
    assert issued != chosen and len(issued) == 16
    services.poll_close(actor=live_world.chair, poll=poll)
    assert not Ballot.objects.filter(receipt_code=chosen).exists()
    board = client_for(live_world.voters[0]).get(f"/api/polls/{poll.pk}/board/")
    assert chosen not in board.content.decode()
    assert issued in board.content.decode()


def outcome(call: Callable[[], services.Receipt]) -> str:
    try:
        call()
    except Conflict as exc:
        return str(exc.code)
    return "accepted"


@pytest.mark.django_db
def test_another_members_nonce_answers_as_a_wrong_one(live_world: World) -> None:
    """A resend with someone else's nonce cannot confirm their choice: it finds
    nothing, exactly as a fresh nonce."""
    poll = services.poll_create(
        actor=live_world.chair, meeting=live_world.meeting, title="Q", kind="motion"
    )
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    yes, no = option_id(poll, "Yes"), option_id(poll, "No")
    victim, snoop = live_world.voters[0], live_world.voters[1]
    theirs = receipt()
    first = services.ballot_cast(voter=victim, poll_id=poll.pk, choices=[yes], nonce=theirs)
    services.ballot_cast(voter=snoop, poll_id=poll.pk, choices=[no], nonce=receipt())

    def cast(member: Member, choices: list[int], nonce: str) -> Callable[[], services.Receipt]:
        return lambda: services.ballot_cast(
            voter=member, poll_id=poll.pk, choices=choices, nonce=nonce
        )

    right_guess = outcome(cast(snoop, [yes], theirs))
    wrong_guess = outcome(cast(snoop, [no], theirs))
    fresh = outcome(cast(snoop, [yes], receipt()))
    assert right_guess == wrong_guess == fresh == "already_voted"
    # The owner's own resend still gets their receipt back; other choices are refused.
    again = services.ballot_cast(voter=victim, poll_id=poll.pk, choices=[yes], nonce=theirs)
    assert again.receipt_code == first.receipt_code and not again.created
    assert outcome(cast(victim, [no], theirs)) == "receipt_conflict"
    assert Ballot.objects.filter(poll=poll).count() == 2
