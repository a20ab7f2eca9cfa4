"""Threshold key generation among the tellers (k of n), with no dealer.

Pedersen's distributed key generation with Feldman's verifiable secret
sharing, as in Belenios' threshold mode (Cortier, Gaudry, Glondu, "Belenios:
a simple private and verifiable electronic voting system", 2019, and the
Belenios specification, "Threshold decryption"; Pedersen, "A threshold
cryptosystem without a trusted party", Eurocrypt 1991; Gennaro, Jarecki,
Krawczyk, Rabin 1999/2007 on its security for threshold ElGamal).

Tellers are numbered 1..n (their evaluation points). Rounds:
1. Each teller i makes a transport key pair (e_i, E_i = e_i·G) and publishes
   E_i with a Schnorr proof (`TransportKey`).
2. Each teller j picks f_j(X) = a_{j,0} + a_{j,1}·X + … + a_{j,k-1}·X^{k-1},
   publishes the commitments C_{j,t} = a_{j,t}·G with a Schnorr proof of
   a_{j,0}, and for every teller i (itself included) the share f_j(i)
   encrypted to E_i (`encrypt_share`). The server relays; it never sees a share.
3. Teller i decrypts every f_j(i), checks f_j(i)·G == Σ_t i^t·C_{j,t}
   (complains otherwise), and keeps x_i = Σ_j f_j(i); it publishes a proof of
   knowledge of x_i for its public share H_i as its confirmation.
The poll key is H = Σ_j C_{j,0}; anyone computes H_i = Σ_j Σ_t i^t·C_{j,t}.

Share encryption (ephemeral-static Diffie-Hellman in ristretto255, then
ChaCha20-Poly1305): T = t·G, K = t·E_i, key = SHA-512(lp(prefix+"share-key")
|| lp(poll) || u64(j) || u64(i) || lp(T) || lp(E_i) || lp(K))[:32], nonce
12 zero bytes (the key is used once), associated data
`share_associated_data`, plaintext the 32-byte scalar f_j(i).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from voting.crypto.group import (
    DOMAIN_PREFIX,
    CryptoError,
    L,
    Rng,
    base,
    decode_point,
    decode_scalar,
    lp,
    mul,
    random_scalar,
    scalar_bytes,
    total,
    u64,
)
from voting.crypto.proofs import Proof, prove_knowledge, verify_knowledge

MAX_TELLERS = 64


def _check_index(index: int, n: int | None = None) -> None:
    if not 1 <= index <= (n or MAX_TELLERS):
        raise CryptoError(f"teller index {index} is out of range")


# --- round 1: transport keys --------------------------------------------------------


def transport_context(poll: str, index: int) -> list[str | int]:
    return ["transport-key", poll, index]


@dataclass(frozen=True)
class TransportKey:
    index: int
    key: bytes
    proof: Proof

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "key": self.key.hex(), "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, data: Any) -> TransportKey:
        index = _json_index(data, "transport key")
        return cls(
            index,
            decode_point(data.get("key"), f"teller {index} transport key"),
            Proof.from_json(data.get("proof"), f"teller {index} transport key proof"),
        )


def _json_index(data: Any, what: str) -> int:
    if (
        not isinstance(data, Mapping)
        or not isinstance(data.get("index"), int)
        or isinstance(data.get("index"), bool)
    ):
        raise CryptoError(f"{what}: expected an object with an integer index")
    _check_index(data["index"])
    return int(data["index"])


def make_transport_key(
    poll: str, index: int, *, rng: Rng = random_scalar
) -> tuple[int, TransportKey]:
    """(e_i, published part). Randomness: e, then the proof's w."""
    _check_index(index)
    secret = rng()
    return secret, TransportKey(
        index, base(secret), prove_knowledge(secret, transport_context(poll, index), rng=rng)
    )


def verify_transport_key(poll: str, key: TransportKey) -> None:
    if not verify_knowledge(key.key, key.proof, transport_context(poll, key.index)):
        raise CryptoError(
            f"teller {key.index}: the proof of knowledge of the transport key does not hold"
        )


# --- round 2: polynomial commitments and encrypted shares --------------------------


def commitments_context(
    poll: str, index: int, threshold: int, commitments: Sequence[bytes]
) -> list[str | int | bytes]:
    return ["commitments", poll, index, threshold, *commitments]


