"""The ballot path's queries, pinned: a burst of ballots pays each one a
thousand times over.

Savepoints are left out of the counts: the test runs inside a transaction,
so each atomic block becomes a savepoint here, where a server in autocommit
mode sends none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import Conflict
from tests.conftest import World
from tests.voting.conftest import PollMaker, option_id, receipt
from voting import services
from voting.models import Poll

pytestmark = pytest.mark.django_db

# The poll's row in share mode, the voter's roll entry, the roll mark and the
# ballot inserted.
FIRST_BALLOT_QUERIES = 4
# The first ballot of a poll in a process also reads the poll and its options.
FIRST_BALLOT_OF_THE_POLL_QUERIES = FIRST_BALLOT_QUERIES + 2
# As a first ballot up to the roll mark, which the database refuses; then the
# stored ballot under the code and the caster's participant.
RESENT_BALLOT_QUERIES = 5
# The poll's row (closed), the voter's roll entry and a stored ballot under
# the nonce (none), and the poll again to say why.
REFUSED_BALLOT_QUERIES = 4


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def cast(world: World, poll: Poll, voter: int, code: str) -> Callable[[], Any]:
    yes = option_id(poll, "Yes")

    def call() -> Any:
        return services.ballot_cast(
            voter=world.voters[voter], poll_id=poll.pk, choices=[yes], nonce=code
        )

    return call


def count(call: Callable[[], Any]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        call()
    return statements(queries)


@pytest.mark.parametrize("secrecy", ["named", "secret"])
def test_a_first_ballot(live_world: World, make_poll: PollMaker, secrecy: str) -> None:
    poll = make_poll(secrecy=secrecy)
    first = count(cast(live_world, poll, 0, receipt()))
    assert len(first) == FIRST_BALLOT_OF_THE_POLL_QUERIES, first
    second = count(cast(live_world, poll, 1, receipt()))
    assert len(second) == FIRST_BALLOT_QUERIES, second


def test_a_resent_ballot(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    code = receipt()
    assert cast(live_world, poll, 0, code)().created
    resend = cast(live_world, poll, 0, code)
    with CaptureQueriesContext(connection) as queries:
        assert not resend().created
    assert len(statements(queries)) == RESENT_BALLOT_QUERIES, statements(queries)


def test_a_refused_ballot(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    services.poll_close(actor=live_world.chair, poll=poll)
    late = cast(live_world, poll, 0, receipt())
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as refused:
        late()
    assert refused.value.code == "poll_not_open"
    assert len(statements(queries)) == REFUSED_BALLOT_QUERIES, statements(queries)
