"""An encrypted ballot's proofs accept exactly the choice sets a plain ballot
accepts (voting.services.ballots.validate_choices), abstain included: every
subset of options, for several poll shapes. A set the plain path refuses
cannot be proved honestly (encrypt_ballot refuses to), and its ballot proved
under a looser statement (any number of marks, no abstain rule) is refused."""

from __future__ import annotations

from itertools import chain, combinations

import pytest

from voting.ballot_poll import BallotOption, BallotPoll
from voting.crypto.ballots import BallotContext, encrypt_ballot, verify_ballot
from voting.crypto.group import CryptoError, base, random_scalar
from voting.exceptions import InvalidInput
from voting.rules import Kind, Role
from voting.services.ballots import validate_choices
from voting.services.encrypted import marks_range

OPT, C, Y, N, A = Role.OPTION, Role.CANDIDATE, Role.YES, Role.NO, Role.ABSTAIN
SHAPES = [  # (kind, least, most, roles)
    (Kind.MOTION, 1, 1, [Y, N, A]),
    (Kind.SINGLE, 1, 1, [OPT, OPT, A]),
    (Kind.MULTIPLE, 1, 2, [OPT, OPT, OPT, A]),
    (Kind.MULTIPLE, 0, 2, [A, OPT, OPT, OPT]),
    (Kind.ELECTION, 1, 2, [C, C, C, C, A]),
    (Kind.ELECTION, 1, 1, [C, N, A]),
    (Kind.MULTIPLE, 1, 2, [OPT, OPT, OPT]),
]


def ballot_poll(kind: Kind, low: int, high: int, roles: list[Role]) -> BallotPoll:
    return BallotPoll(
        id=9,
        meeting_id=1,
        kind=kind,
        secrecy="secret",
        min_choices=low,
        max_choices=high,
        close_when_all_voted=False,
        options=tuple(BallotOption(100 + i, r) for i, r in enumerate(roles)),
        state="open",
        closes_at=None,
        encrypted=True,
    )


def plain_accepts(poll: BallotPoll, chosen: list[int]) -> bool:
    try:
        validate_choices(poll, chosen)
    except InvalidInput:
        return False
    return True


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}-{s[1]}-{s[2]}-{len(s[3])}")
def test_encrypted_accepts_exactly_the_plain_choice_sets(
    shape: tuple[Kind, int, int, list[Role]],
) -> None:
    poll = ballot_poll(*shape)
    key = base(random_scalar())
    n = len(poll.options)
    low, high, abstain = marks_range(poll, [o.role for o in poll.options])
    context = BallotContext("poll:9", "ballot:" + "ab" * 32)
    subsets = chain.from_iterable(combinations(range(n), k) for k in range(n + 1))
    accepted = 0
    for subset in subsets:
        marks = [1 if j in subset else 0 for j in range(n)]
        if plain_accepts(poll, [poll.options[j].id for j in subset]):
            accepted += 1
            sealed = encrypt_ballot(key, marks, low, high, context, abstain=abstain)
            verify_ballot(key, sealed, n, low, high, context, abstain)
            continue
        with pytest.raises(ValueError):
            encrypt_ballot(key, marks, low, high, context, abstain=abstain)
        loose = encrypt_ballot(key, marks, 0, n, context)
        with pytest.raises(CryptoError, match=r"options(, or abstain alone,)? are marked"):
            verify_ballot(key, loose, n, low, high, context, abstain)
    assert accepted > 1
