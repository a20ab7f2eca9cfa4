"""The stand-alone verifier on an encrypted poll's export (format 4), made
through the real services: the tellers' ceremony, phone and paper ballots,
the close, two of three tellers decrypting. The untouched file verifies end
to end; each part tampered with fails with its own message and exit 1."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from meetings import services as meeting_services
from meetings.models import Participant
from tests.conftest import World, build_world
from tests.voting import record_vectors
from tests.voting.audit_helpers import export_file
from tests.voting.conftest import option_id
from tests.voting.tellers_helpers import TellerPlayer, phone_ballot
from tests.voting.test_tellers import appoint, cast, ceremony, entry_of
from voting import encrypted_record, keys, services, verify
from voting.crypto import elgamal
from voting.crypto.ballots import BallotContext, EncryptedBallot, encrypt_ballot
from voting.crypto.group import deterministic_rng
from voting.models import Poll

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
Export = dict[str, Any]


@pytest.fixture
def hall(db: Any) -> World:
    """Six on the roll (the chair and five members): four of weight 1, one of
    2.5, one of 0.75."""
    world = build_world(voters=5)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    for member, weight in ((world.voters[2], "2.5"), (world.voters[4], "0.75")):
        Participant.objects.filter(meeting=world.meeting, member=member).update(
            vote_weight=Decimal(weight)
        )
    return world


def decrypted_poll(world: World, **fields: Any) -> tuple[Poll, list[TellerPlayer]]:
    fields.setdefault("title", "Adopt the budget?")
    fields.setdefault("kind", "motion")
    poll = services.poll_create(actor=world.chair, meeting=world.meeting, **fields)
    players = appoint(world, poll)
    ceremony(poll, players)
    return services.poll_open(actor=world.chair, poll=Poll.objects.get(pk=poll.pk)), players


def close_and_decrypt(world: World, poll: Poll, players: list[TellerPlayer]) -> Poll:
    poll = services.poll_close(actor=world.chair, poll=poll)
    products = services.ceremony_payload(poll)["products"]
    for p in (players[0], players[2]):
        poll = services.teller_decrypt(actor=p.member, poll=poll, partials=p.decrypt(products))
    assert poll.state == Poll.State.CLOSED
    return poll


@pytest.fixture
def motion(hall: World, tmp_path: Path) -> tuple[Export, list[TellerPlayer]]:
    """A secret encrypted motion: Yes 1 + 1 + 2.5 (one on paper), No 1 +
    0.75, Abstain 1. Weight 1 shows in a class of three ballots; 2.5, 0.75
    and one ballot of weight 1 are "other"."""
    poll, players = decrypted_poll(hall)
    v = hall.voters
    services.paper_ballot_enter(
        actor=hall.clerk,
        poll=poll,
        roll_entry_id=entry_of(poll, hall.chair).pk,
        choices=[option_id(poll, "Yes")],
    )
    for member, label in ((v[0], "Yes"), (v[2], "Yes"), (v[1], "No"), (v[4], "No")):
        cast(poll, member, [label])
    cast(poll, v[3], ["Abstain"])
    poll = close_and_decrypt(hall, poll, players)
    return export_file(poll, tmp_path / "encrypted.json"), players


def run(
    data: Export, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    path = tmp_path / "checked.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code = verify.main([str(path), "--fingerprint", keys.fingerprint(), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def reseal(data: Export) -> None:
    """What a server that lies in its own records does after changing the
    encrypted record: sign the head again, over the new record's hash, with
    the installation's key. Only the checks of the record itself remain."""
    head = data["tree_head"]
    head["encrypted_hash"] = hashlib.sha256(rfc8785.dumps(data["encrypted"])).hexdigest()
    body = {k: v for k, v in head.items() if k != "signature"}
    head["signature"] = keys.sign(rfc8785.dumps(body))


