"""The phone's encrypted ballot module (frontend/encrypted-ballot.js) against
the server, in Chromium: the same marks range as
voting.services.encrypted.marks_range for every kind of poll, the same nonce
key as voting.services.ballots.nonce_key, and a ballot the server's
verify_ballot accepts under those names (and refuses under another roll
entry's); abstain is sealed alone, never with another choice."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.voting.test_crypto_browser import page  # noqa: F401  (the fixture)
from voting.crypto.ballots import BallotContext, EncryptedBallot, verify_ballot
from voting.crypto.group import CryptoError, base, random_scalar
from voting.models import Poll
from voting.services.ballots import nonce_key
from voting.services.encrypted import marks_range, poll_context, voter_context

pytestmark = pytest.mark.browser

MODULE = "/static/frontend/encrypted-ballot.js"


def poll(kind: str, low: int, high: int, roles: list[str], key: str = "") -> dict[str, Any]:
    return {
        "id": 42,
        "kind": kind,
        "min_choices": low,
        "max_choices": high,
        "options": [{"id": 100 + i, "role": role} for i, role in enumerate(roles)],
        "public_key": key,
    }


SHAPES = [
    poll("motion", 1, 1, ["yes", "no", "abstain"]),
    poll("motion", 1, 1, ["yes", "no"]),
    poll("single", 1, 1, ["option", "option", "option"]),
    poll("single", 1, 1, ["option", "option", "abstain"]),
    poll("multiple", 2, 3, ["option"] * 5),
    poll("multiple", 2, 3, ["option"] * 4 + ["abstain"]),
    poll("multiple", 0, 2, ["option"] * 3),
    poll("election", 1, 2, ["candidate"] * 4 + ["abstain"]),
    poll("election", 1, 1, ["candidate", "no", "abstain"]),
]


def test_the_marks_range_is_the_servers(page: Page) -> None:  # noqa: F811
    phone = page.evaluate(
        f"async (polls) => {{ const M = await import('{MODULE}'); "
        "return polls.map((p) => M.marksRange(p)); }",
        SHAPES,
    )
    for shape, got in zip(SHAPES, phone, strict=True):
        server = Poll(kind=shape["kind"], min_choices=shape["min_choices"])
        server.max_choices = shape["max_choices"]
        roles = [o["role"] for o in shape["options"]]
        assert tuple(got) == marks_range(server, roles), shape


def test_a_sealed_ballot_verifies_on_the_server_under_its_names(page: Page) -> None:  # noqa: F811
    key = base(random_scalar())
    shape = poll("election", 1, 2, ["candidate"] * 4 + ["abstain"], key.hex())
    nonce = "Q2M7ZB4XK3WC5RTA"
    sealed = page.evaluate(
        f"""async ([poll, nonce]) => {{
          const M = await import('{MODULE}');
          const sealed = M.sealBallot(poll, 88, nonce, [101, 103]);
          return {{ key: M.nonceKey(poll.id, 88, nonce), ...sealed }};
        }}""",
        [shape, nonce],
    )
    assert sealed["key"] == nonce_key(42, 88, nonce)
    ballot = EncryptedBallot.from_json(sealed["ballot"])
    assert ballot.tracker == sealed["tracker"]
    server = Poll(kind="election", min_choices=1)
    server.max_choices = 2
    low, high, abstain = marks_range(server, [o["role"] for o in shape["options"]])
    assert abstain == 4
    names = BallotContext(poll_context(42), voter_context(nonce_key(42, 88, nonce)))
    verify_ballot(key, ballot, 5, low, high, names, abstain)
    # Copied under another roll entry, it no longer holds.
    other = BallotContext(poll_context(42), voter_context(nonce_key(42, 89, nonce)))
    with pytest.raises(CryptoError, match="option 0: the proof"):
        verify_ballot(key, ballot, 5, low, high, other, abstain)


def test_abstain_seals_alone_and_never_with_another_choice(page: Page) -> None:  # noqa: F811
    key = base(random_scalar())
    shape = poll("multiple", 1, 2, ["option"] * 3 + ["abstain"], key.hex())
    nonce = "Q2M7ZB4XK3WC5RTA"
    out = page.evaluate(
        f"""async ([poll, nonce]) => {{
          const M = await import('{MODULE}');
          let mixed = null;
          try {{ M.sealBallot(poll, 88, nonce, [100, 103]); }} catch (e) {{ mixed = e.message; }}
          return {{ alone: M.sealBallot(poll, 88, nonce, [103]).ballot, mixed }};
        }}""",
        [shape, nonce],
    )
    assert out["mixed"] == "the marks are outside [min, max] and are not abstain alone"
    server = Poll(kind="multiple", min_choices=1)
    server.max_choices = 2
    low, high, abstain = marks_range(server, [o["role"] for o in shape["options"]])
    assert (low, high, abstain) == (1, 2, 3)
    names = BallotContext(poll_context(42), voter_context(nonce_key(42, 88, nonce)))
    verify_ballot(key, EncryptedBallot.from_json(out["alone"]), 4, low, high, names, abstain)
