"""Stand-alone verifier of a poll's audit export.

    python -m voting.verify FILE [--receipt CODE] [--public-key KEY]

Needs only the standard library, `cryptography` and `rfc8785`, plus the two
Django-free modules beside it (merkle, rules): it trusts nothing the server
says without checking it. Exit 0 with a one-line summary when everything
holds; exit 1 naming the first fault ("entry 17: leaf hash mismatch"); exit 2
when the file cannot be read. The format is in docs/audit-format.md.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from voting import merkle, rules

FORMAT = "union-meetings-audit/1"
WEIGHT = re.compile(r"^(0|[1-9][0-9]{0,7})\.[0-9]{4}$")
RECEIPT = re.compile(r"^[A-Z2-7]{10,32}$")


class Fault(Exception):
    """The export does not hold; the message names what and where."""


def canonical(value: Any) -> bytes:
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def head_hash(head: dict[str, Any]) -> str:
    """The hash that the next head chains to: over the signed head."""
    return sha256_hex(canonical(head))


def load_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise Fault(f"public key: not a base64 Ed25519 key ({exc})") from exc


def key_fingerprint(text: str) -> str:
    """SHA-256 of the raw public key, first 32 hex digits in groups of four
    (what the projector and the board show)."""
    digest = sha256_hex(base64.b64decode(text))[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def check_signature(key: Ed25519PublicKey, signature: Any, message: bytes, what: str) -> None:
    try:
        key.verify(base64.b64decode(str(signature), validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        raise Fault(f"{what}: signature does not verify") from None


def weight(value: Any, what: str) -> Decimal:
    if not isinstance(value, str) or not WEIGHT.match(value):
        raise Fault(f"{what}: weight {value!r} is not a decimal string with four places")
    return Decimal(value)


def require(data: dict[str, Any], key: str, kind: type, what: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Fault(f"{what}: missing or malformed {key!r}")
    return value


# --- the checks -----------------------------------------------------------------


def check_heads(export: dict[str, Any], key: Ed25519PublicKey) -> dict[str, Any]:
    """Every head signed, and chained: each names the hash of the one before."""
    head = require(export, "tree_head", dict, "file")
    chain = require(export, "previous_heads", list, "file")
    previous: str | None = None
    for number, earlier in enumerate([*chain, head], start=1):
        what = "tree head" if earlier is head else f"previous head {number}"
        if not isinstance(earlier, dict):
            raise Fault(f"{what}: not an object")
        body = {k: v for k, v in earlier.items() if k != "signature"}
        check_signature(key, earlier.get("signature"), canonical(body), what)
        if earlier.get("meeting") != head.get("meeting"):
            raise Fault(f"{what}: belongs to another meeting")
        if earlier.get("previous_head_hash") != previous:
            raise Fault(f"{what}: chain broken (previous_head_hash does not match)")
        previous = head_hash(earlier)
    return head


def check_definition(poll: dict[str, Any], head: dict[str, Any]) -> None:
    """The poll's question, options and rule are the ones the head signed."""
    body = {k: v for k, v in poll.items() if k != "tie_decision"}
    if "definition_hash" in head and head["definition_hash"] != sha256_hex(canonical(body)):
        raise Fault("poll: definition does not match the hash in the signed tree head")
    result = head.get("result")
    if not isinstance(result, dict):
        raise Fault("tree head: missing or malformed 'result'")
    signed = [(o.get("id"), o.get("role"), o.get("label")) for o in result.get("options", [])]
    given = [
        (o.get("id"), o.get("role"), o.get("label"))
        for o in sorted(require(poll, "options", list, "poll"), key=lambda o: o.get("position"))
    ]
    if signed != given:
        raise Fault("poll: options differ from those in the signed result")
    if result.get("rule") != poll.get("rule"):
        raise Fault("poll: rule differs from the one in the signed result")
    if result.get("lot_seed", "") != poll.get("lot_seed", ""):
        raise Fault("poll: lot seed differs from the one in the signed result")


