"""Encrypted polls end to end through the services, with the real crypto:
naming tellers, their key ceremony, encrypted phone and paper ballots, the
close, partial decryptions and the result (docs/encrypted-ballots.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import Conflict, InvalidInput, NotAllowed
from meetings.models import Member, Participant
from tests.conftest import World
from tests.voting.conftest import PollMaker, option_id, receipt
from tests.voting.tellers_helpers import TellerPlayer, nonce_key, phone_ballot, play_ceremony
from voting import audit, keys, services, verify
from voting.crypto.group import deterministic_rng
from voting.models import Ballot, Poll, PollSeal, RollEntry, RollMark, Teller

pytestmark = pytest.mark.django_db

WEIGHTS = [Decimal(1), Decimal("2.5"), Decimal("1.2345")]


def weigh(world: World) -> None:
    for member, weight in zip(world.voters, WEIGHTS, strict=True):
        Participant.objects.filter(meeting=world.meeting, member=member).update(vote_weight=weight)


def teller_members(world: World) -> list[Member]:
    return [world.clerk, world.voters[0], world.voters[1]]


def appoint(world: World, poll: Poll, threshold: int = 2) -> list[TellerPlayer]:
    members = teller_members(world)
    services.tellers_appoint(
        actor=world.chair,
        poll=poll,
        participant_ids=[world.participant(m).pk for m in members],
        threshold=threshold,
    )
    poll.refresh_from_db()
    return [TellerPlayer(poll.pk, i, threshold, m) for i, m in enumerate(members, start=1)]


ceremony = play_ceremony


def entry_of(poll: Poll, member: Member) -> RollEntry:
    return RollEntry.objects.get(poll=poll, member__member=member)


def cast(poll: Poll, member: Member, labels: list[str], nonce: str | None = None) -> Any:
    nonce = nonce or receipt()
    ballot = phone_ballot(poll, entry_of(poll, member), nonce, labels)
    return services.encrypted_ballot_cast(voter=member, poll_id=poll.pk, ballot=ballot, nonce=nonce)


@pytest.fixture
def keyed(live_world: World, make_poll: PollMaker) -> tuple[Poll, list[TellerPlayer]]:
    """A draft secret multiple-choice poll whose 3 tellers (k = 2) made its key."""
    weigh(live_world)
    poll = make_poll(open_=False, kind="multiple", options=["Red", "Green", "Blue"], max_choices=2)
    players = appoint(live_world, poll)
    ceremony(poll, players)
    poll.refresh_from_db()
    return poll, players


def test_full_flow_three_tellers_two_decrypt(
    live_world: World, keyed: tuple[Poll, list[TellerPlayer]]
) -> None:
    poll, players = keyed
    state = services.ceremony_payload(poll)
    assert all(t["ready"] for t in state["tellers"]) and state["fingerprint"]
    assert poll.public_key == state["public_key"] and len(poll.public_key) == 64
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    voters = live_world.voters
    first = cast(poll, voters[0], ["Red", "Green"])
    cast(poll, voters[1], ["Green"])
    cast(poll, voters[2], ["Abstain"])
    paper = services.paper_ballot_enter(
        actor=live_world.clerk,
        poll=poll,
        roll_entry_id=entry_of(poll, live_world.chair).pk,
        choices=[option_id(poll, "Red"), option_id(poll, "Blue")],
    )
    # The receipt is the tracker; nothing of the choices is stored in clear.
    assert len(first.receipt_code) == 64 and first.choices == []
    stored = Ballot.objects.get(poll=poll, receipt_code=first.receipt_code)
    assert stored.choices == [] and stored.roll_entry is None and stored.ciphertext
    assert Ballot.objects.get(poll=poll, receipt_code=paper.receipt_code).ciphertext

    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.state == Poll.State.DECRYPTING and poll.result is None
    # No weight has three ballots: all four are in the class "other", whose
    # marks and weighted marks are decrypted for each of the 4 options.
    assert [p["name"] for p in poll.products or []][:2] == [
        "option 0 other",
        "option 0 other weight",
    ]
    assert len(poll.products or []) == 8
    assert not PollSeal.objects.filter(poll=poll).exists()

    products = services.ceremony_payload(poll)["products"]
    poll = services.teller_decrypt(
        actor=players[0].member, poll=poll, partials=players[0].decrypt(products)
    )
    assert poll.state == Poll.State.DECRYPTING  # one of the two needed
    third = players[2].decrypt(products)
    poll = services.teller_decrypt(actor=players[2].member, poll=poll, partials=third)
    assert poll.state == Poll.State.CLOSED
    result: dict[str, Any] = poll.result or {}
    by_label = {o["label"]: (o["weight"], o["ballots"]) for o in result["options"]}
    assert by_label == {
        "Red": ("2.0000", 2),
        "Green": ("3.5000", 2),
        "Blue": ("1.0000", 1),
        "Abstain": ("1.2345", 1),
    }
    assert result["cast_weight"] == "5.7345" and result["abstain_weight"] == "1.2345"
    assert result["ballots"] == 4 and result["sentence"]
    assert PollSeal.objects.filter(poll=poll).exists()
    # A resend is answered with the poll; a late teller's partials are refused.
    again = services.teller_decrypt(actor=players[2].member, poll=poll, partials=third)
    assert again.state == Poll.State.CLOSED and again.result == result
    with pytest.raises(Conflict) as late:
        services.teller_decrypt(
            actor=players[1].member, poll=poll, partials=players[1].decrypt(products)
        )
    assert late.value.code == "not_decrypting"


def test_encrypted_motion_matches_a_plain_count(live_world: World, make_poll: PollMaker) -> None:
    """The same ballots on a plain and an encrypted motion give the same result."""
    weigh(live_world)
    choices = {0: "Yes", 1: "No", 2: "Yes"}
    plain = make_poll(kind="motion")
    for i, label in choices.items():
        services.ballot_cast(
            voter=live_world.voters[i],
            poll_id=plain.pk,
            choices=[option_id(plain, label)],
            nonce=receipt(),
        )
    plain = services.poll_close(actor=live_world.chair, poll=plain)

    poll = make_poll(open_=False, kind="motion", title="Adopt the budget, encrypted?")
    players = appoint(live_world, poll, threshold=3)
    ceremony(poll, players)
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    for i, label in choices.items():
        cast(poll, live_world.voters[i], [label])
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    products = services.ceremony_payload(poll)["products"]
    for p in players:
        poll = services.teller_decrypt(actor=p.member, poll=poll, partials=p.decrypt(products))
    encrypted, counted = poll.result or {}, plain.result or {}
    keys = ("carried", "cast_weight", "abstain_weight", "valid_weight", "ballots")
    assert {k: encrypted[k] for k in keys} == {k: counted[k] for k in keys}
    assert [(o["weight"], o["ballots"]) for o in encrypted["options"]] == [
        (o["weight"], o["ballots"]) for o in counted["options"]
    ]
    assert encrypted["sentence"] == counted["sentence"]


def test_opening_before_the_ceremony_is_complete_is_refused(
    live_world: World, make_poll: PollMaker
) -> None:
    poll = make_poll(open_=False)
    players = appoint(live_world, poll)
    with pytest.raises(Conflict) as refused:
        services.poll_open(actor=live_world.chair, poll=poll)
    assert refused.value.code == "ceremony_incomplete"
    for p in players[:2]:
        services.teller_publish(actor=p.member, poll=poll, **p.publish())
    with pytest.raises(Conflict) as early:  # the third transport key is missing
        services.teller_shares_send(actor=players[0].member, poll=poll, shares=[])
    assert early.value.code == "ceremony_order"
    with pytest.raises(Conflict):
        services.poll_open(actor=live_world.chair, poll=poll)
    assert Poll.objects.get(pk=poll.pk).state == Poll.State.DRAFT


def test_appointing_tellers_checks_its_rules(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    ids = [live_world.participant(m).pk for m in teller_members(live_world)]
    with pytest.raises(InvalidInput):
        services.tellers_appoint(
            actor=live_world.chair, poll=poll, participant_ids=ids[:2], threshold=1
        )
    with pytest.raises(InvalidInput):
        services.tellers_appoint(
            actor=live_world.chair, poll=poll, participant_ids=ids, threshold=4
        )
    with pytest.raises(NotAllowed):
        services.tellers_appoint(
            actor=live_world.voters[0], poll=poll, participant_ids=ids, threshold=2
        )
    named = make_poll(open_=False, secrecy="named", title="Roll-call")
    with pytest.raises(InvalidInput):
        services.tellers_appoint(
            actor=live_world.chair, poll=named, participant_ids=ids, threshold=2
        )
    services.tellers_appoint(actor=live_world.chair, poll=poll, participant_ids=ids, threshold=2)
    with pytest.raises(InvalidInput):  # an encrypted poll stays secret
        services.poll_update(actor=live_world.chair, poll=poll, secrecy="named")
    # None named: plain again.
    poll = services.tellers_appoint(
        actor=live_world.chair, poll=poll, participant_ids=[], threshold=None
    )
    assert not poll.encrypted and not Teller.objects.filter(poll=poll).exists()


def test_ceremony_refusals_have_their_own_messages(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    players = appoint(live_world, poll)
    first = players[0]
    message = first.publish()
    message["transport_key"]["proof"]["response"] = message["transport_key"]["proof"]["challenge"]
    with pytest.raises(InvalidInput) as bad:
        services.teller_publish(actor=first.member, poll=poll, **message)
    assert str(bad.value.message) == (
        "teller 1: the proof of knowledge of the transport key does not hold"
    )
    with pytest.raises(InvalidInput) as other:  # teller 2's messages sent by teller 1
        services.teller_publish(actor=first.member, poll=poll, **players[1].publish())
    assert "another teller" in str(other.value.message)
    with pytest.raises(NotAllowed) as outsider:
        services.teller_publish(actor=live_world.chair, poll=poll, **first.publish())
    assert outsider.value.code == "not_a_teller"
    services.teller_publish(actor=first.member, poll=poll, **first.publish())
    services.teller_publish(actor=first.member, poll=poll, **first.publish())  # a resend
    with pytest.raises(Conflict) as changed:
        services.teller_publish(
            actor=first.member,
            poll=poll,
            **TellerPlayer(poll.pk, 1, 2, first.member).publish(),
        )
    assert changed.value.code == "already_published"
    for p in players[1:]:
        services.teller_publish(actor=p.member, poll=poll, **p.publish())
    state = services.ceremony_payload(poll)
    for p in players:
        services.teller_shares_send(actor=p.member, poll=poll, shares=p.shares(state))
    mine = services.teller_shares_get(actor=first.member, poll=poll)
    proof = first.confirm(mine)
    with pytest.raises(InvalidInput) as wrong:  # teller 2 cannot use teller 1's proof
        services.teller_confirm(actor=players[1].member, poll=poll, proof=proof)
    assert str(wrong.value.message) == (
        "teller 2: the confirmation does not hold for its public share"
    )
    services.teller_confirm(actor=first.member, poll=poll, proof=proof)
    poll.refresh_from_db()
    assert poll.public_key == ""  # not every teller is ready


@pytest.fixture
def opened(live_world: World, keyed: tuple[Poll, list[TellerPlayer]]) -> Poll:
    return services.poll_open(actor=live_world.chair, poll=keyed[0])


def test_a_tampered_ballot_is_refused_and_nothing_is_stored(
    live_world: World, opened: Poll
) -> None:
    voter = live_world.voters[0]
    nonce = receipt()
    ballot = phone_ballot(opened, entry_of(opened, voter), nonce, ["Red"])
    ballot["options"][0]["proof"]["responses"].reverse()
    with pytest.raises(InvalidInput) as bad:
        services.encrypted_ballot_cast(voter=voter, poll_id=opened.pk, ballot=ballot, nonce=nonce)
    assert bad.value.code == "ballot_refused"
    assert str(bad.value.message) == "option 0: the proof that it encrypts 0 or 1 does not hold"
    assert not Ballot.objects.filter(poll=opened).exists()
    assert not RollMark.objects.filter(roll_entry__poll=opened).exists()


def test_a_ballot_of_another_voter_fails_its_proofs(live_world: World, opened: Poll) -> None:
    nonce = receipt()
    theirs = phone_ballot(opened, entry_of(opened, live_world.voters[0]), nonce, ["Red"])
    with pytest.raises(InvalidInput) as copied:
        services.encrypted_ballot_cast(
            voter=live_world.voters[1], poll_id=opened.pk, ballot=theirs, nonce=nonce
        )
    assert "option 0: the proof" in str(copied.value.message)


def test_too_many_marks_fail_the_count_proof(live_world: World, opened: Poll) -> None:
    from voting.crypto.ballots import BallotContext, encrypt_ballot
    from voting.services.encrypted import poll_context, voter_context

    voter, nonce = live_world.voters[0], receipt()
    key = nonce_key(opened.pk, entry_of(opened, voter).pk, nonce)
    context = BallotContext(poll_context(opened.pk), voter_context(key))
    # Three marks, proved against a range of 0..3 the poll does not allow (1..2).
    ballot = encrypt_ballot(bytes.fromhex(opened.public_key), [1, 1, 1, 0], 0, 3, context)
    with pytest.raises(InvalidInput) as many:
        services.encrypted_ballot_cast(
            voter=voter, poll_id=opened.pk, ballot=ballot.to_json(), nonce=nonce
        )
    refused = (
        "ballot: the proof that between 1 and 2 options, or abstain alone, are marked does not hold"
    )
    assert str(many.value.message) == refused
    # Red and Abstain, proved as if the poll had no abstain rule: refused too,
    # as a plain ballot refuses abstain with another choice.
    options = list(opened.options.order_by("position"))
    assert options[3].role == "abstain"
    both = encrypt_ballot(bytes.fromhex(opened.public_key), [1, 0, 0, 1], 0, 3, context)
    with pytest.raises(InvalidInput) as mixed:
        services.encrypted_ballot_cast(
            voter=voter, poll_id=opened.pk, ballot=both.to_json(), nonce=nonce
        )
    assert str(mixed.value.message) == refused
    # Abstain alone is a ballot.
    alone = phone_ballot(opened, entry_of(opened, voter), nonce, [options[3].label])
    services.encrypted_ballot_cast(voter=voter, poll_id=opened.pk, ballot=alone, nonce=nonce)
    assert Ballot.objects.filter(poll=opened).count() == 1


def test_resends_are_idempotent_and_replays_refused(live_world: World, opened: Poll) -> None:
    voter = live_world.voters[0]
    nonce = receipt()
    ballot = phone_ballot(opened, entry_of(opened, voter), nonce, ["Red"])
    first = services.encrypted_ballot_cast(
        voter=voter, poll_id=opened.pk, ballot=ballot, nonce=nonce
    )
    again = services.encrypted_ballot_cast(
        voter=voter, poll_id=opened.pk, ballot=ballot, nonce=nonce.lower()
    )
    assert first.created and not again.created
    assert again.as_dict() == first.as_dict()
    other = phone_ballot(opened, entry_of(opened, voter), nonce, ["Green"])
    with pytest.raises(Conflict) as conflict:
        services.encrypted_ballot_cast(voter=voter, poll_id=opened.pk, ballot=other, nonce=nonce)
    assert conflict.value.code == "receipt_conflict"
    fresh = receipt()
    second = phone_ballot(opened, entry_of(opened, voter), fresh, ["Blue"])
    with pytest.raises(Conflict) as voted:
        services.encrypted_ballot_cast(voter=voter, poll_id=opened.pk, ballot=second, nonce=fresh)
    assert voted.value.code == "already_voted"
    assert Ballot.objects.filter(poll=opened).count() == 1

    # A phone that reuses its randomness for another roll entry (a proxy's,
    # say) makes the same ciphertexts with valid proofs: refused as a replay.
    a, b = live_world.voters[1], live_world.voters[2]
    nonce_a, nonce_b = receipt(), receipt()
    ballot_a = phone_ballot(
        opened, entry_of(opened, a), nonce_a, ["Green"], rng=deterministic_rng("same")
    )
    ballot_b = phone_ballot(
        opened, entry_of(opened, b), nonce_b, ["Green"], rng=deterministic_rng("same")
    )
    assert ballot_a["options"][0]["a"] == ballot_b["options"][0]["a"]
    services.encrypted_ballot_cast(voter=a, poll_id=opened.pk, ballot=ballot_a, nonce=nonce_a)
    with pytest.raises(Conflict) as replay:
        services.encrypted_ballot_cast(voter=b, poll_id=opened.pk, ballot=ballot_b, nonce=nonce_b)
    assert replay.value.code == "replayed"
    assert not RollMark.objects.filter(roll_entry=entry_of(opened, b)).exists()


def test_plain_ballots_are_refused_on_an_encrypted_poll(live_world: World, opened: Poll) -> None:
    with pytest.raises(Conflict) as plain:
        services.ballot_cast(
            voter=live_world.voters[0],
            poll_id=opened.pk,
            choices=[option_id(opened, "Red")],
            nonce=receipt(),
        )
    assert plain.value.code == "encrypted_only"


def test_a_wrong_partial_decryption_is_refused(
    live_world: World, keyed: tuple[Poll, list[TellerPlayer]]
) -> None:
    poll, players = keyed
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    cast(poll, live_world.voters[0], ["Red"])
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    products = services.ceremony_payload(poll)["products"]
    # Teller 2's partials computed with teller 1's share: the proofs fail.
    forged = TellerPlayer(poll.pk, 2, 2, players[1].member)
    forged.secret_share = players[0].secret_share
    with pytest.raises(InvalidInput) as wrong:
        services.teller_decrypt(
            actor=players[1].member, poll=poll, partials=forged.decrypt(products)
        )
    assert str(wrong.value.message) == (
        "teller 2: the proof of correct decryption of option 0 other does not hold"
    )
    with pytest.raises(InvalidInput):  # too few partials
        services.teller_decrypt(
            actor=players[1].member, poll=poll, partials=players[1].decrypt(products)[:3]
        )
    with pytest.raises(NotAllowed):
        services.teller_decrypt(
            actor=live_world.chair, poll=poll, partials=players[1].decrypt(products)
        )
    assert Teller.objects.filter(poll=poll, partials__isnull=False).count() == 0
    poll.refresh_from_db()
    assert poll.state == Poll.State.DECRYPTING
    # Before the close no teller can decrypt.
    assert Poll.objects.get(pk=poll.pk).result is None


def test_a_poll_nobody_voted_on_decrypts_to_zero(
    live_world: World, keyed: tuple[Poll, list[TellerPlayer]]
) -> None:
    """Every product is the pair of identities; its partials are identities too."""
    poll, players = keyed
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    products = services.ceremony_payload(poll)["products"]
    for p in players[1:]:
        poll = services.teller_decrypt(actor=p.member, poll=poll, partials=p.decrypt(products))
    result: dict[str, Any] = poll.result or {}
    assert poll.state == Poll.State.CLOSED and result["ballots"] == 0
    assert {o["weight"] for o in result["options"]} == {"0"}


def test_a_decrypting_poll_can_be_cancelled(
    live_world: World, keyed: tuple[Poll, list[TellerPlayer]]
) -> None:
    poll, _players = keyed
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    cast(poll, live_world.voters[0], ["Red"])
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    poll = services.poll_cancel(actor=live_world.chair, poll=poll, reason="Shares lost.")
    assert poll.state == Poll.State.CANCELLED


MARKS = st.lists(st.sampled_from(["Red", "Green", "Blue", "Abstain"]), min_size=1, max_size=2)


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ballots=st.lists(
        st.tuples(MARKS, st.sampled_from(["0", "1", "2.5", "0.0001", "3.3333"])),
        min_size=4,
        max_size=4,
    ),
    deciders=st.sampled_from([(1, 2), (1, 3), (2, 3)]),
)
def test_decrypted_totals_are_the_plaintext_sums(
    live_world: World,
    make_poll: PollMaker,
    ballots: list[tuple[list[str], str]],
    deciders: tuple[int, int],
) -> None:
    """Any two of the three tellers find the sums a plain count would."""
    voters = [live_world.chair, *live_world.voters]
    expected: dict[str, tuple[Decimal, int]] = {}
    for member, (labels, weight) in zip(voters, ballots, strict=True):
        Participant.objects.filter(meeting=live_world.meeting, member=member).update(
            vote_weight=Decimal(weight)
        )
        chosen = ["Abstain"] if "Abstain" in labels else sorted(set(labels))
        for label in chosen:
            w, n = expected.get(label, (Decimal(0), 0))
            expected[label] = (w + Decimal(weight), n + 1)
    poll = make_poll(open_=False, kind="multiple", options=["Red", "Green", "Blue"], max_choices=2)
    players = appoint(live_world, poll)
    ceremony(poll, players)
    poll = services.poll_open(actor=live_world.chair, poll=Poll.objects.get(pk=poll.pk))
    for member, (labels, _weight) in zip(voters, ballots, strict=True):
        cast(poll, member, ["Abstain"] if "Abstain" in labels else sorted(set(labels)))
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    products = services.ceremony_payload(poll)["products"]
    for index in deciders:
        p = players[index - 1]
        poll = services.teller_decrypt(actor=p.member, poll=poll, partials=p.decrypt(products))
    result: dict[str, Any] = poll.result or {}
    found = {
        o["label"]: (Decimal(o["weight"]), o["ballots"]) for o in result["options"] if o["ballots"]
    }
    assert found == expected
    # The stand-alone verifier recounts the same from the export.
    export = json.loads(audit.export_text(poll), parse_float=Decimal)
    assert verify.verify(export, fingerprint=keys.fingerprint()).startswith("OK: ")


@pytest.mark.django_db(transaction=True)
def test_proofs_are_checked_before_the_transaction(
    live_world: World, make_poll: PollMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking a ballot's proofs takes milliseconds of CPU: done before the
    ballot's transaction, it holds no database connection in a transaction
    and no share lock of the poll (which the close waits on)."""
    from django.db import connection

    from voting.services import ballots

    poll = make_poll(open_=False, kind="multiple", options=["Red", "Green"], max_choices=1)
    ceremony(poll, appoint(live_world, poll))
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    in_transaction: list[bool] = []
    real = ballots.verify_ballot

    def watched(*args: Any, **kwargs: Any) -> None:
        in_transaction.append(connection.in_atomic_block)
        real(*args, **kwargs)

    monkeypatch.setattr(ballots, "verify_ballot", watched)
    first = cast(poll, live_world.voters[0], ["Red"])
    assert in_transaction == [False] and first.created
    # A refused ballot is refused as before, by the same early check.
    other = phone_ballot(poll, entry_of(poll, live_world.voters[1]), receipt(), ["Green"])
    with pytest.raises(InvalidInput) as refused:
        services.encrypted_ballot_cast(
            voter=live_world.voters[2], poll_id=poll.pk, ballot=other, nonce=receipt()
        )
    assert refused.value.code == "ballot_refused" and in_transaction == [False, False]
    assert Ballot.objects.filter(poll=poll).count() == 1
