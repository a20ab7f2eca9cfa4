"""The ristretto255 group (RFC 9496) and the project's hash-to-scalar.

Points are 32-byte canonical ristretto255 encodings (the identity is 32 zero
bytes); scalars are Python integers modulo the group order `L`, written as
32 little-endian bytes. Group operations run in libsodium through `rbcl`
(PyPI, wheels bundling libsodium), which exposes `crypto_core_ristretto255_*`
and `crypto_scalarmult_ristretto255*`. libsodium refuses to multiply to the
identity; `mul` handles the zero scalar and the identity point itself, so
weight 0 and empty tallies work on purpose.

Every point that comes from outside goes through `decode_point`, which
refuses a non-canonical or invalid encoding with `CryptoError` (never an
exception from the binding: rbcl's `add` silently returns zeros on bad input).
The format is specified in docs/encrypted-ballots.md.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable, Iterable

import rbcl

L = 2**252 + 27742317777372353535851937790883648493
"""The prime order of ristretto255."""

IDENTITY = bytes(32)
G = rbcl.crypto_scalarmult_ristretto255_base((1).to_bytes(32, "little"))
"""The ristretto255 generator, encoded."""

DOMAIN_PREFIX = "union-meetings/elgamal/v1/"

Rng = Callable[[], int]
"""A source of uniformly random scalars in [0, L)."""


class CryptoError(ValueError):
    """A value or proof from outside does not hold; the message says which."""


# --- scalars -------------------------------------------------------------------


def scalar_bytes(k: int) -> bytes:
    return (k % L).to_bytes(32, "little")


def decode_scalar(data: object, what: str = "scalar") -> int:
    """A canonical scalar (32 bytes little-endian, below L), bytes or hex."""
    raw = data if isinstance(data, bytes) else from_hex(data, what)
    if len(raw) != 32:
        raise CryptoError(f"{what}: a scalar is 32 bytes")
    k = int.from_bytes(raw, "little")
    if k >= L:
        raise CryptoError(f"{what}: scalar is not reduced modulo the group order")
    return k


def random_scalar() -> int:
    """A uniform scalar from the operating system: 64 random bytes reduced mod L."""
    return int.from_bytes(os.urandom(64), "little") % L


def deterministic_rng(seed: str) -> Rng:
    """Scalars from a seed, for test vectors only: the n-th (from 0) is
    SHA-512(lp("union-meetings/elgamal/v1/test-rng") || lp(seed) || u64(n)) mod L."""
    counter = 0

    def draw() -> int:
        nonlocal counter
        digest = hashlib.sha512(lp(DOMAIN_PREFIX + "test-rng") + lp(seed) + u64(counter)).digest()
        counter += 1
        return int.from_bytes(digest, "little") % L

    return draw


# --- points --------------------------------------------------------------------


def from_hex(text: object, what: str) -> bytes:
    if not isinstance(text, str) or len(text) != 64:
        raise CryptoError(f"{what}: expected 64 hexadecimal digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise CryptoError(f"{what}: expected 64 hexadecimal digits") from None


def decode_point(data: object, what: str = "point", *, allow_identity: bool = False) -> bytes:
    """A canonical ristretto255 encoding (bytes or lowercase hex), checked."""
    raw = data if isinstance(data, bytes) else from_hex(data, what)
    if len(raw) != 32:
        raise CryptoError(f"{what}: a point is 32 bytes")
    if raw == IDENTITY:
        if allow_identity:
            return raw
        raise CryptoError(f"{what}: the identity point is not allowed here")
    if not rbcl.crypto_core_ristretto255_is_valid_point(raw):
        raise CryptoError(f"{what}: not a valid ristretto255 encoding")
    return raw


def add(p: bytes, q: bytes) -> bytes:
    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    return bytes(rbcl.crypto_core_ristretto255_add(p, q))


def sub(p: bytes, q: bytes) -> bytes:
    if q == IDENTITY:
        return p
    return bytes(rbcl.crypto_core_ristretto255_sub(p, q))


def neg(p: bytes) -> bytes:
    return sub(IDENTITY, p)


def mul(k: int, p: bytes) -> bytes:
    """k·P for any integer k (reduced mod L); the identity when k ≡ 0 or P is
    the identity (the group has prime order, so only then)."""
    k %= L
    if k == 0 or p == IDENTITY:
        return IDENTITY
    if p == G:
        return bytes(rbcl.crypto_scalarmult_ristretto255_base(scalar_bytes(k)))
    return bytes(rbcl.crypto_scalarmult_ristretto255(scalar_bytes(k), p))


def base(k: int) -> bytes:
    """k·G."""
    return mul(k, G)


def total(points: Iterable[bytes]) -> bytes:
    result = IDENTITY
    for p in points:
        result = add(result, p)
    return result


# --- hashing ---------------------------------------------------------------------


def u64(n: int) -> bytes:
    """An integer 0 <= n < 2**64 as 8 bytes big-endian."""
    return struct.pack(">Q", n)


def lp(value: bytes | str) -> bytes:
    """Length-prefixed bytes: u32 big-endian length, then the bytes (text as UTF-8)."""
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack(">I", len(raw)) + raw


Field = bytes | str | int


def encode_fields(fields: Iterable[Field]) -> bytes:
    """The hash input of a list of fields: text and bytes length-prefixed
    (`lp`), integers as `lp(u64(n))`; points and scalars as their 32 bytes."""
    out = bytearray()
    for f in fields:
        if isinstance(f, int):
            out += lp(u64(f))
        else:
            out += lp(f)
    return bytes(out)


def hash_to_scalar(domain: str, fields: Iterable[Field]) -> int:
    """SHA-512(lp(DOMAIN_PREFIX + domain) || encode_fields(fields)) as a
    64-byte little-endian integer mod L (libsodium's scalar_reduce)."""
    digest = hashlib.sha512(lp(DOMAIN_PREFIX + domain) + encode_fields(fields)).digest()
    return int.from_bytes(digest, "little") % L
