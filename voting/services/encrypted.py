"""What the services of encrypted polls share (docs/encrypted-ballots.md):
the texts proofs are bound to, the marks a ballot may carry, the tellers'
public values, and the products of the ballots computed at close.

No writes here: the ceremony is in voting.services.tellers, casting in
voting.services.ballots, closing in voting.services.closing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from voting import rules
from voting.ballot_poll import BallotPoll
from voting.crypto import elgamal
from voting.crypto.dkg import Commitments, TransportKey, election_key, public_share
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import decode_point
from voting.models import Ballot, Poll, Teller

# Weights are integers in units of 0.0001 inside the tally (section 3).
WEIGHT_UNIT = Decimal("10000")
MIN_TELLERS, MAX_TELLERS = 3, 5


def poll_context(poll_id: int) -> str:
    """The poll's name in every proof: "poll:42"."""
    return f"poll:{poll_id}"


def voter_context(nonce_key: str) -> str:
    """The voter's name in a ballot's proofs: "ballot:" and the ballot's nonce
    key (voting.services.ballots.nonce_key), which is bound to the roll entry
    yet, without the phone's nonce, names nobody. A ballot copied under
    another roll entry or nonce no longer verifies (Cortier-Smyth), and the
    stored proofs do not tell whose ballot it is, as "roll:<id>" would."""
    return f"ballot:{nonce_key}"


def marks_range(poll: Poll | BallotPoll, roles: Sequence[str]) -> tuple[int, int]:
    """How many options an encrypted ballot marks: the poll's least and most
    choices, and one when the poll offers abstain (abstain alone)."""
    low, high = poll.min_choices, poll.max_choices
    if poll.kind == rules.Kind.MOTION or rules.Role.NO in roles:
        return 1, 1
    if rules.Role.ABSTAIN in roles:
        low = min(low, 1)
    return low, max(high, 1)


def weight_units(weight: Decimal) -> int:
    return int((Decimal(weight) * WEIGHT_UNIT).to_integral_value())


def transport_keys(tellers: Sequence[Teller]) -> list[TransportKey]:
    return [TransportKey.from_json(t.transport_key) for t in tellers if t.transport_key]


def all_commitments(tellers: Sequence[Teller]) -> list[Commitments]:
    return [Commitments.from_json(t.commitments) for t in tellers if t.commitments]


def joint_key(tellers: Sequence[Teller]) -> bytes:
    return election_key(all_commitments(tellers))


def public_shares(tellers: Sequence[Teller]) -> dict[int, bytes]:
    commitments = all_commitments(tellers)
    return {t.index: public_share(commitments, t.index) for t in tellers}


def products(poll: Poll) -> list[dict[str, Any]]:
    """Per option, Σ w·c over the ballots (the weighted total) and Σ c (the
    number of ballots marking it), as [{"name", "a", "b"}]."""
    n = poll.options.count()
    weighted: list[list[tuple[int, Ciphertext]]] = [[] for _ in range(n)]
    for ciphertext, weight in Ballot.objects.filter(poll=poll).values_list("ciphertext", "weight"):
        units = weight_units(weight)
        for j, option in enumerate((ciphertext or {}).get("options", [])):
            weighted[j].append((units, Ciphertext.from_json(option)))
    out = []
    for j in range(n):
        for label, total in (
            (f"option {j}", elgamal.weighted_total(weighted[j])),
            (f"ballots {j}", elgamal.total(c for _units, c in weighted[j])),
        ):
            out.append({"name": label, **total.to_json()})
    return out


def stored_products(poll: Poll) -> list[tuple[str, Ciphertext]]:
    """The products kept at close; the identity is allowed here (no ballot)."""
    return [
        (
            p["name"],
            Ciphertext(
                decode_point(p["a"], p["name"], allow_identity=True),
                decode_point(p["b"], p["name"], allow_identity=True),
            ),
        )
        for p in poll.products or []
    ]