def check_entries(export: dict[str, Any], poll: dict[str, Any]) -> list:
    entries = require(export, "entries", list, "file")
    signatures = require(export, "signatures", list, "file")
    if len(signatures) != len(entries):
        raise Fault(f"file: {len(entries)} entries but {len(signatures)} signatures")
    named = poll.get("secrecy") == "named"
    expected_keys = {"poll", "receipt", "choices", "weight"} | ({"voter"} if named else set())
    previous = ""
    for i, entry in enumerate(entries, start=1):
        what = f"entry {i}"
        if not isinstance(entry, dict) or set(entry) != expected_keys:
            raise Fault(f"{what}: fields are not {sorted(expected_keys)}")
        if entry["poll"] != poll["id"]:
            raise Fault(f"{what}: belongs to poll {entry['poll']!r}, not {poll['id']}")
        receipt = entry["receipt"]
        if not isinstance(receipt, str) or not RECEIPT.match(receipt):
            raise Fault(f"{what}: malformed receipt {receipt!r}")
        if receipt == previous:
            raise Fault(f"{what}: receipt {receipt} appears twice")
        if receipt < previous:
            raise Fault(f"{what}: entries are not in receipt order")
        previous = receipt
        weight(entry["weight"], what)
    return entries


def check_entry_signatures(export: dict[str, Any], entries: list, key: Ed25519PublicKey) -> None:
    """Each entry carries the signed receipt the voter was given."""
    for i, (entry, signature) in enumerate(zip(entries, export["signatures"], strict=True), 1):
        check_signature(key, signature, canonical(entry), f"entry {i}")


def check_tree(export: dict[str, Any], entries: list, head: dict[str, Any]) -> merkle.Tree:
    tree = merkle.Tree([canonical(e) for e in entries])
    if head.get("size") != tree.size:
        raise Fault(f"tree head: size {head.get('size')!r} but the file has {tree.size} entries")
    leaves = require(export, "leaf_hashes", list, "file")
    if len(leaves) != tree.size:
        raise Fault(f"file: {len(leaves)} leaf hashes for {tree.size} entries")
    for i, (given, computed) in enumerate(zip(leaves, tree.leaves, strict=True), start=1):
        if given != computed.hex():
            raise Fault(f"entry {i}: leaf hash mismatch")
    if head.get("root") != tree.root().hex():
        raise Fault("tree head: root does not match the entries")
    return tree


def check_choices(poll: dict[str, Any], entries: list) -> None:
    options = {o["id"]: rules.Role(o["role"]) for o in poll["options"]}
    yes_no = rules.Role.NO in options.values()
    low, high = poll["min_choices"], poll["max_choices"]
    for i, entry in enumerate(entries, start=1):
        choices = entry["choices"]
        what = f"entry {i}"
        if not isinstance(choices, list) or choices != sorted(set(choices)):
            raise Fault(f"{what}: choices are not a sorted list of distinct option ids")
        if any(c not in options for c in choices):
            raise Fault(f"{what}: chooses an option the poll does not have")
        roles = [options[c] for c in choices]
        if rules.Role.ABSTAIN in roles:
            if len(choices) != 1:
                raise Fault(f"{what}: abstains and chooses at once")
        elif yes_no and len(choices) != 1:
            raise Fault(f"{what}: must choose exactly one answer")
        elif not yes_no and not low <= len(choices) <= high:
            raise Fault(f"{what}: {len(choices)} choices, the poll allows {low} to {high}")


def check_roll(export: dict[str, Any], entries: list, head: dict[str, Any]) -> None:
    roll = require(export, "roll", dict, "file")
    entitled = require(roll, "entitled", list, "roll")
    voted = require(roll, "voted", list, "roll")
    if head.get("roll_hash") != sha256_hex(canonical(roll)):
        raise Fault("tree head: roll hash does not match the roll")
    by_member: dict[str, Decimal] = {}
    for row in entitled:
        name = str(row.get("member_id"))
        if name in by_member:
            raise Fault(f"roll: member {name} is entitled twice")
        by_member[name] = weight(row.get("weight"), f"roll member {name}")
    voted_weights: Counter[Decimal] = Counter()
    for row in voted:
        name = str(row.get("member_id"))
        if name not in by_member:
            raise Fault(f"roll: member {name} voted but is not on the entitled roll")
        voted_weights[by_member[name]] += 1
    if len(set(map(str, (r.get("member_id") for r in voted)))) != len(voted):
        raise Fault("roll: a member is listed as having voted twice")
    ballot_weights = Counter(Decimal(e["weight"]) for e in entries)
    if ballot_weights != voted_weights:
        raise Fault("entries: ballot weights do not match the weights of those who voted")
    total = sum((Decimal(e["weight"]) for e in entries), Decimal(0))
    if Decimal(str(head.get("total_weight"))) != total:
        raise Fault(
            f"tree head: total weight {head.get('total_weight')} but ballots add to {total}"
        )
    if export.get("poll", {}).get("secrecy") == "named":
        names = Counter(e["voter"] for e in entries)
        if names != Counter(str(r.get("member_id")) for r in voted):
            raise Fault("entries: named voters do not match those who voted")