@dataclass(frozen=True)
class Commitments:
    index: int
    commitments: tuple[bytes, ...]  # C_{j,0} .. C_{j,k-1}
    proof: Proof  # knowledge of a_{j,0}, bound to all commitments

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "commitments": [c.hex() for c in self.commitments],
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Commitments:
        index = _json_index(data, "commitments")
        items = data.get("commitments")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_TELLERS:
            raise CryptoError(f"teller {index}: commitments must be a list")
        return cls(
            index,
            tuple(decode_point(c, f"teller {index} commitment {t}") for t, c in enumerate(items)),
            Proof.from_json(data.get("proof"), f"teller {index} commitments proof"),
        )


def make_polynomial(threshold: int, *, rng: Rng = random_scalar) -> list[int]:
    """k random coefficients a_0..a_{k-1} (randomness in that order)."""
    if threshold < 1:
        raise ValueError("the threshold is at least 1")
    return [rng() for _ in range(threshold)]


def evaluate(coefficients: Sequence[int], x: int) -> int:
    result = 0
    for a in reversed(coefficients):
        result = (result * x + a) % L
    return result


def commit(
    poll: str, index: int, coefficients: Sequence[int], *, rng: Rng = random_scalar
) -> Commitments:
    """Publish C_t = a_t·G and prove knowledge of a_0. Randomness: the proof's w."""
    _check_index(index)
    cs = tuple(base(a) for a in coefficients)
    context = commitments_context(poll, index, len(cs), cs)
    return Commitments(index, cs, prove_knowledge(coefficients[0], context, rng=rng))


def verify_commitments(poll: str, threshold: int, c: Commitments) -> None:
    if len(c.commitments) != threshold:
        raise CryptoError(
            f"teller {c.index}: expected {threshold} commitments, got {len(c.commitments)}"
        )
    if not verify_knowledge(
        c.commitments[0], c.proof, commitments_context(poll, c.index, threshold, c.commitments)
    ):
        raise CryptoError(f"teller {c.index}: the proof of knowledge of the key part does not hold")


def expected_share_point(commitments: Sequence[bytes], index: int) -> bytes:
    """Σ_t index^t·C_t: what f(index)·G must equal."""
    return total(mul(pow(index, t, L), c) for t, c in enumerate(commitments))


@dataclass(frozen=True)
class EncryptedShare:
    sender: int
    recipient: int
    ephemeral: bytes
    ciphertext: bytes  # 32-byte scalar + 16-byte tag

    def to_json(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "ephemeral": self.ephemeral.hex(),
            "ciphertext": self.ciphertext.hex(),
        }

    @classmethod
    def from_json(cls, data: Any) -> EncryptedShare:
        if not isinstance(data, Mapping):
            raise CryptoError("share: expected an object")
        sender, recipient = data.get("sender"), data.get("recipient")
        if not isinstance(sender, int) or not isinstance(recipient, int):
            raise CryptoError("share: sender and recipient are integers")
        _check_index(sender)
        _check_index(recipient)
        text = data.get("ciphertext")
        try:
            ciphertext = bytes.fromhex(text) if isinstance(text, str) else b""
        except ValueError:
            ciphertext = b""
        if len(ciphertext) != 48:
            raise CryptoError(
                f"share from teller {sender} to teller {recipient}: ciphertext must be 48 bytes"
            )
        return cls(
            sender,
            recipient,
            decode_point(data.get("ephemeral"), "share ephemeral key"),
            ciphertext,
        )


def share_key(
    poll: str, sender: int, recipient: int, ephemeral: bytes, transport_key: bytes, shared: bytes
) -> bytes:
    material = (
        lp(DOMAIN_PREFIX + "share-key")
        + lp(poll)
        + u64(sender)
        + u64(recipient)
        + lp(ephemeral)
        + lp(transport_key)
        + lp(shared)
    )
    return hashlib.sha512(material).digest()[:32]


def share_associated_data(
    poll: str, sender: int, recipient: int, ephemeral: bytes, commitments: Sequence[bytes]
) -> bytes:
    """lp(prefix+"share") || lp(poll) || u64(j) || u64(i) || lp(T) || u64(k)
    || C_{j,0} || … || C_{j,k-1}:
    the share is bound to the sender's published polynomial."""
    return (
        lp(DOMAIN_PREFIX + "share")
        + lp(poll)
        + u64(sender)
        + u64(recipient)
        + lp(ephemeral)
        + u64(len(commitments))
        + b"".join(commitments)
    )


NONCE = bytes(12)


