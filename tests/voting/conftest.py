"""Fixtures for voting: a live meeting and a poll builder."""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Callable
from typing import Any

import pytest

from meetings import services as meeting_services
from tests.conftest import World
from voting import services
from voting.models import Poll

PollMaker = Callable[..., Poll]


def receipt() -> str:
    """A receipt code as a phone draws it: 80 random bits in base32."""
    return b32encode(secrets.token_bytes(10)).decode()


@pytest.fixture
def live_world(world: World) -> World:
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


@pytest.fixture
def make_poll(live_world: World) -> PollMaker:
    def make(open_: bool = True, **fields: Any) -> Poll:
        fields.setdefault("title", "Adopt the budget?")
        fields.setdefault("kind", "motion")
        poll = services.poll_create(actor=live_world.chair, meeting=live_world.meeting, **fields)
        if open_:
            poll = services.poll_open(actor=live_world.chair, poll=poll)
        return poll

    return make


def option_id(poll: Poll, label: str) -> int:
    return poll.options.get(label=label).pk


def signed_entry(receipt_: dict[str, Any], poll: Poll, voter: int | None = None) -> dict[str, Any]:
    """Check a receipt's signature over its ballot entry with the installation's
    public key; return the receipt without the signature."""
    import base64

    import rfc8785
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from voting import keys

    entry: dict[str, Any] = {
        "poll": poll.pk,
        "receipt": receipt_["receipt_code"],
        "choices": receipt_["choices"],
    }
    # A secret ballot is signed without its weight (audit format 3).
    assert receipt_["weight_signed"] is (poll.secrecy == "named")
    if receipt_["weight_signed"]:
        entry["weight"] = receipt_["weight"]
    if voter is not None:
        entry["voter"] = str(voter)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(keys.public_key_b64()))
    public.verify(base64.b64decode(receipt_["signature"]), rfc8785.dumps(entry))  # raises if bad
    return {k: v for k, v in receipt_.items() if k not in ("signature", "weight_signed")}
