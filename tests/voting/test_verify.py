"""The stand-alone verifier on real exports: the untouched file verifies, and
each tampering makes it exit non-zero naming the fault."""

from __future__ import annotations

import ast
import base64
import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import World
from tests.voting.audit_helpers import ClosedPoll, closed_poll, export_file, weigh_and_delegate
from voting import keys, verify
from voting.models import Ballot

ROOT = Path(__file__).resolve().parents[2]
# What the verifier imports for an encrypted poll's record (format 4).
CRYPTO = sorted(f"crypto/{p.name}" for p in (ROOT / "voting" / "crypto").glob("*.py"))
Export = dict[str, Any]


@pytest.fixture
def polls(live_world: World) -> tuple[ClosedPoll, ClosedPoll]:
    """Two closed polls of one meeting: secret first, then named."""
    weigh_and_delegate(live_world)
    first = closed_poll(live_world, secrecy="secret", title="Adopt the budget?")
    second = closed_poll(live_world, secrecy="named", title="Adopt the minutes?")
    return first, second


@pytest.fixture
def secret_export(polls: tuple[ClosedPoll, ClosedPoll], tmp_path: Path) -> Export:
    return export_file(polls[0].poll, tmp_path / "secret.json")


@pytest.fixture
def named_export(polls: tuple[ClosedPoll, ClosedPoll], tmp_path: Path) -> Export:
    return export_file(polls[1].poll, tmp_path / "named.json")