def encrypt_share(
    poll: str,
    sender: int,
    recipient: TransportKey,
    coefficients: Sequence[int],
    commitments: Sequence[bytes],
    *,
    rng: Rng = random_scalar,
) -> EncryptedShare:
    """f(recipient) encrypted to the recipient's transport key. Randomness: t."""
    t = rng()
    ephemeral = base(t)
    key = share_key(poll, sender, recipient.index, ephemeral, recipient.key, mul(t, recipient.key))
    aad = share_associated_data(poll, sender, recipient.index, ephemeral, commitments)
    plaintext = scalar_bytes(evaluate(coefficients, recipient.index))
    return EncryptedShare(
        sender, recipient.index, ephemeral, ChaCha20Poly1305(key).encrypt(NONCE, plaintext, aad)
    )


def decrypt_share(
    poll: str, share: EncryptedShare, transport_secret: int, sender_commitments: Commitments
) -> int:
    """The recipient opens f_j(i) and checks it against j's commitments.
    Raises CryptoError: "could not be opened" or "does not match"."""
    if sender_commitments.index != share.sender:
        raise CryptoError("share: the commitments are another teller's")
    own_key = base(transport_secret)
    key = share_key(
        poll,
        share.sender,
        share.recipient,
        share.ephemeral,
        own_key,
        mul(transport_secret, share.ephemeral),
    )
    aad = share_associated_data(
        poll, share.sender, share.recipient, share.ephemeral, sender_commitments.commitments
    )
    try:
        plaintext = ChaCha20Poly1305(key).decrypt(NONCE, share.ciphertext, aad)
    except InvalidTag:
        raise CryptoError(
            f"share from teller {share.sender}: could not be opened with this teller's key"
        ) from None
    value = decode_scalar(plaintext, f"share from teller {share.sender}")
    if base(value) != expected_share_point(sender_commitments.commitments, share.recipient):
        raise CryptoError(
            f"share from teller {share.sender}: does not match the teller's commitments"
        )
    return value


# --- round 3: the keys ---------------------------------------------------------------


def combine_shares(shares: Sequence[int]) -> int:
    """x_i = Σ_j f_j(i)."""
    return sum(shares) % L


def election_key(all_commitments: Sequence[Commitments]) -> bytes:
    """H = Σ_j C_{j,0}."""
    return total(c.commitments[0] for c in all_commitments)


def public_share(all_commitments: Sequence[Commitments], index: int) -> bytes:
    """H_i = Σ_j Σ_t i^t·C_{j,t} = x_i·G."""
    return total(expected_share_point(c.commitments, index) for c in all_commitments)


def confirmation_context(poll: str, index: int, key: bytes) -> list[str | int | bytes]:
    return ["confirmation", poll, index, key]


def confirm(
    poll: str, index: int, secret_share: int, key: bytes, *, rng: Rng = random_scalar
) -> Proof:
    """Teller i proves it holds x_i for H_i, bound to the poll key H."""
    return prove_knowledge(secret_share, confirmation_context(poll, index, key), rng=rng)


def verify_confirmation(poll: str, index: int, public: bytes, key: bytes, proof: Proof) -> None:
    if not verify_knowledge(public, proof, confirmation_context(poll, index, key)):
        raise CryptoError(f"teller {index}: the confirmation does not hold for its public share")


def ceremony_fingerprint(
    poll: str,
    threshold: int,
    transport_keys: Sequence[TransportKey],
    all_commitments: Sequence[Commitments],
) -> str:
    """What the tellers compare aloud (or side by side on their phones) before
    the poll opens, so that a server relaying someone else's transport key or
    commitments is caught: the first 32 hex digits of SHA-256(lp(prefix +
    "ceremony") || lp(poll) || u64(n) || u64(k) || for each teller i in
    ascending order: u64(i) || E_i || u64(k) || C_{i,0} || … || C_{i,k-1}),
    in groups of four."""
    keys = {t.index: t.key for t in transport_keys}
    commitments = {c.index: c.commitments for c in all_commitments}
    if sorted(keys) != sorted(commitments) or len(keys) != len(transport_keys):
        raise CryptoError(
            "ceremony: every teller needs one transport key and one set of commitments"
        )
    data = bytearray(lp(DOMAIN_PREFIX + "ceremony") + lp(poll) + u64(len(keys)) + u64(threshold))
    for index in sorted(keys):
        data += (
            u64(index) + keys[index] + u64(len(commitments[index])) + b"".join(commitments[index])
        )
    digest = hashlib.sha256(bytes(data)).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))
