"""Encrypted polls over the REST API, with the real crypto playing the
tellers' pages and the phones: the ceremony, encrypted ballots, the close,
the decryption, and each refusal with its status, code and message."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api import assert_error, client_for
from tests.conftest import World
from tests.voting.conftest import PollMaker, receipt
from tests.voting.tellers_helpers import TellerPlayer, phone_ballot
from voting.models import Poll, RollEntry

pytestmark = pytest.mark.django_db


def url(poll: Poll, tail: str) -> str:
    return f"/api/polls/{poll.pk}/{tail}"


def post(client: APIClient, path: str, data: Any) -> Any:
    return client.post(path, data, format="json")


def test_an_encrypted_motion_over_the_api(live_world: World, make_poll: PollMaker) -> None:
    world = live_world
    chair = client_for(world.chair)
    poll = make_poll(open_=False)
    members = [world.clerk, world.voters[0], world.voters[1]]
    ids = [world.participant(m).pk for m in members]

    # Only the chair names tellers; a member is not shown the draft at all.
    assert_error(
        post(client_for(world.voters[2]), url(poll, "tellers/"), {"participants": ids}), 404
    )
    assert_error(post(chair, url(poll, "tellers/"), {"participants": ids[:2], "threshold": 1}), 400)
    named = post(chair, url(poll, "tellers/"), {"participants": ids, "threshold": 2})
    assert named.status_code == 200, named.content
    assert named.json()["threshold"] == 2 and len(named.json()["tellers"]) == 3
    assert_error(post(chair, url(poll, "open/"), {}), 409, "ceremony_incomplete")

    players = [TellerPlayer(poll.pk, i, 2, m) for i, m in enumerate(members, start=1)]
    clients = [client_for(m) for m in members]
    # A teller sees the draft's ceremony; a refused proof says why.
    bad = players[0].publish()
    bad["commitments"]["proof"]["response"] = bad["commitments"]["proof"]["challenge"]
    refused = assert_error(post(clients[0], url(poll, "tellers/publish/"), bad), 400)
    assert refused["code"] == "crypto_refused"
    assert refused["detail"] == "teller 1: the proof of knowledge of the key part does not hold"
    assert_error(
        post(client_for(world.voters[2]), url(poll, "tellers/publish/"), players[0].publish()),
        404,
    )
    for player, client in zip(players, clients, strict=True):
        answer = post(client, url(poll, "tellers/publish/"), player.publish())
        assert answer.status_code == 200, answer.content
        again = post(client, url(poll, "tellers/publish/"), player.publish())
        assert again.status_code == 200  # a resend
    ceremony = clients[0].get(url(poll, "tellers/")).json()
    assert ceremony["fingerprint"] and ceremony["public_key"] is None
    for player, client in zip(players, clients, strict=True):
        sent = post(client, url(poll, "tellers/shares/"), {"shares": player.shares(ceremony)})
        assert sent.status_code == 200, sent.content
    for player, client in zip(players, clients, strict=True):
        mine = client.get(url(poll, "tellers/shares/"))
        assert mine.status_code == 200 and len(mine.json()["shares"]) == 3
        confirmed = post(
            client, url(poll, "tellers/confirm/"), {"proof": player.confirm(mine.json())}
        )
        assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["public_key"]
    opened = post(chair, url(poll, "open/"), {})
    assert opened.status_code == 200, opened.content
    assert opened.json()["encrypted"] and opened.json()["public_key"]

    poll.refresh_from_db()
    votes = {world.voters[0]: "Yes", world.voters[1]: "Yes", world.voters[2]: "No"}
    for voter, label in votes.items():
        entry = RollEntry.objects.get(poll=poll, member__member=voter)
        nonce = receipt()
        ballot = phone_ballot(poll, entry, nonce, [label])
        client = client_for(voter)
        body = {"ballot": ballot, "nonce": nonce}
        cast = post(client, url(poll, "encrypted-ballots/"), body)
        assert cast.status_code == 201, cast.content
        assert len(cast.json()["receipt"]["receipt_code"]) == 64
        resend = post(client, url(poll, "encrypted-ballots/"), body)
        assert resend.status_code == 200 and resend.json() == cast.json()
    # The chair copies a voter's ballot under their own entry: its proofs fail.
    copied = post(chair, url(poll, "encrypted-ballots/"), {"ballot": ballot, "nonce": receipt()})
    assert assert_error(copied, 400, "ballot_refused")["detail"].startswith("option 0:")
    yes = poll.options.get(label="Yes").pk
    plain = post(chair, url(poll, "ballots/"), {"choices": [yes], "nonce": receipt()})
    assert_error(plain, 409, "encrypted_only")
    malformed = post(client, url(poll, "encrypted-ballots/"), {"ballot": {}, "nonce": receipt()})
    assert_error(malformed, 400)

    closed = post(chair, url(poll, "close/"), {})
    assert closed.status_code == 200 and closed.json()["state"] == "decrypting"
    assert closed.json()["result"] is None
    products = clients[0].get(url(poll, "tellers/")).json()["products"]
    # Three ballots of weight 1: one shown weight class, whose marks are counted.
    assert [p["name"] for p in products] == [
        "option 0 class 1.0000",
        "option 1 class 1.0000",
        "option 2 class 1.0000",
    ]

    wrong = players[1].decrypt(products)
    wrong[0], wrong[2] = wrong[2], wrong[0]
    refused = assert_error(
        post(clients[1], url(poll, "tellers/decrypt/"), {"partials": wrong}), 400
    )
    assert (
        refused["detail"]
        == "teller 2: the proof of correct decryption of option 0 class 1.0000 does not hold"
    )
    assert_error(
        post(chair, url(poll, "tellers/decrypt/"), {"partials": players[0].decrypt(products)}),
        403,
        "not_a_teller",
    )
    first = post(
        clients[0], url(poll, "tellers/decrypt/"), {"partials": players[0].decrypt(products)}
    )
    assert first.status_code == 200 and first.json()["state"] == "decrypting"
    done = post(
        clients[1], url(poll, "tellers/decrypt/"), {"partials": players[1].decrypt(products)}
    )
    assert done.status_code == 200, done.content
    result = done.json()["result"]
    assert done.json()["state"] == "closed" and result["carried"] is True
    weights = {o["label"]: (o["weight"], o["ballots"]) for o in result["options"]}
    assert weights == {"Yes": ("2.0000", 2), "No": ("1.0000", 1), "Abstain": ("0", 0)}
    assert done.json()["head_fingerprint"]
    # The board finds a ballot by its tracker, in either case.
    tracker = cast.json()["receipt"]["receipt_code"]
    proof = post(client, url(poll, "proof/"), {"receipt": tracker.upper()})
    assert proof.status_code == 200, proof.content
    assert proof.json()["entry"]["receipt"] == tracker
    qr = post(
        client,
        "/api/receipt-qr/",
        {"meeting": world.meeting.pk, "poll": poll.pk, "receipt": tracker},
    )
    assert qr.status_code == 200
