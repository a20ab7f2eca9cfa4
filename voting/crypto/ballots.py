"""An encrypted ballot: one ciphertext of 0 or 1 per option, each with a
0/1 proof, and a proof that the number of marks lies within [min, max], or,
when the poll offers abstain, that abstain is marked alone (`count_statement`).

Every proof is bound to the poll, the voter's roll entry and the ballot's
own ciphertexts (`ballot_digest`), so a ciphertext or proof copied from
another voter's ballot fails under the copier's roll entry (Cortier-Smyth),
and options cannot be spliced between ballots. The server additionally
refuses a ciphertext already on the board.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voting.crypto import elgamal
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import DOMAIN_PREFIX, CryptoError, Field, Rng, lp, random_scalar, u64
from voting.crypto.proofs import DisjunctiveProof, prove_values, verify_values

MAX_OPTIONS = 256


@dataclass(frozen=True)
class BallotContext:
    """What a ballot's proofs are bound to: the poll and the voter's roll
    entry, as the server names them (text, e.g. "poll:42", "roll:1234")."""

    poll: str
    voter: str


@dataclass(frozen=True)
class EncryptedBallot:
    ciphertexts: tuple[Ciphertext, ...]
    proofs: tuple[DisjunctiveProof, ...]
    count_proof: DisjunctiveProof

    def to_json(self) -> dict[str, Any]:
        return {
            "options": [
                {**c.to_json(), "proof": p.to_json()}
                for c, p in zip(self.ciphertexts, self.proofs, strict=True)
            ],
            "count_proof": self.count_proof.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> EncryptedBallot:
        if not isinstance(data, Mapping) or not isinstance(data.get("options"), list):
            raise CryptoError("ballot: expected an object with options and count_proof")
        options = data["options"]
        if not 1 <= len(options) <= MAX_OPTIONS:
            raise CryptoError("ballot: wrong number of options")
        ciphertexts, proofs = [], []
        for i, option in enumerate(options):
            ciphertexts.append(Ciphertext.from_json(option, f"option {i}"))
            proofs.append(DisjunctiveProof.from_json(option.get("proof"), f"option {i} proof"))
        return cls(
            tuple(ciphertexts),
            tuple(proofs),
            DisjunctiveProof.from_json(data.get("count_proof"), "count proof"),
        )

    @property
    def tracker(self) -> str:
        """The ballot's hash, its receipt: hex SHA-256 of `ballot_digest`'s input."""
        return hashlib.sha256(_ciphertexts_bytes(self.ciphertexts)).hexdigest()


def _ciphertexts_bytes(ciphertexts: Sequence[Ciphertext]) -> bytes:
    out = bytearray(lp(DOMAIN_PREFIX + "ballot") + u64(len(ciphertexts)))
    for c in ciphertexts:
        out += c.a + c.b
    return bytes(out)


def ballot_digest(ciphertexts: Sequence[Ciphertext]) -> bytes:
    """SHA-512(lp("union-meetings/elgamal/v1/ballot") || u64(n) || a_1 || b_1 || …
    || a_n || b_n)."""
    return hashlib.sha512(_ciphertexts_bytes(ciphertexts)).digest()


def option_context(context: BallotContext, digest: bytes, index: int) -> list[Field]:
    return ["option", context.poll, context.voter, digest, index]


def count_context(context: BallotContext, digest: bytes) -> list[Field]:
    return ["count", context.poll, context.voter, digest]


def count_statement(
    ciphertexts: Sequence[Ciphertext], min_marks: int, max_marks: int, abstain: int | None
) -> tuple[Ciphertext, list[int]]:
    """What the count proof proves: the ciphertext of S and the values S may take.

    Without abstain S is the number of marks, in [min, max]. With abstain at
    index a, S = Σ_{j≠a} m_j + n·m_a (n options) and S in [min, max] or S = n:
    the other options mark at most n - 1 < n, so S = n only for abstain
    alone and S > max whenever abstain is marked (with others or not), which
    refuses abstain with anything else, as a plain ballot does."""
    n = len(ciphertexts)
    values = list(range(min_marks, max_marks + 1))
    if abstain is None:
        return elgamal.total(ciphertexts), values
    if not 0 <= abstain < n or max_marks >= n:
        raise ValueError("need 0 <= abstain < number of options and max < number of options")
    others = elgamal.total(c for j, c in enumerate(ciphertexts) if j != abstain)
    return others + ciphertexts[abstain].scale(n), [*values, n]


def encrypt_ballot(
    public_key: bytes,
    choices: Sequence[int],
    min_marks: int,
    max_marks: int,
    context: BallotContext,
    *,
    abstain: int | None = None,
    rng: Rng = random_scalar,
) -> EncryptedBallot:
    """Encrypt a ballot of 0/1 marks, one per option; `abstain` is the index
    of the poll's abstain option, if any, and [min, max] bounds the other
    options' marks (`count_statement`).

    Randomness order (test vectors depend on it): r for every option in
    order, then each option's 0/1 proof in order, then the count proof."""
    if any(m not in (0, 1) for m in choices) or not 1 <= len(choices) <= MAX_OPTIONS:
        raise ValueError("a ballot marks each option 0 or 1")
    if not 0 <= min_marks <= max_marks <= len(choices):
        raise ValueError("need 0 <= min <= max <= number of options")
    pairs = [elgamal.encrypt(public_key, m, rng=rng) for m in choices]
    ciphertexts = [c for c, _ in pairs]
    total, values = count_statement(ciphertexts, min_marks, max_marks, abstain)
    weights = [len(choices) if j == abstain else 1 for j in range(len(choices))]
    marked = sum(w * m for w, m in zip(weights, choices, strict=True))
    if marked not in values:
        raise ValueError("the marks are outside [min, max] and are not abstain alone")
    digest = ballot_digest(ciphertexts)
    proofs = [
        prove_values(public_key, c, r, m, (0, 1), option_context(context, digest, i), rng=rng)
        for i, ((c, r), m) in enumerate(zip(pairs, choices, strict=True))
    ]
    r_sum = sum(w * r for w, (_, r) in zip(weights, pairs, strict=True))
    count_proof = prove_values(
        public_key, total, r_sum, marked, values, count_context(context, digest), rng=rng
    )
    return EncryptedBallot(tuple(ciphertexts), tuple(proofs), count_proof)


