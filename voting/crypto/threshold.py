"""Threshold decryption of tally totals, Lagrange combination, and the
bounded discrete logarithm (baby-step giant-step).

Teller i decrypts the first component A of a total (A, B) partially:
D_i = x_i·A, with a Chaum-Pedersen proof that log_G(H_i) = log_A(D_i).
Any k valid partials from distinct tellers S give
M = B - Σ_{i∈S} λ_i·D_i = total·G, λ_i = Π_{m∈S, m≠i} m/(m-i) mod L.
Only totals are ever decrypted, never a single ballot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voting.crypto.dkg import MAX_TELLERS
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import (
    IDENTITY,
    CryptoError,
    Field,
    G,
    L,
    Rng,
    add,
    decode_point,
    mul,
    neg,
    random_scalar,
    sub,
)
from voting.crypto.proofs import Proof, prove_dleq, verify_dleq


def decryption_context(poll: str, label: str, index: int) -> list[Field]:
    """`label` names the total, e.g. "option 3"."""
    return ["decryption", poll, label, index]


@dataclass(frozen=True)
class PartialDecryption:
    index: int
    value: bytes  # D_i = x_i·A
    proof: Proof

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "value": self.value.hex(), "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, data: Any) -> PartialDecryption:
        if not isinstance(data, Mapping) or not isinstance(data.get("index"), int):
            raise CryptoError("partial decryption: expected an object with an integer index")
        index = int(data["index"])
        if not 1 <= index <= MAX_TELLERS:
            raise CryptoError(f"partial decryption: teller index {index} is out of range")
        return cls(
            index,
            decode_point(
                data.get("value"), f"teller {index} partial decryption", allow_identity=True
            ),
            Proof.from_json(data.get("proof"), f"teller {index} decryption proof"),
        )


def partial_decrypt(
    poll: str, label: str, index: int, secret_share: int, c: Ciphertext, *, rng: Rng = random_scalar
) -> PartialDecryption:
    """Randomness: the proof's w."""
    _, value, proof = prove_dleq(secret_share, c.a, decryption_context(poll, label, index), rng=rng)
    return PartialDecryption(index, value, proof)


def verify_partial(
    poll: str, label: str, public_share: bytes, c: Ciphertext, partial: PartialDecryption
) -> None:
    if not verify_dleq(
        public_share,
        c.a,
        partial.value,
        partial.proof,
        decryption_context(poll, label, partial.index),
    ):
        raise CryptoError(
            f"teller {partial.index}: the proof of correct decryption of {label} does not hold"
        )


def lagrange_at_zero(indices: Sequence[int]) -> dict[int, int]:
    """λ_i = Π_{m≠i} m / (m - i) mod L for distinct non-zero indices."""
    if len(set(indices)) != len(indices) or any(i % L == 0 for i in indices):
        raise ValueError("indices must be distinct and non-zero")
    result = {}
    for i in indices:
        num, den = 1, 1
        for m in indices:
            if m != i:
                num = num * m % L
                den = den * (m - i) % L
        result[i] = num * pow(den, -1, L) % L
    return result


def combine(c: Ciphertext, partials: Sequence[PartialDecryption]) -> bytes:
    """M = B - Σ λ_i·D_i. Call with exactly the k verified partials to use."""
    lambdas = lagrange_at_zero([p.index for p in partials])
    shared = IDENTITY
    for p in partials:
        shared = add(shared, mul(lambdas[p.index], p.value))
    return sub(c.b, shared)


class DiscreteLog:
    """Baby-step giant-step for m = t·G with 0 <= t <= bound: a table of
    j·G for 0 <= j < s (s = ⌈√(bound+1)⌉), then at most s giant steps of -s·G.
    Build once per bound and reuse for every option's total."""

    def __init__(self, bound: int) -> None:
        if bound < 0:
            raise ValueError("the bound is non-negative")
        self.bound = bound
        self.step = max(1, math.isqrt(bound) + 1)
        table: dict[bytes, int] = {}
        point = IDENTITY
        for j in range(self.step):
            table[point] = j
            point = add(point, G)
        self.table = table
        self.giant = neg(point)  # -s·G

    def solve(self, m: bytes) -> int:
        """t with t·G = m, 0 <= t <= bound; CryptoError when there is none."""
        point = m
        for i in range(self.step + 1):
            j = self.table.get(point)
            if j is not None:
                t = i * self.step + j
                if t <= self.bound:
                    return t
                break
            point = add(point, self.giant)
        raise CryptoError(f"the total is not between 0 and {self.bound}")


def decrypt_total(c: Ciphertext, partials: Sequence[PartialDecryption], solver: DiscreteLog) -> int:
    return solver.solve(combine(c, partials))


def decrypt_totals(
    poll: str,
    products: Sequence[tuple[str, Ciphertext]],
    partials: Mapping[int, Sequence[PartialDecryption]],
    public_shares: Mapping[int, bytes],
    threshold: int,
    solver: DiscreteLog,
) -> list[int]:
    """Every total from the tellers' partial decryptions.

    `products` are (label, total) pairs; `partials[i]` is teller i's list, one
    per product in the same order. Every partial offered is verified (a wrong
    one raises CryptoError naming the teller and the total); the first
    `threshold` tellers by index are combined. Raises CryptoError when fewer
    than `threshold` tellers answered."""
    tellers = sorted(partials)
    if len(tellers) < threshold:
        raise CryptoError(f"{len(tellers)} of the {threshold} tellers needed have decrypted")
    for i in tellers:
        if i not in public_shares:
            raise CryptoError(f"teller {i} is not one of this poll's tellers")
        if len(partials[i]) != len(products) or any(p.index != i for p in partials[i]):
            raise CryptoError(f"teller {i}: expected one partial decryption per total")
        for (label, product), partial in zip(products, partials[i], strict=True):
            verify_partial(poll, label, public_shares[i], product, partial)
    chosen = tellers[:threshold]
    return [
        decrypt_total(product, [partials[i][n] for i in chosen], solver)
        for n, (_, product) in enumerate(products)
    ]
