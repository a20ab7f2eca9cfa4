"""Exponential ElGamal over ristretto255.

A ciphertext of the integer m under the public key H with randomness r is
(a, b) = (r·G, m·G + r·H). Ciphertexts add component-wise, so the sum of
ciphertexts encrypts the sum of messages, and n·(a, b) encrypts n·m: the
tally multiplies each ballot's ciphertext by its voter's weight (integer
units of 0.0001) and adds them, and only the totals are ever decrypted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from voting.crypto.group import (
    IDENTITY,
    CryptoError,
    Rng,
    add,
    base,
    decode_point,
    mul,
    random_scalar,
)


@dataclass(frozen=True)
class Ciphertext:
    a: bytes
    b: bytes

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(add(self.a, other.a), add(self.b, other.b))

    def scale(self, n: int) -> Ciphertext:
        """n·(a, b): encrypts n·m. n = 0 gives the identity pair (encrypts 0)."""
        return Ciphertext(mul(n, self.a), mul(n, self.b))

    def to_json(self) -> dict[str, str]:
        return {"a": self.a.hex(), "b": self.b.hex()}

    @classmethod
    def from_json(cls, data: Any, what: str = "ciphertext") -> Ciphertext:
        """A ciphertext from outside: both points must be valid and neither the
        identity (an honest r is never 0)."""
        if not isinstance(data, Mapping):
            raise CryptoError(f"{what}: expected an object with a and b")
        return cls(
            decode_point(data.get("a"), f"{what}.a"), decode_point(data.get("b"), f"{what}.b")
        )


ZERO = Ciphertext(IDENTITY, IDENTITY)
"""The neutral element: the empty sum (it encrypts 0 with r = 0)."""


def encrypt(
    public_key: bytes, m: int, r: int | None = None, *, rng: Rng = random_scalar
) -> tuple[Ciphertext, int]:
    """Encrypt the integer m >= 0; returns the ciphertext and the randomness r
    (which the caller needs for the proofs, then forgets)."""
    if m < 0:
        raise ValueError("exponential ElGamal encrypts non-negative integers here")
    if r is None:
        r = rng()
    return Ciphertext(base(r), add(base(m), mul(r, public_key))), r


def total(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    result = ZERO
    for c in ciphertexts:
        result = result + c
    return result


def weighted_total(items: Iterable[tuple[int, Ciphertext]]) -> Ciphertext:
    """Σ w_i·c_i over (weight, ciphertext) pairs, weights >= 0. Ciphertexts of
    equal weight are added first and multiplied once: in a hall most voters
    carry the same weight, so this costs one scalar multiplication per
    distinct weight instead of per ballot."""
    by_weight: dict[int, Ciphertext] = defaultdict(lambda: ZERO)
    for weight, c in items:
        if weight < 0:
            raise ValueError("weights are non-negative")
        by_weight[weight] = by_weight[weight] + c
    return total(c.scale(w) for w, c in sorted(by_weight.items()))