def run(
    data: Export, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    path = tmp_path / "checked.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code = verify.main([str(path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def resign(head: dict[str, Any], key: Ed25519PrivateKey) -> None:
    body = {k: v for k, v in head.items() if k != "signature"}
    head["signature"] = base64.b64encode(key.sign(rfc8785.dumps(body))).decode()


def leaves(data: Export) -> None:
    """Recompute the leaf hashes, as a forger who understands the format would."""
    tree = verify.merkle.Tree([rfc8785.dumps(e) for e in data["entries"]])
    data["leaf_hashes"] = [leaf.hex() for leaf in tree.leaves]


def option(data: Export, label: str) -> int:
    return next(o["id"] for o in data["poll"]["options"] if o["label"] == label)


# --- untouched exports ---------------------------------------------------------------------


@pytest.mark.parametrize("which", ["secret", "named"])
def test_untouched_export_verifies_with_a_one_line_summary(
    which: str,
    secret_export: Export,
    named_export: Export,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = secret_export if which == "secret" else named_export
    code, out, err = run(data, tmp_path, capsys, "--public-key", keys.public_key_b64())
    assert (code, err) == (0, "")
    # A secret poll adds a line: its weight classes and what was checked of them.
    lines = 4 if which == "secret" else 3
    assert out.count("\n") == lines and out.startswith(f"OK: poll {data['poll']['id']} ")
    assert f"\nkey fingerprint: {keys.fingerprint()}\n" in out
    assert "4 ballots" in out and "result recounted" in out
    # What the export holds: a proxy, a paper ballot, non-integer weights; on
    # the secret poll every weight is one voter's, so none is shown.
    if which == "secret":
        assert {e["class"] for e in data["entries"]} == {"other"}
        assert "weight" not in str(data["entries"])
        assert data["tree_head"]["weight_classes"] == {
            "smallest": 3,
            "classes": [],
            "other": {"ballots": 4, "weight": "5.5833"},
        }
    else:
        assert {e["weight"] for e in data["entries"]} == {"1.0000", "2.5000", "1.3333", "0.7500"}
        assert "weight_classes" not in data["tree_head"]
    assert any(r["cast_by"] for r in data["roll"]["entitled"])
    assert data["tree_head"]["size"] == 4 == len(data["entries"])
    assert [e["receipt"] for e in data["entries"]] == sorted(e["receipt"] for e in data["entries"])
    if which == "secret":
        assert all("voter" not in e for e in data["entries"])
    else:
        assert all("voter" in e for e in data["entries"])
        assert len(data["previous_heads"]) == 1


def test_receipt_is_found_and_an_unknown_one_refused(
    polls: tuple[ClosedPoll, ClosedPoll],
    secret_export: Export,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code_, (_name, labels) = next(iter(polls[0].ballots.items()))
    dashed = "-".join(code_[i : i + 4] for i in range(0, len(code_), 4)).lower()
    pin = ("--fingerprint", keys.fingerprint())
    code, out, _err = run(secret_export, tmp_path, capsys, "--receipt", dashed, *pin)
    assert code == 0
    assert f"receipt {code_} is included as entry" in out
    chosen = option(secret_export, labels[0])
    assert f"with choices [{chosen}]" in out
    code, _out, err = run(secret_export, tmp_path, capsys, "--receipt", "AAAAAAAAAAAAAAAA")
    assert code == 1
    assert "receipt AAAAAAAAAAAAAAAA: not on the board" in err


def test_public_key_mismatch_is_refused(
    secret_export: Export, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    code, _out, err = run(
        secret_export, tmp_path, capsys, "--public-key", base64.b64encode(other).decode()
    )
    assert code == 1
    assert "the file's key is not the one given with --public-key" in err


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    assert verify.main([str(path)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_format_2_record_still_verifies(
    live_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A secret poll opened before format 3: weights in every entry and under
    every signature, no weight classes; the verifier still checks it whole,
    and still recounts from each entry's weight."""
    weigh_and_delegate(live_world)
    closed = closed_poll(live_world, secrecy="secret", record_format=2)
    data = export_file(closed.poll, tmp_path / "old.json")
    assert data["format"] == verify.FORMAT_2 == "union-meetings-audit/2"
    assert {e["weight"] for e in data["entries"]} == {"1.0000", "2.5000", "1.3333", "0.7500"}
    assert "weight_classes" not in data["tree_head"]
    code, out, err = run(data, tmp_path, capsys, "--fingerprint", keys.fingerprint())
    assert (code, err) == (0, ""), err
    assert out.count("\n") == 3 and "result recounted" in out
    data["entries"][0]["weight"] = "9.0000"
    leaves(data)
    code, _out, err = run(data, tmp_path, capsys, "--fingerprint", keys.fingerprint())
    assert code == 1 and "root does not match" in err


# --- tampering -------------------------------------------------------------------------------


def change_choice(data: Export) -> None:
    entry = data["entries"][0]
    yes, no = option(data, "Yes"), option(data, "No")
    entry["choices"] = [no if entry["choices"] == [yes] else yes]


def change_choice_and_leaves(data: Export) -> None:
    change_choice(data)
    leaves(data)


def drop_entry(data: Export) -> None:
    for key in ("entries", "signatures", "leaf_hashes"):
        del data[key][1]


def duplicate_entry(data: Export) -> None:
    for key in ("entries", "signatures", "leaf_hashes"):
        data[key].insert(2, copy.deepcopy(data[key][1]))


def change_weight(data: Export) -> None:
    """The weight, or on a secret poll the weight class."""
    entry = data["entries"][2]
    entry["weight" if "weight" in entry else "class"] = "9.0000"


def change_weight_and_leaves(data: Export) -> None:
    change_weight(data)
    leaves(data)


def reorder_entries(data: Export) -> None:
    for key in ("entries", "signatures", "leaf_hashes"):
        data[key][0], data[key][1] = data[key][1], data[key][0]


def alter_result(data: Export) -> None:
    data["result"]["carried"] = not data["result"]["carried"]


def alter_result_in_head_too(data: Export) -> None:
    alter_result(data)
    data["tree_head"]["result"] = copy.deepcopy(data["result"])


def replace_head_signature(data: Export) -> None:
    resign(data["tree_head"], Ed25519PrivateKey.generate())


def replace_entry_signature(data: Export) -> None:
    data["signatures"][0] = data["signatures"][1]


def alter_log_event(data: Export) -> None:
    data["meeting_log"][2]["actor"] = "Someone else"


def alter_title(data: Export) -> None:
    data["poll"]["title"] = "Adopt a different budget?"


def swap_labels(data: Export) -> None:
    options = data["poll"]["options"]
    options[0]["label"], options[1]["label"] = options[1]["label"], options[0]["label"]


def change_roll_weight(data: Export) -> None:
    data["roll"]["entitled"][0]["weight"] = "7.0000"


TAMPERING: list[tuple[str, Callable[[Export], None], str]] = [
    ("one choice changed", change_choice, "entry 1: leaf hash mismatch"),
    ("choice changed, leaves redone", change_choice_and_leaves, "root does not match"),
    ("an entry dropped", drop_entry, "tree head: size 4 but the file has 3 entries"),
    ("an entry duplicated", duplicate_entry, "entry 3: receipt"),
    ("a weight changed", change_weight, "entry 3: leaf hash mismatch"),
    ("weight changed, leaves redone", change_weight_and_leaves, "root does not match"),
    ("entries reordered", reorder_entries, "entry 2: entries are not in receipt order"),
    ("the result altered", alter_result, "result: differs from the result in the signed"),
    ("result altered in the head", alter_result_in_head_too, "tree head: signature does not"),
    ("head signature replaced", replace_head_signature, "tree head: signature does not verify"),
    ("entry signature replaced", replace_entry_signature, "entry 1: signature does not verify"),
    ("a log event altered", alter_log_event, "meeting log event 3: hash mismatch"),
    ("the question altered", alter_title, "poll: definition does not match"),
    ("option labels swapped", swap_labels, "poll: definition does not match"),
    ("a roll weight altered", change_roll_weight, "tree head: roll hash does not match"),
]


@pytest.mark.parametrize(("fault", "tamper", "message"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_is_caught_and_named(
    fault: str,
    tamper: Callable[[Export], None],
    message: str,
    secret_export: Export,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = copy.deepcopy(secret_export)
    tamper(data)
    code, out, err = run(data, tmp_path, capsys)
    assert code == 1, fault
    assert out == ""
    assert err.startswith("FAILED: ") and message in err, err
    if fault == "an entry duplicated":
        assert "appears twice" in err


def test_options_swapped_without_the_definition_hash_are_still_caught(
    secret_export: Export, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The signed result names every option with its label and role."""
    data = copy.deepcopy(secret_export)
    swap_labels(data)
    del data["tree_head"]["definition_hash"]  # then the head's signature fails first
    code, _out, err = run(data, tmp_path, capsys)
    assert code == 1 and "tree head: signature does not verify" in err
    definition = copy.deepcopy(secret_export["poll"])
    swap_labels({"poll": definition})
    with pytest.raises(verify.Fault, match="options differ"):
        head = {k: v for k, v in secret_export["tree_head"].items() if k != "definition_hash"}
        verify.check_definition(definition, head)


def test_chain_broken(
    named_export: Export, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The previous head altered: its signature no longer holds.
    data = copy.deepcopy(named_export)
    data["previous_heads"][0]["root"] = "00" * 32
    code, _out, err = run(data, tmp_path, capsys)
    assert code == 1 and "previous head 1: signature does not verify" in err
    # The previous head left out: the chain no longer starts where it should.
    data = copy.deepcopy(named_export)
    data["previous_heads"] = []
    code, _out, err = run(data, tmp_path, capsys)
    assert code == 1 and "tree head: chain broken" in err
    # The previous head swapped for this one: the chain does not lead here.
    data = copy.deepcopy(named_export)
    data["previous_heads"] = [copy.deepcopy(data["tree_head"])]
    code, _out, err = run(data, tmp_path, capsys)
    assert code == 1 and "chain broken" in err


def test_named_export_names_each_voter_and_a_swapped_voter_is_caught(
    polls: tuple[ClosedPoll, ClosedPoll],
    named_export: Export,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = {r["member_id"]: r["name"] for r in named_export["roll"]["entitled"]}
    for entry in named_export["entries"]:
        name, labels = polls[1].ballots[entry["receipt"]]
        assert names[entry["voter"]] == name
        assert entry["choices"] == [option(named_export, labels[0])]
    data = copy.deepcopy(named_export)
    data["entries"][0]["voter"], data["entries"][1]["voter"] = (
        data["entries"][1]["voter"],
        data["entries"][0]["voter"],
    )
    code, _out, err = run(data, tmp_path, capsys)
    assert code == 1 and "entry 1: leaf hash mismatch" in err


def test_database_changed_after_the_close_is_caught(
    polls: tuple[ClosedPoll, ClosedPoll], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone with database access changes a ballot after the seal: the
    fresh export no longer matches the signed head."""
    poll = polls[0].poll
    ballot = Ballot.objects.filter(poll=poll).order_by("receipt_code").first()
    assert ballot is not None
    yes = poll.options.get(label="Yes").pk
    no = poll.options.get(label="No").pk
    ballot.choices = [no] if ballot.choices == [yes] else [yes]
    ballot.save()
    data = export_file(poll, tmp_path / "after.json")
    code, _out, err = run(data, tmp_path, capsys)
    assert code == 1
    assert "entry 1: signature does not verify" in err or "root does not match" in err


# --- independence from the server ------------------------------------------------------------


def test_verifier_runs_where_django_cannot_be_imported(
    secret_export: Export, tmp_path: Path
) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(secret_export), encoding="utf-8")
    code_ = secret_export["entries"][0]["receipt"]
    fp = keys.fingerprint()
    script = (
        "import sys; sys.modules['django'] = None; import runpy; "
        f"sys.argv = ['voting.verify', {str(path)!r}, '--receipt', {code_!r}, "
        f"'--fingerprint', {fp!r}]; "
        "runpy.run_module('voting.verify', run_name='__main__')"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"OK: poll {secret_export['poll']['id']} ")
    assert f"receipt {code_} is included" in done.stdout
    # As a script, from anywhere, by its path.
    as_script = [sys.executable, str(ROOT / "voting" / "verify.py"), str(path), "--fingerprint", fp]
    done = subprocess.run(
        as_script, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"OK: poll {secret_export['poll']['id']} ")
    # Tampered, the same subprocess fails and says why.
    secret_export["entries"][0]["class"] = "3.0000"
    path.write_text(json.dumps(secret_export), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "FAILED: entry 1: leaf hash mismatch" in done.stderr


@pytest.mark.parametrize(
    "module",
    ["verify.py", "merkle.py", "rules.py", "encrypted_record.py", *CRYPTO],
)
def test_verifier_modules_import_nothing_of_the_server(module: str) -> None:
    tree = ast.parse((ROOT / "voting" / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"django", "rest_framework", "channels", "meetings", "documents"}
    assert (ROOT / "voting" / "__init__.py").read_text(encoding="utf-8").strip() == ""


def test_a_format_2_sentence_in_an_earlier_wording_is_named_not_failed(
    live_world: World, tmp_path: Path
) -> None:
    """Records sealed before names were isolated and counts took plural
    forms keep their wording: the verifier names those sentences in its
    summary instead of failing the file. A format 3 record may not."""
    weigh_and_delegate(live_world)
    closed = closed_poll(live_world, secrecy="named", record_format=2)
    data = export_file(closed.poll, tmp_path / "old.json")
    poll, result = data["poll"], data["result"]
    entries = verify.check_entries(data, poll)
    assert verify.check_sentences(poll, entries, result, verify.LOCALE, earlier_wording=True) == []
    earlier = "Carried (earlier wording)."
    older = {**result, "sentence": earlier, "sentences": {**result["sentences"], "en": earlier}}
    named = verify.check_sentences(poll, entries, older, verify.LOCALE, earlier_wording=True)
    assert named == ["en (worded by an earlier version)"]
    with pytest.raises(verify.Fault, match="the en sentence is not what the rule gives"):
        verify.check_sentences(poll, entries, older, verify.LOCALE)