def recount(poll: dict[str, Any], entries: list) -> tuple[rules.Outcome, rules.Totals]:
    options = [
        rules.Option(o["id"], rules.Role(o["role"]), o["label"])
        for o in sorted(poll["options"], key=lambda o: o["position"])
    ]
    abstain_ids = {o.id for o in options if o.role is rules.Role.ABSTAIN}
    by_option: dict[int, Decimal] = {}
    cast = abstain = Decimal(0)
    for entry in entries:
        w = Decimal(entry["weight"])
        cast += w
        if any(c in abstain_ids for c in entry["choices"]):
            abstain += w
        for c in entry["choices"]:
            by_option[c] = by_option.get(c, Decimal(0)) + w
    totals = rules.Totals(
        by_option=by_option,
        cast=cast,
        abstain=abstain,
        present=Decimal(poll["present_weight"]),
        entitled=Decimal(poll["entitled_weight"]),
    )
    rule = rules.Rule(
        rules.Majority(poll["rule"]["majority"]),
        rules.Base(poll["rule"]["base"]),
        rules.TieRule(poll["rule"]["tie"]),
    )
    outcome = rules.decide(
        rules.Kind(poll["kind"]),
        options,
        totals,
        rule,
        seats=poll["seats"],
        seed=poll.get("lot_seed", ""),
    )
    return outcome, totals


def check_result(export: dict[str, Any], poll: dict[str, Any], entries: list, head: dict) -> None:
    """The sealed result is what the rule gives for these ballots; a tie the
    rule left to the chair was decided among the tied options."""
    result = require(export, "result", dict, "file")
    if head.get("result") != result:
        raise Fault("result: differs from the result in the signed tree head")
    outcome, totals = recount(poll, entries)
    announced = {str(o["id"]): o for o in result.get("options", [])}
    for option_id in set(totals.by_option) | {int(k) for k in announced}:
        w = totals.by_option.get(option_id, Decimal(0))
        if Decimal(str(announced.get(str(option_id), {}).get("weight", "0"))) != w:
            raise Fault(f"result: option {option_id} has a weight the ballots do not give")
    if Decimal(str(result.get("cast_weight"))) != totals.cast:
        raise Fault("result: weight cast does not match the ballots")
    if result.get("ballots") != len(entries):
        raise Fault("result: number of ballots does not match the entries")
    if sorted(result.get("winners") or []) != sorted(outcome.winners):
        raise Fault("result: the announced winners are not what the rule gives")
    if result.get("carried") != outcome.carried:
        raise Fault("result: carried / not carried is not what the rule gives")
    if sorted(result.get("tied") or []) != sorted(outcome.tied):
        raise Fault("result: the tie is not the one the rule gives")
    decision = poll.get("tie_decision")
    final = export.get("final_result") or {}
    if decision:
        picks = list(decision.get("winners") or [])
        if not set(picks) <= set(outcome.tied):
            raise Fault("result: the chair's tie decision is not among the tied options")
        if sorted(final.get("winners") or []) != sorted(outcome.winners + picks):
            raise Fault("result: the final winners do not follow from the chair's decision")
        logged = [
            e
            for e in export.get("meeting_log") or []
            if isinstance(e, dict)
            and e.get("action") == "poll.tie_decided"
            and isinstance(e.get("data"), dict)
            and e["data"].get("poll") == poll.get("id")
        ]
        if not logged or sorted(logged[-1]["data"].get("winners") or []) != sorted(picks):
            raise Fault("result: the chair's tie decision is not the one in the meeting log")
    elif final and final != result:
        raise Fault("result: the final result differs from the sealed one without a tie decision")


