"""Playing an encrypted poll's tellers and phones with the real crypto
(voting.crypto), as the tellers' pages and the phones' JavaScript would."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from meetings.models import Member
from voting.crypto import dkg
from voting.crypto.ballots import BallotContext, encrypt_ballot
from voting.crypto.group import Rng, random_scalar
from voting.crypto.proofs import Proof
from voting.crypto.threshold import partial_decrypt
from voting.models import Poll, RollEntry
from voting.services.encrypted import marks_range, poll_context, voter_context


@dataclass
class TellerPlayer:
    """One teller's secrets and the messages its page would send."""

    poll_id: int
    index: int
    threshold: int
    member: Member
    transport_secret: int = 0
    transport: dkg.TransportKey | None = None
    coefficients: list[int] = field(default_factory=list)
    commitments: dkg.Commitments | None = None
    secret_share: int = 0

    def __post_init__(self) -> None:
        context = poll_context(self.poll_id)
        self.transport_secret, self.transport = dkg.make_transport_key(context, self.index)
        self.coefficients = dkg.make_polynomial(self.threshold)
        self.commitments = dkg.commit(context, self.index, self.coefficients)

    def publish(self) -> dict[str, Any]:
        assert self.transport and self.commitments
        return {
            "transport_key": self.transport.to_json(),
            "commitments": self.commitments.to_json(),
        }

    def shares(self, ceremony: dict[str, Any]) -> list[dict[str, Any]]:
        """One encrypted share for every teller, to the keys the server relays."""
        assert self.commitments
        return [
            dkg.encrypt_share(
                poll_context(self.poll_id),
                self.index,
                dkg.TransportKey.from_json(t["transport_key"]),
                self.coefficients,
                self.commitments.commitments,
            ).to_json()
            for t in ceremony["tellers"]
        ]

    def confirm(self, mine: dict[str, Any]) -> dict[str, Any]:
        """Open and check every share sent to this teller, keep x_i, prove it."""
        context = poll_context(self.poll_id)
        by_index = {t["index"]: t for t in mine["ceremony"]["tellers"]}
        values = [
            dkg.decrypt_share(
                context,
                dkg.EncryptedShare.from_json(share),
                self.transport_secret,
                dkg.Commitments.from_json(by_index[share["sender"]]["commitments"]),
            )
            for share in mine["shares"]
        ]
        self.secret_share = dkg.combine_shares(values)
        commitments = [dkg.Commitments.from_json(t["commitments"]) for t in by_index.values()]
        key = dkg.election_key(commitments)
        return dkg.confirm(context, self.index, self.secret_share, key).to_json()

    def decrypt(self, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from voting.crypto.elgamal import Ciphertext
        from voting.crypto.group import decode_point

        out = []
        for p in products:
            c = Ciphertext(
                decode_point(p["a"], allow_identity=True),
                decode_point(p["b"], allow_identity=True),
            )
            out.append(
                partial_decrypt(
                    poll_context(self.poll_id), p["name"], self.index, self.secret_share, c
                ).to_json()
            )
        return out


def confirmation_proof(payload: dict[str, Any]) -> Proof:
    return Proof.from_json(payload)


def nonce_key(poll_id: int, roll_entry_id: int, nonce: str) -> str:
    """As the phone computes it (voting.services.ballots.nonce_key)."""
    return hashlib.sha256(f"{poll_id}:{roll_entry_id}:{nonce}".encode()).hexdigest()


def phone_ballot(
    poll: Poll,
    entry: RollEntry,
    nonce: str,
    chosen_labels: list[str],
    *,
    rng: Rng = random_scalar,
) -> dict[str, Any]:
    """The encrypted ballot a phone sends for these options."""
    poll.refresh_from_db()
    options = list(poll.options.order_by("position"))
    marks = [1 if o.label in chosen_labels else 0 for o in options]
    low, high, abstain = marks_range(poll, [o.role for o in options])
    context = BallotContext(
        poll_context(poll.pk), voter_context(nonce_key(poll.pk, entry.pk, nonce.upper()))
    )
    return encrypt_ballot(
        bytes.fromhex(poll.public_key), marks, low, high, context, abstain=abstain, rng=rng
    ).to_json()


def play_ceremony(poll: Poll, players: list[TellerPlayer]) -> dict[str, Any]:
    """The whole key ceremony through the services, as the tellers' pages
    play it: publish, send shares, confirm. Returns the last ceremony payload."""
    from voting.services import tellers as teller_services

    for p in players:
        teller_services.teller_publish(actor=p.member, poll=poll, **p.publish())
    state = teller_services.ceremony_payload(poll)
    for p in players:
        teller_services.teller_shares_send(actor=p.member, poll=poll, shares=p.shares(state))
    for p in players:
        mine = teller_services.teller_shares_get(actor=p.member, poll=poll)
        state = teller_services.teller_confirm(actor=p.member, poll=poll, proof=p.confirm(mine))
    return state
