"""Zero-knowledge proofs made non-interactive with Fiat-Shamir.

- `prove_values` / `verify_values`: disjunctive Chaum-Pedersen proof that an
  ElGamal ciphertext (a, b) under H encrypts one of a list of integers
  (Cramer-Damgård-Schoenmakers OR-composition; CGS 1997). {0, 1} for one
  option, {min..max} for the count of marks.
- `prove_dleq` / `verify_dleq`: Chaum-Pedersen proof that log_G(X) = log_P(Y)
  (a teller's partial decryption Y = x·P matches its public share X = x·G).
- `prove_knowledge` / `verify_knowledge`: Schnorr proof of knowledge of x in X = x·G.

Every challenge is `hash_to_scalar(domain, statement + context + commitments)`:
the statement (generator, key, ciphertext, the allowed values) and every
commitment are hashed, not only the commitments (Bernhard-Pereira-Warinschi
2012), and the context binds the proof to its poll, voter and ballot
(Cortier-Smyth 2011). Proofs are stored compactly as challenges and
responses; the verifier recomputes the commitments and checks the hash.
Encodings: docs/encrypted-ballots.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import (
    CryptoError,
    Field,
    G,
    L,
    Rng,
    base,
    decode_scalar,
    hash_to_scalar,
    mul,
    random_scalar,
    scalar_bytes,
    sub,
)

MAX_BRANCHES = 257
"""At most this many allowed values (a count proof over 0..256 options)."""


@dataclass(frozen=True)
class DisjunctiveProof:
    challenges: tuple[int, ...]
    responses: tuple[int, ...]

    def to_json(self) -> dict[str, list[str]]:
        return {
            "challenges": [scalar_bytes(c).hex() for c in self.challenges],
            "responses": [scalar_bytes(s).hex() for s in self.responses],
        }

    @classmethod
    def from_json(cls, data: Any, what: str = "proof") -> DisjunctiveProof:
        if not isinstance(data, Mapping):
            raise CryptoError(f"{what}: expected an object with challenges and responses")
        cs, ss = data.get("challenges"), data.get("responses")
        if not isinstance(cs, list) or not isinstance(ss, list):
            raise CryptoError(f"{what}: challenges and responses must be lists")
        if len(cs) > MAX_BRANCHES or len(ss) > MAX_BRANCHES:
            raise CryptoError(f"{what}: too many branches")
        return cls(
            tuple(decode_scalar(c, f"{what}.challenges[{i}]") for i, c in enumerate(cs)),
            tuple(decode_scalar(s, f"{what}.responses[{i}]") for i, s in enumerate(ss)),
        )


@dataclass(frozen=True)
class Proof:
    """A single Chaum-Pedersen or Schnorr proof: challenge and response."""

    challenge: int
    response: int

    def to_json(self) -> dict[str, str]:
        return {
            "challenge": scalar_bytes(self.challenge).hex(),
            "response": scalar_bytes(self.response).hex(),
        }

    @classmethod
    def from_json(cls, data: Any, what: str = "proof") -> Proof:
        if not isinstance(data, Mapping):
            raise CryptoError(f"{what}: expected an object with challenge and response")
        return cls(
            decode_scalar(data.get("challenge"), f"{what}.challenge"),
            decode_scalar(data.get("response"), f"{what}.response"),
        )


# --- "this ciphertext encrypts one of these values" ------------------------------

VALUES_DOMAIN = "values"


def _values_fields(
    public_key: bytes, c: Ciphertext, values: Sequence[int], context: Sequence[Field]
) -> list[Field]:
    return [*context, len(values), *values, G, public_key, c.a, c.b]


def _branch_commitments(
    public_key: bytes, c: Ciphertext, v: int, ch: int, s: int
) -> tuple[bytes, bytes]:
    """A = s·G - c·a, B = s·H - c·(b - v·G): what an accepting branch commits to."""
    return (
        sub(base(s), mul(ch, c.a)),
        sub(mul(s, public_key), mul(ch, sub(c.b, base(v)))),
    )


def prove_values(
    public_key: bytes,
    c: Ciphertext,
    r: int,
    m: int,
    values: Sequence[int],
    context: Sequence[Field],
    *,
    rng: Rng = random_scalar,
) -> DisjunctiveProof:
    """Prove that c = (r·G, m·G + r·H) encrypts one of `values` (m among them).

    Randomness is drawn in this order (test vectors depend on it): w, then
    (c_i, s_i) for every simulated branch i in ascending order."""
    if len(set(values)) != len(values) or not values:
        raise ValueError("values must be distinct and not empty")
    real = values.index(m)  # ValueError when m is not allowed: never prove a false statement
    w = rng()
    challenges = [0] * len(values)
    responses = [0] * len(values)
    commitments: list[bytes] = []
    for i in range(len(values)):
        if i == real:
            continue
        challenges[i], responses[i] = rng(), rng()
    for i, v in enumerate(values):
        if i == real:
            commitments += [base(w), mul(w, public_key)]
        else:
            commitments += list(_branch_commitments(public_key, c, v, challenges[i], responses[i]))
    challenge = hash_to_scalar(
        VALUES_DOMAIN, [*_values_fields(public_key, c, values, context), *commitments]
    )
    challenges[real] = (challenge - sum(challenges)) % L
    responses[real] = (w + challenges[real] * r) % L
    return DisjunctiveProof(tuple(challenges), tuple(responses))


def verify_values(
    public_key: bytes,
    c: Ciphertext,
    proof: DisjunctiveProof,
    values: Sequence[int],
    context: Sequence[Field],
) -> bool:
    """True when the proof shows that c encrypts one of `values` in this context."""
    if len(proof.challenges) != len(values) or len(proof.responses) != len(values):
        return False
    commitments: list[bytes] = []
    for v, ch, s in zip(values, proof.challenges, proof.responses, strict=True):
        commitments += list(_branch_commitments(public_key, c, v, ch, s))
    challenge = hash_to_scalar(
        VALUES_DOMAIN, [*_values_fields(public_key, c, values, context), *commitments]
    )
    return sum(proof.challenges) % L == challenge


# --- equality of discrete logarithms ----------------------------------------------

DLEQ_DOMAIN = "dleq"


def prove_dleq(
    x: int, point: bytes, context: Sequence[Field], *, rng: Rng = random_scalar
) -> tuple[bytes, bytes, Proof]:
    """X = x·G and Y = x·P with a proof that both use the same x.
    Returns (X, Y, proof). Randomness: w."""
    big_x, y = base(x), mul(x, point)
    w = rng()
    t1, t2 = base(w), mul(w, point)
    ch = hash_to_scalar(DLEQ_DOMAIN, [*context, G, big_x, point, y, t1, t2])
    return big_x, y, Proof(ch, (w + ch * x) % L)


def verify_dleq(
    big_x: bytes, point: bytes, y: bytes, proof: Proof, context: Sequence[Field]
) -> bool:
    t1 = sub(base(proof.response), mul(proof.challenge, big_x))
    t2 = sub(mul(proof.response, point), mul(proof.challenge, y))
    return hash_to_scalar(DLEQ_DOMAIN, [*context, G, big_x, point, y, t1, t2]) == proof.challenge


# --- knowledge of a discrete logarithm ----------------------------------------------

KNOWLEDGE_DOMAIN = "knowledge"


def prove_knowledge(x: int, context: Sequence[Field], *, rng: Rng = random_scalar) -> Proof:
    """Schnorr proof of knowledge of x for X = x·G. Randomness: w."""
    big_x = base(x)
    w = rng()
    ch = hash_to_scalar(KNOWLEDGE_DOMAIN, [*context, G, big_x, base(w)])
    return Proof(ch, (w + ch * x) % L)


def verify_knowledge(big_x: bytes, proof: Proof, context: Sequence[Field]) -> bool:
    t = sub(base(proof.response), mul(proof.challenge, big_x))
    return hash_to_scalar(KNOWLEDGE_DOMAIN, [*context, G, big_x, t]) == proof.challenge