def check_log(export: dict[str, Any], head: dict[str, Any], key: Ed25519PublicKey) -> int:
    """The meeting's event log is a hash chain, signed at its end; the tree
    head names the hash the log had when the poll was sealed."""
    log = require(export, "meeting_log", list, "file")
    previous: str | None = None
    seen = set()
    for i, event in enumerate(log, start=1):
        if not isinstance(event, dict):
            raise Fault(f"meeting log event {i}: not an object")
        body = {k: v for k, v in event.items() if k != "hash"}
        if event.get("number") != i or event.get("previous") != previous:
            raise Fault(f"meeting log event {i}: chain broken")
        if event.get("hash") != sha256_hex(canonical(body)):
            raise Fault(f"meeting log event {i}: hash mismatch")
        previous = event["hash"]
        seen.add(previous)
    if head.get("log_hash") is not None and head["log_hash"] not in seen:
        raise Fault("meeting log: does not contain the hash the tree head names")
    log_head = require(export, "log_head", dict, "file")
    body = {k: v for k, v in log_head.items() if k != "signature"}
    check_signature(key, log_head.get("signature"), canonical(body), "meeting log head")
    if log_head.get("size") != len(log) or log_head.get("hash") != previous:
        raise Fault("meeting log: does not end where its signed head says")
    return len(log)


def verify(export: Any, *, public_key: str | None = None, receipt: str | None = None) -> str:
    """Check everything; return the summary line or raise Fault."""
    if not isinstance(export, dict) or export.get("format") != FORMAT:
        raise Fault(f"file: not a {FORMAT} export")
    key_text = require(export, "public_key", str, "file")
    if public_key is not None and public_key.strip() != key_text:
        raise Fault("public key: the file's key is not the one given with --public-key")
    key = load_key(key_text)
    if "fingerprint" in export and export["fingerprint"] != key_fingerprint(key_text):
        raise Fault("public key: the fingerprint in the file is not the key's")
    poll = require(export, "poll", dict, "file")
    head = check_heads(export, key)
    if head.get("poll") != poll.get("id") or head.get("meeting") != poll.get("meeting"):
        raise Fault("tree head: names another poll")
    check_definition(poll, head)
    entries = check_entries(export, poll)
    tree = check_tree(export, entries, head)
    check_entry_signatures(export, entries, key)
    check_choices(poll, entries)
    check_roll(export, entries, head)
    check_result(export, poll, entries, head)
    events = check_log(export, head, key)
    summary = (
        f"OK: poll {poll['id']} ({poll.get('title', '')!s}): {tree.size} ballots, "
        f"root {tree.root().hex()[:16]}…, result recounted, {events} meeting events chained"
    )
    if receipt is not None:
        summary += "; " + check_receipt(entries, tree, receipt)
    return summary


def check_receipt(entries: Sequence[dict[str, Any]], tree: merkle.Tree, code: str) -> str:
    wanted = re.sub(r"[\s-]", "", code).upper()
    for index, entry in enumerate(entries):
        if entry["receipt"] == wanted:
            proof = tree.inclusion_proof(index)
            if not merkle.verify_inclusion(index, tree.size, canonical(entry), proof, tree.root()):
                raise Fault(f"receipt {wanted}: inclusion proof does not verify")
            return (
                f"receipt {wanted} is included as entry {index + 1} with choices {entry['choices']}"
            )
    raise Fault(f"receipt {wanted}: not on the board")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voting.verify", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--receipt", help="check that this receipt code is included")
    parser.add_argument("--public-key", help="the installation's key (base64), to pin it")
    args = parser.parse_args(argv)
    try:
        export = json.loads(args.file.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        print(verify(export, public_key=args.public_key, receipt=args.receipt))
    except Fault as fault:
        print(f"FAILED: {fault}", file=sys.stderr)
        return 1
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        print(f"FAILED: malformed export ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
