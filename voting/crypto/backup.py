"""A teller's backup of its secret share: a printable code and a passphrase.

The teller's page seals x_i under a key derived from a passphrase, so the
teller can print or photograph the code and restore the share on another
device; the server never sees the share or the passphrase.

    key  = scrypt(NFKC(passphrase) as UTF-8, salt, N = 2^log_n, r = 8, p = 1, 32 bytes)
    head = version (1 byte, 1) || log_n (1 byte) || salt (16 bytes)
    aad  = lp(prefix + "backup") || lp(poll) || u64(index) || head
    body = ChaCha20-Poly1305(key, nonce = 12 zero bytes, x_i as 32 bytes LE, aad)
    code = base32 (RFC 4648 alphabet, no padding) of head || body (66 bytes),
           in groups of four letters joined by "-"

Restoring ignores case, spaces and dashes. The salt is fresh for every
backup, so the key, and with it the fixed nonce, is used once.
"""

from __future__ import annotations

import base64
import hashlib
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from voting.crypto.group import (
    DOMAIN_PREFIX,
    CryptoError,
    base,
    decode_scalar,
    lp,
    scalar_bytes,
    u64,
)

VERSION = 1
LOG_N = 15  # scrypt N = 32768: 32 MiB, a fraction of a second on a phone
SALT_BYTES = 16
CODE_BYTES = 2 + SALT_BYTES + 32 + 16
NONCE = bytes(12)


def _key(passphrase: str, salt: bytes, log_n: int) -> bytes:
    secret = unicodedata.normalize("NFKC", passphrase).encode()
    return hashlib.scrypt(
        secret, salt=salt, n=2**log_n, r=8, p=1, dklen=32, maxmem=(2**log_n) * 1024 + 2**24
    )


def _aad(poll: str, index: int, head: bytes) -> bytes:
    return lp(DOMAIN_PREFIX + "backup") + lp(poll) + u64(index) + head


def seal_backup(
    poll: str,
    index: int,
    secret_share: int,
    passphrase: str,
    *,
    salt: bytes | None = None,
    log_n: int = LOG_N,
) -> str:
    """The printable code of x_i (`salt` only for test vectors)."""
    if not passphrase:
        raise ValueError("a backup needs a passphrase")
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    if len(salt) != SALT_BYTES:
        raise ValueError("the salt is 16 bytes")
    head = bytes([VERSION, log_n]) + salt
    body = ChaCha20Poly1305(_key(passphrase, salt, log_n)).encrypt(
        NONCE, scalar_bytes(secret_share), _aad(poll, index, head)
    )
    text = base64.b32encode(head + body).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def open_backup(
    code: str, poll: str, index: int, passphrase: str, *, public_share: bytes | None = None
) -> int:
    """x_i from a code; with `public_share`, also checks x_i·G == H_i."""
    text = "".join(ch for ch in code.upper() if ch not in " -\n\t")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        raise CryptoError("backup: not a backup code") from None
    if len(raw) != CODE_BYTES or raw[0] != VERSION or not 12 <= raw[1] <= 16:
        raise CryptoError("backup: not a backup code")
    head, body = raw[: 2 + SALT_BYTES], raw[2 + SALT_BYTES :]
    try:
        plaintext = ChaCha20Poly1305(_key(passphrase, head[2:], head[1])).decrypt(
            NONCE, body, _aad(poll, index, head)
        )
    except InvalidTag:
        raise CryptoError(
            "backup: wrong passphrase, or the code is for another poll or teller"
        ) from None
    value = decode_scalar(plaintext, "backup")
    if public_share is not None and base(value) != public_share:
        raise CryptoError("backup: the share does not match this teller's public share")
    return value
