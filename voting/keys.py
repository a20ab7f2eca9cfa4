"""The installation's Ed25519 signing key, kept in a file outside the database.

`python manage.py audit_keygen` creates it at AUDIT_KEY_PATH. The public key
and its fingerprint are published; the private key is never served.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def key_path() -> Path:
    return Path(settings.AUDIT_KEY_PATH)


def generate(path: Path, *, overwrite: bool = False) -> Ed25519PrivateKey:
    """Write a new key to `path` (mode 0600). Refuses to replace one unless told."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; a new key would orphan every signed record")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    signing_key.cache_clear()
    return key


@cache
def signing_key() -> Ed25519PrivateKey:
    path = key_path()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(
            f"No audit signing key at {path}. Create one with: python manage.py audit_keygen"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key.")
    return key


def public_key_b64() -> str:
    raw = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def fingerprint() -> str:
    """SHA-256 of the raw public key, in groups of four hex digits: short
    enough to read aloud from the projector and compare on a phone."""
    raw = base64.b64decode(public_key_b64())
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def sign(message: bytes) -> str:
    return base64.b64encode(signing_key().sign(message)).decode()
