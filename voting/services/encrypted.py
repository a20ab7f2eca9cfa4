"""What the services of encrypted polls share (docs/encrypted-ballots.md):
the texts proofs are bound to, the marks a ballot may carry, the tellers'
public values, and the products of the ballots computed at close.

No writes here: the ceremony is in voting.services.tellers, casting in
voting.services.ballots, closing in voting.services.closing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voting import encrypted_record
from voting.ballot_poll import BallotPoll
from voting.crypto.dkg import Commitments, TransportKey, election_key, public_share
from voting.crypto.dkg import ceremony_fingerprint as fingerprint
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import decode_point
from voting.crypto.threshold import PartialDecryption
from voting.encrypted_record import poll_context as poll_context  # re-exported
from voting.encrypted_record import weight_units
from voting.models import Ballot, Poll, Teller
from voting.verify import class_labels, weight_classes

MIN_TELLERS, MAX_TELLERS = 3, 5


def voter_context(nonce_key: str) -> str:
    """The voter's name in a ballot's proofs: "ballot:" and the ballot's nonce
    key (voting.services.ballots.nonce_key), which is bound to the roll entry
    yet, without the phone's nonce, names nobody. A ballot copied under
    another roll entry or nonce no longer verifies (Cortier-Smyth), and the
    stored proofs do not tell whose ballot it is, as "roll:<id>" would."""
    return f"ballot:{nonce_key}"


def marks_range(poll: Poll | BallotPoll, roles: Sequence[str]) -> tuple[int, int, int | None]:
    """How many options other than abstain an encrypted ballot marks, and the
    index of the abstain option (encrypted_record.marks_range)."""
    return encrypted_record.marks_range(
        str(poll.kind), poll.min_choices, poll.max_choices, [str(r) for r in roles]
    )


def transport_keys(tellers: Sequence[Teller]) -> list[TransportKey]:
    return [TransportKey.from_json(t.transport_key) for t in tellers if t.transport_key]


def all_commitments(tellers: Sequence[Teller]) -> list[Commitments]:
    return [Commitments.from_json(t.commitments) for t in tellers if t.commitments]


def joint_key(tellers: Sequence[Teller]) -> bytes:
    return election_key(all_commitments(tellers))


def public_shares(tellers: Sequence[Teller]) -> dict[int, bytes]:
    commitments = all_commitments(tellers)
    return {t.index: public_share(commitments, t.index) for t in tellers}


def classes(poll: Poll) -> tuple[dict[str, Any], list[Ballot]]:
    """The weight classes of the poll's ballots (as the seal signs them) and
    the ballots in tree order (by receipt)."""
    ballots = list(Ballot.objects.filter(poll=poll).order_by("receipt_code"))
    return weight_classes([b.weight for b in ballots]), ballots


def products(poll: Poll) -> list[dict[str, Any]]:
    """The products the tellers decrypt, per option and weight class
    (voting.encrypted_record): the marks of each shown class, and of the
    "other" class its marks and its marks weighted by the weights that the
    record does not show. As [{"name", "a", "b"}]."""
    found, ballots = classes(poll)
    labels = class_labels([b.weight for b in ballots], found)
    wanted = encrypted_record.products_for(found, poll.options.count())
    ciphertexts = [
        [Ciphertext.from_json(o) for o in (b.ciphertext or {}).get("options", [])] for b in ballots
    ]
    units = [weight_units(b.weight) for b in ballots]
    totals = encrypted_record.compute(wanted, ciphertexts, labels, units)
    return [
        {"name": p.name, **t.to_json()}
        for p, t in zip(wanted, totals, strict=True)
        if t is not None
    ]


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


def ceremony_fingerprint(poll: Poll) -> str:
    """The fingerprint the tellers compared aloud (docs/encrypted-ballots.md section 6)."""
    tellers = list(Teller.objects.filter(poll=poll).order_by("index"))
    return fingerprint(
        poll_context(poll.pk),
        poll.teller_threshold or 0,
        transport_keys(tellers),
        all_commitments(tellers),
    )


def decrypted_totals(poll: Poll) -> list[dict[str, Any]]:
    """Each product's total, combined from the first k tellers' partial
    decryptions (checked when they came) as at the count: [{"name", "value"}]."""
    found, _ballots = classes(poll)
    wanted = encrypted_record.products_for(found, poll.options.count())
    partials = {
        t.index: [PartialDecryption.from_json(p) for p in t.partials or []]
        for t in Teller.objects.filter(poll=poll, partials__isnull=False)
    }
    values = encrypted_record.combine_totals(
        [c for _name, c in stored_products(poll)],
        partials,
        poll.teller_threshold or 0,
        encrypted_record.bounds_for(wanted, found),
    )
    return [{"name": p.name, "value": v} for p, v in zip(wanted, values, strict=True)]