def count_fault(min_marks: int, max_marks: int, abstain: int | None) -> str:
    """The message when the count proof fails (the JavaScript twin's too)."""
    alone = "" if abstain is None else ", or abstain alone,"
    return (
        f"ballot: the proof that between {min_marks} and {max_marks} options{alone} "
        "are marked does not hold"
    )


def verify_ballot(
    public_key: bytes,
    ballot: EncryptedBallot,
    n_options: int,
    min_marks: int,
    max_marks: int,
    context: BallotContext,
    abstain: int | None = None,
) -> None:
    """Raise CryptoError naming the first fault; return None when every proof holds."""
    if len(ballot.ciphertexts) != n_options or len(ballot.proofs) != n_options:
        raise CryptoError(f"ballot: expected {n_options} options, got {len(ballot.ciphertexts)}")
    digest = ballot_digest(ballot.ciphertexts)
    for i, (c, proof) in enumerate(zip(ballot.ciphertexts, ballot.proofs, strict=True)):
        if not verify_values(public_key, c, proof, (0, 1), option_context(context, digest, i)):
            raise CryptoError(f"option {i}: the proof that it encrypts 0 or 1 does not hold")
    try:
        total, values = count_statement(ballot.ciphertexts, min_marks, max_marks, abstain)
    except ValueError as exc:
        raise CryptoError(f"ballot: {exc}") from None
    if not verify_values(
        public_key, total, ballot.count_proof, values, count_context(context, digest)
    ):
        raise CryptoError(count_fault(min_marks, max_marks, abstain))