def test_an_encrypted_poll_verifies_end_to_end(
    motion: tuple[Export, list[TellerPlayer]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _players = motion
    assert data["format"] == verify.FORMAT_ENCRYPTED and data["poll"]["encrypted"] is True
    record = data["encrypted"]
    assert [p["name"] for p in record["products"]] == [
        "option 0 class 1.0000",
        "option 0 other",
        "option 0 other weight",
        "option 1 class 1.0000",
        "option 1 other",
        "option 1 other weight",
        "option 2 class 1.0000",
        "option 2 other",
        "option 2 other weight",
    ]
    assert [p["index"] for p in record["partials"]] == [1, 3]
    assert all(e["choices"] == [] for e in data["entries"])
    # The record names no one: voter contexts are nonce keys, and no share travels.
    assert all(b["voter"].startswith("ballot:") for b in record["ballots"])
    assert "shares" not in json.dumps(record)
    result = data["result"]
    weights = {o["label"]: (o["weight"], o["ballots"]) for o in result["options"]}
    assert weights == {"Yes": ("4.5000", 3), "No": ("1.7500", 2), "Abstain": ("1.0000", 1)}
    tracker = data["entries"][0]["receipt"]
    code, out, err = run(data, tmp_path, capsys, "--receipt", tracker.upper())
    assert code == 0, err
    assert out.startswith(f"OK: poll {data['poll']['id']} (Adopt the budget?): 6 ballots")
    assert f"receipt {tracker} is included as entry 1 (an encrypted ballot)" in out
    assert "encrypted: 6 ballots' proofs hold, no ciphertext twice; 3 tellers' key" in out
    assert "9 products, 6 recomputed from the ballots and 3 (the weights of class 'other')" in out
    assert "totals decrypted by tellers 1, 3" in out
    assert (
        "merged (other): 3 ballots weighing 4.2500, its per-option weights are a possible "
        "split of its voters' weights" in out
    )
    # Where Django cannot be imported, as a script.
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    script = (
        "import sys; sys.modules['django'] = None; import runpy; "
        f"sys.argv = ['voting.verify', {str(path)!r}, '--fingerprint', {keys.fingerprint()!r}]; "
        "runpy.run_module('voting.verify', run_name='__main__')"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "encrypted: 6 ballots' proofs hold" in done.stdout


def ballot(data: Export, n: int = 0) -> dict[str, Any]:
    return data["encrypted"]["ballots"][n]["ballot"]


def product(data: Export, name: str) -> dict[str, Any]:
    return next(p for p in data["encrypted"]["products"] if p["name"] == name)


def swap_b(first: dict[str, Any], second: dict[str, Any]) -> None:
    first["b"], second["b"] = second["b"], first["b"]


def change_ciphertext(data: Export) -> None:
    swap_b(ballot(data, 0)["options"][0], ballot(data, 1)["options"][0])


def change_proof(data: Export) -> None:
    ballot(data)["options"][0]["proof"]["responses"].reverse()


def change_count_proof(data: Export) -> None:
    ballot(data)["count_proof"] = ballot(data, 1)["count_proof"]


def change_voter(data: Export) -> None:
    record = data["encrypted"]["ballots"][0]
    record["voter"] = "ballot:" + "0" * 64


def share_voter(data: Export) -> None:
    ballots = data["encrypted"]["ballots"]
    ballots[1]["voter"] = ballots[0]["voter"]


def change_product(data: Export) -> None:
    swap_b(product(data, "option 0 class 1.0000"), product(data, "option 1 class 1.0000"))


def change_unseen_product(data: Export) -> None:
    """The one product the verifier cannot recompute: its partials no longer fit."""
    forged = elgamal.encrypt(bytes.fromhex(data["encrypted"]["public_key"]), 10000)[0]
    product(data, "option 0 other weight").update(forged.to_json())


def change_partial(data: Export) -> None:
    values = data["encrypted"]["partials"][0]["values"]
    values[0]["value"], values[3]["value"] = values[3]["value"], values[0]["value"]


def drop_partials(data: Export) -> None:
    del data["encrypted"]["partials"][1]


def change_total(data: Export) -> None:
    data["encrypted"]["totals"][0]["value"] += 1


def change_commitment(data: Export) -> None:
    commitments = data["encrypted"]["tellers"][1]["commitments"]["commitments"]
    commitments[0], commitments[1] = commitments[1], commitments[0]


def change_poll_key(data: Export) -> None:
    data["encrypted"]["public_key"] = data["encrypted"]["tellers"][0]["commitments"]["commitments"][
        0
    ]


def change_confirmation(data: Export) -> None:
    tellers = data["encrypted"]["tellers"]
    tellers[0]["confirmation"] = tellers[1]["confirmation"]


def change_fingerprint(data: Export) -> None:
    data["encrypted"]["fingerprint"] = "0000 " + data["encrypted"]["fingerprint"][5:]


def drop_ballot(data: Export) -> None:
    del data["encrypted"]["ballots"][-1]


def swap_ballots(data: Export) -> None:
    ballots = data["encrypted"]["ballots"]
    ballots[0], ballots[1] = ballots[1], ballots[0]


TAMPERING: list[tuple[str, Callable[[Export], None], str]] = [
    ("a ciphertext", change_ciphertext, "ballot 1: its ciphertexts do not give its receipt"),
    ("a proof", change_proof, "ballot 1: option 0: the proof that it encrypts 0 or 1 does not"),
    ("a count proof", change_count_proof, "ballot 1: ballot: the proof that between 1 and 1"),
    ("a voter context", change_voter, "ballot 1: option 0: the proof that it encrypts 0 or 1"),
    ("a voter context twice", share_voter, "ballot 2: its voter context is another ballot's"),
    ("a product", change_product, "product 'option 0 class 1.0000': is not the product of"),
    (
        "the unseen product",
        change_unseen_product,
        "teller 1: the proof of correct decryption of option 0 other weight does not hold",
    ),
    (
        "a partial",
        change_partial,
        "teller 1: the proof of correct decryption of option 0 class 1.0000 does not hold",
    ),
    ("too few partials", drop_partials, "totals: 1 of the 2 tellers needed have decrypted"),
    ("a total", change_total, "totals: option 0 class 1.0000 is stated as {'name'"),
    ("a commitment", change_commitment, "teller 2: the proof of knowledge of the key part"),
    ("the poll key", change_poll_key, "ceremony: the poll key does not follow from the tellers'"),
    ("a confirmation", change_confirmation, "teller 1: the confirmation does not hold"),
    ("the fingerprint", change_fingerprint, "ceremony: the fingerprint is not the tellers'"),
    ("a ballot dropped", drop_ballot, "ballots: 5 encrypted ballots for 6 entries"),
    ("ballots reordered", swap_ballots, "ballot 1: is not entry 1's"),
]


def test_each_tampered_part_fails_with_its_own_message(
    motion: tuple[Export, list[TellerPlayer]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _players = motion
    for fault, tamper, message in TAMPERING:
        forged = copy.deepcopy(data)
        tamper(forged)
        code, out, err = run(forged, tmp_path, capsys)
        # Unsigned, any change breaks the head's hash of the record.
        assert code == 1 and out == "", fault
        assert "FAILED: tree head: the encrypted record does not match the hash it signs" in err
        reseal(forged)
        code, out, err = run(forged, tmp_path, capsys)
        assert code == 1 and out == "", fault
        assert err.startswith("FAILED: ") and message in err, (fault, err)


def test_entries_dropped_or_doubled_fail_as_on_a_plain_poll(
    motion: tuple[Export, list[TellerPlayer]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _players = motion
    dropped = copy.deepcopy(data)
    del dropped["entries"][-1], dropped["signatures"][-1], dropped["leaf_hashes"][-1]
    code, _out, err = run(dropped, tmp_path, capsys)
    assert code == 1 and "tree head: size 6 but the file has 5 entries" in err
    doubled = copy.deepcopy(data)
    for name in ("entries", "signatures", "leaf_hashes"):
        doubled[name].insert(1, doubled[name][0])
    code, _out, err = run(doubled, tmp_path, capsys)
    assert code == 1 and "entry 2: receipt" in err and "appears twice" in err
    older = copy.deepcopy(data)
    older["format"] = verify.FORMAT
    code, _out, err = run(older, tmp_path, capsys)
    assert code == 1
    assert "poll: its definition and the format (union-meetings-audit/3) disagree" in err


def test_a_result_the_totals_do_not_give_fails(
    motion: tuple[Export, list[TellerPlayer]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _players = motion
    forged = copy.deepcopy(data)
    for result in (forged["result"], forged["tree_head"]["result"], forged["final_result"]):
        result["options"][0]["weight"] = "5.5000"
    reseal(forged)
    code, _out, err = run(forged, tmp_path, capsys)
    assert code == 1 and "FAILED: result: option " in err
    assert "has a weight the ballots do not give" in err


def test_an_unseen_weight_no_split_of_the_voters_gives_fails(
    motion: tuple[Export, list[TellerPlayer]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server alone computes the "other" class's weighted product. Had it
    put there the encryption of 0.0001 and the tellers decrypted it honestly,
    every proof would hold: the verifier refuses it because no split of the
    class's voters' weights (2.5, 0.75, 1) gives it."""
    data, players = motion
    forged = copy.deepcopy(data)
    record = forged["encrypted"]
    names = [p["name"] for p in record["products"]]
    n = names.index("option 0 other weight")
    fake = elgamal.encrypt(bytes.fromhex(record["public_key"]), 1)[0]
    record["products"][n] = {"name": names[n], **fake.to_json()}
    for teller in record["partials"]:
        player = players[teller["index"] - 1]
        teller["values"][n] = player.decrypt([record["products"][n]])[0]
    record["totals"][n]["value"] = 1
    reseal(forged)
    code, _out, err = run(forged, tmp_path, capsys)
    assert code == 1
    assert "FAILED: result: the option weights are not a split of the merged weight class" in err


def substitute(data: Export, n: int, new: dict[str, Any]) -> None:
    """A server with its own key swaps ballot `n` for another under the same
    voter context: new tracker, its entry signed again, the tree and the
    head redone. Only the checks of the ballot itself can catch it."""
    record = data["encrypted"]
    old = record["ballots"][n]["receipt"]
    record["ballots"][n].update(ballot=new, receipt=EncryptedBallot.from_json(new).tracker)
    entry = next(e for e in data["entries"] if e["receipt"] == old)
    entry["receipt"] = record["ballots"][n]["receipt"]
    k = data["entries"].index(entry)
    data["signatures"][k] = keys.sign(rfc8785.dumps(verify.signed_ballot(entry)))
    order = sorted(range(len(data["entries"])), key=lambda i: data["entries"][i]["receipt"])
    for name in ("entries", "signatures"):
        data[name] = [data[name][i] for i in order]
    record["ballots"] = [record["ballots"][i] for i in order]
    tree = verify.merkle.Tree([rfc8785.dumps(e) for e in data["entries"]])
    data["leaf_hashes"] = [leaf.hex() for leaf in tree.leaves]
    data["tree_head"]["root"] = tree.root().hex()
    reseal(data)


def test_a_doubled_option_or_too_many_marks_fail_even_re_signed(
    motion: tuple[Export, list[TellerPlayer]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _players = motion
    record = data["encrypted"]
    key = bytes.fromhex(record["public_key"])
    context = BallotContext(record["poll"], record["ballots"][0]["voter"])
    # Two marks on a motion, proved against a range the poll does not allow.
    many = copy.deepcopy(data)
    substitute(many, 0, encrypt_ballot(key, [1, 1, 0], 0, 3, context).to_json())
    code, _out, err = run(many, tmp_path, capsys)
    assert code == 1
    refused = (
        ": ballot: the proof that between 1 and 1 options, or abstain alone, "
        "are marked does not hold"
    )
    assert refused in err
    # Yes and Abstain, proved as if the motion had no abstain rule: one mark
    # too many once abstain weighs as much as all the options together.
    both = copy.deepcopy(data)
    substitute(both, 0, encrypt_ballot(key, [1, 0, 1], 0, 3, context).to_json())
    code, _out, err = run(both, tmp_path, capsys)
    assert code == 1 and refused in err
    # Yes counted twice: its ciphertext encrypts 2, which no 0/1 proof covers.
    doubled = copy.deepcopy(data)
    valid = encrypt_ballot(key, [1, 0, 0], 1, 1, context).to_json()
    valid["options"][0].update(elgamal.encrypt(key, 2)[0].to_json())
    substitute(doubled, 0, valid)
    code, _out, err = run(doubled, tmp_path, capsys)
    assert code == 1 and ": option 0: the proof that it encrypts 0 or 1 does not hold" in err


def test_a_replayed_ciphertext_is_refused(
    motion: tuple[Export, list[TellerPlayer]], hall: World
) -> None:
    """A phone that reused its randomness for two roll entries makes two
    ballots with valid proofs sharing a ciphertext; the server refuses the
    second, and so does the verifier if it appears in a record."""
    data, _players = motion
    poll = Poll.objects.get(pk=data["poll"]["id"])
    record = copy.deepcopy(data["encrypted"])
    made = []
    for member, nonce in (
        (hall.voters[0], "AAAAAAAAAAAAAAAA"),
        (hall.voters[1], "BBBBBBBBBBBBBBBB"),
    ):
        entry = entry_of(poll, member)
        made.append(phone_ballot(poll, entry, nonce, ["Yes"], rng=deterministic_rng("same")))
        key = hashlib.sha256(f"{poll.pk}:{entry.pk}:{nonce}".encode()).hexdigest()
        made[-1] = {"voter": f"ballot:{key}", "ballot": made[-1]}
    for item in made:
        item["receipt"] = EncryptedBallot.from_json(item["ballot"]).tracker
    record["ballots"] = made
    with pytest.raises(encrypted_record.RecordFault, match=r"ballot 2: option 0 repeats a "):
        encrypted_record.check_ballots(
            record,
            record["poll"],
            bytes.fromhex(record["public_key"]),
            [m["receipt"] for m in made],
            3,
            (1, 1, 2),
        )


def test_a_multiple_choice_poll_checks_the_other_class_by_its_bounds(
    hall: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poll, players = decrypted_poll(
        hall, kind="multiple", options=["Red", "Green", "Blue"], max_choices=2
    )
    v = hall.voters
    marks = [["Red", "Green"], ["Green"], ["Blue", "Red"], ["Abstain"], ["Red"], ["Green"]]
    for member, labels in zip([hall.chair, *v], marks, strict=True):
        cast(poll, member, labels)
    poll = close_and_decrypt(hall, poll, players)
    data = export_file(poll, tmp_path / "multiple.json")
    code, out, err = run(data, tmp_path, capsys)
    assert code == 0, err
    assert "6 ballots' proofs hold" in out
    assert (
        "its per-option weights were NOT checked as a split of its voters' weights "
        "(each ballot's marks are secret); only their bounds were" in out
    )


def test_the_record_vectors_are_current_and_hold() -> None:
    """tests/voting/vectors/record.json: the products per weight class, the
    partials and the totals of a fixed record, for other implementations."""
    assert record_vectors.PATH.read_text(encoding="utf-8") == record_vectors.render(), (
        "run python -m tests.voting.record_vectors and review the change"
    )
    v = json.loads(record_vectors.PATH.read_text(encoding="utf-8"))
    record = v["encrypted"]
    checked = encrypted_record.check_record(
        record,
        poll_id=v["poll_id"],
        n_options=3,
        marks=(1, 1, record_vectors.ABSTAIN),
        receipts=[b["receipt"] for b in record["ballots"]],
        labels=v["labels"],
        classes=v["classes"],
    )
    weights: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    for marks, weight in zip(v["secret"]["marks"], v["secret"]["weights"], strict=True):
        for j, mark in enumerate(marks):
            weights[j] = weights.get(j, Decimal(0)) + mark * Decimal(weight)
            counts[j] = counts.get(j, 0) + mark
    assert checked.decrypted.weights == weights and checked.decrypted.counts == counts
    assert weights == {0: Decimal("4.5"), 1: Decimal("1.75"), 2: Decimal("1")}
