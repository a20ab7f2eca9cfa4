"""The ballot writer: secret ballots lose the order they were cast in.

A ballot and its roll mark are stored in one transaction, so that a vote is
never lost nor counted twice. That transaction, its row order (SQLite's
rowid, PostgreSQL's ctid) and its transaction id (PostgreSQL's xmin) would
pair the mark with the ballot; so once BATCH ballots of a poll are waiting,
a separate transaction deletes them and writes them again in shuffled order,
and at close every ballot of the poll is rewritten so, and every roll mark
in roll order. What an operator can still learn is in docs/audit-format.md
("Threat model").
"""

from __future__ import annotations

import secrets

from django.db import connection, transaction

from voting.models import Ballot, RollMark

# Ballots waiting before a batch is rewritten: the smallest crowd a ballot
# hides in while the poll is open.
BATCH = 8

_random = secrets.SystemRandom()


def _secure_delete() -> None:
    """SQLite: deleted rows are overwritten on disk, not left in free pages."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def _rewrite(ballots: list[Ballot]) -> None:
    """Delete the ballots and write them again, in shuffled order, marked shuffled."""
    _secure_delete()
    _random.shuffle(ballots)
    Ballot.objects.filter(pk__in=[b.pk for b in ballots]).delete()
    for ballot in ballots:
        ballot.shuffled = True
        ballot._state.adding = True
    Ballot.objects.bulk_create(ballots)


def write_batch(poll_id: int) -> int:
    """Rewrite the poll's waiting ballots if a batch is full; the number rewritten.

    Runs after a ballot commits, in its own transaction; concurrent runs
    each take the rows they lock, skipping those another run holds: waiting
    for them, two runs that locked rows in different orders deadlocked
    (benchmark S9, 200 ballots in 6 s), and that batch stayed in cast order."""
    with transaction.atomic():
        waiting = list(
            Ballot.objects.select_for_update(skip_locked=True)
            .filter(poll_id=poll_id, shuffled=False)
            .order_by()
        )
        if len(waiting) < BATCH:
            return 0
        _rewrite(waiting)
        return len(waiting)


def rewrite_at_close(poll_id: int) -> None:
    """Every ballot of the poll in shuffled order, every roll mark in roll
    order with fresh ids. Inside the closing transaction."""
    ballots = list(Ballot.objects.select_for_update().filter(poll_id=poll_id).order_by())
    if ballots:
        _rewrite(ballots)
    marks = list(RollMark.objects.filter(roll_entry__poll_id=poll_id).order_by("roll_entry_id"))
    if marks:
        _secure_delete()
        RollMark.objects.filter(pk__in=[m.pk for m in marks]).delete()
        RollMark.objects.bulk_create(
            [
                RollMark(
                    roll_entry_id=m.roll_entry_id, method=m.method, entered_by_id=m.entered_by_id
                )
                for m in marks
            ]
        )


def vacuum() -> None:
    """PostgreSQL keeps deleted row versions (with their xmin) until a vacuum:
    after a close, clear them at once rather than when autovacuum comes by.
    Not possible inside a transaction (tests run in one): then autovacuum."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {Ballot._meta.db_table}, {RollMark._meta.db_table}")
