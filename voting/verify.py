"""Stand-alone verifier of a poll's audit export.

    python voting/verify.py FILE [--fingerprint FP | --public-key KEY]
        [--expect-head HASH] [--receipt CODE] [--locale DIR]
    python -m voting.verify FILE ...

Needs only the standard library, `cryptography` and `rfc8785`, plus the two
Django-free modules beside it (merkle, rules), and for the sentences of other
languages the project's locale/*.po catalogues: it trusts nothing the server
says without checking it. Exit 0 with a summary when everything holds and
the key is pinned (--fingerprint or --public-key); exit 1 naming the first
fault ("entry 17: leaf hash mismatch"); exit 2 when the file cannot be read;
exit 3 when everything holds but no key was pinned (anyone can sign a file
with a key of their own). The format is in docs/audit-format.md: version 3,
where a secret poll's entries show weight classes rather than weights (the
summary then says what was checked of the merged class), version 2, and
version 4, an encrypted poll's: for it the verifier also imports
voting/encrypted_record.py and voting/crypto/ (with `rbcl`), checks every
proof of the tellers' key, the ballots and the partial decryptions,
recomputes the products, finds the totals and recounts from them.
"""

from __future__ import annotations

import argparse
import base64
import gettext as gettext_module
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):  # run as a script: import `voting` from beside it,
    # and not the modules of voting/ as if they were top level (selectors, ...).
    _here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p not in ("", _here)]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from voting import merkle, rules

if TYPE_CHECKING:  # imported when needed: only an encrypted poll's record needs the crypto
    from voting.encrypted_record import Checked

FORMAT = "union-meetings-audit/3"
FORMAT_2 = "union-meetings-audit/2"  # still verified: weights in every entry
# An encrypted poll's record: format 3's entries, whose receipts are the
# ballots' trackers and whose choices are empty, and the encrypted record
# (ceremony, ballots, products, partial decryptions, totals; section 11).
FORMAT_ENCRYPTED = "union-meetings-audit/4"
FORMATS = (FORMAT_2, FORMAT, FORMAT_ENCRYPTED)
# On a secret poll (format 3) an entry shows its weight only when at least
# this many ballots of the poll carry that weight; the others are in the
# merged class OTHER, which has at least as many ballots (or all of them).
CLASS_SIZE = 3
OTHER = "other"
# Splitting the merged class's weight among the options is a search; past
# this many steps the verifier says it did not decide, rather than hang.
SPLIT_BUDGET = 200_000
# Exit statuses.
OK, FAILED, UNREADABLE, NOT_PINNED = 0, 1, 2, 3
LOCALE = Path(__file__).resolve().parent.parent / "locale"
WEIGHT = re.compile(r"^(0|[1-9][0-9]{0,7})\.[0-9]{4}$")
RECEIPT = re.compile(r"^[A-Z2-7]{10,32}$")
TRACKER = re.compile(r"^[0-9a-f]{64}$")  # an encrypted ballot's receipt


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


def weight_text(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.0001")))


def weight_classes(weights: Iterable[Decimal], smallest: int = CLASS_SIZE) -> dict[str, Any]:
    """The weight classes of a secret poll's ballots, from the weights of those
    who voted (the server signs this at the close; the verifier derives it
    from the sealed roll).

    A weight shared by at least `smallest` ballots is a class shown in the
    entries; rarer weights are merged into OTHER. While OTHER has some but
    fewer than `smallest` ballots, it is topped up from a shown class that
    can give the ballots missing and keep `smallest` (the one with the most
    ballots, then the lowest weight); when none can, the class with the
    fewest ballots (then the lowest weight) joins OTHER whole. Each class
    lists the ballots that show its weight."""
    counts = Counter(Decimal(w) for w in weights)
    shown = {w: n for w, n in counts.items() if n >= smallest}
    merged = Counter({w: n for w, n in counts.items() if n < smallest})
    while 0 < sum(merged.values()) < smallest and shown:
        need = smallest - sum(merged.values())
        donors = [w for w, n in shown.items() if n - need >= smallest]
        if donors:
            donor = min(donors, key=lambda w: (-shown[w], w))
            shown[donor] -= need
            merged[donor] += need
        else:
            joining = min(shown, key=lambda w: (shown[w], w))
            merged[joining] += shown.pop(joining)
    return {
        "smallest": smallest,
        "classes": [{"weight": weight_text(w), "ballots": shown[w]} for w in sorted(shown)],
        "other": {
            "ballots": sum(merged.values()),
            "weight": weight_text(sum((w * n for w, n in merged.items()), Decimal(0))),
        },
    }


def class_labels(weights: Sequence[Decimal], classes: dict[str, Any]) -> list[str]:
    """The class each ballot shows, for ballots of these `weights` in tree
    (receipt) order: its weight when its class is shown, else OTHER. A class
    that topped up OTHER shows its weight on its last ballots in tree order
    (receipts are random: which ones says nothing)."""
    texts = [weight_text(w) for w in weights]
    total = Counter(texts)
    to_other = Counter({c["weight"]: total[c["weight"]] - c["ballots"] for c in classes["classes"]})
    shown = set(to_other)
    labels = []
    for text in texts:
        if text in shown and to_other[text] <= 0:
            labels.append(text)
        else:
            to_other[text] -= 1
            labels.append(OTHER)
    return labels


def signed_ballot(entry: dict[str, Any]) -> dict[str, Any]:
    """The part of an entry the voter's receipt signature covers: all of it,
    but the weight class given at the close."""
    return {k: v for k, v in entry.items() if k != "class"}


def classed(export: dict[str, Any]) -> bool:
    """The entries carry weight classes, not weights (secret polls, format 3)."""
    return (
        export.get("format") in (FORMAT, FORMAT_ENCRYPTED)
        and export.get("poll", {}).get("secrecy") != "named"
    )


def encrypted(export: dict[str, Any]) -> bool:
    """An encrypted poll's record (format 4)."""
    return export.get("format") == FORMAT_ENCRYPTED


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
    hidden = classed(export)
    expected_keys = {"poll", "receipt", "choices", "class" if hidden else "weight"}
    if named:
        expected_keys.add("voter")
    receipts = TRACKER if encrypted(export) else RECEIPT
    previous = ""
    for i, entry in enumerate(entries, start=1):
        what = f"entry {i}"
        if not isinstance(entry, dict) or set(entry) != expected_keys:
            raise Fault(f"{what}: fields are not {sorted(expected_keys)}")
        if entry["poll"] != poll["id"]:
            raise Fault(f"{what}: belongs to poll {entry['poll']!r}, not {poll['id']}")
        receipt = entry["receipt"]
        if not isinstance(receipt, str) or not receipts.match(receipt):
            raise Fault(f"{what}: malformed receipt {receipt!r}")
        if receipt == previous:
            raise Fault(f"{what}: receipt {receipt} appears twice")
        if receipt < previous:
            raise Fault(f"{what}: entries are not in receipt order")
        previous = receipt
        if not hidden:
            weight(entry["weight"], what)
        elif entry["class"] != OTHER:
            weight(entry["class"], f"{what}: class")
    return entries


def check_entry_signatures(export: dict[str, Any], entries: list, key: Ed25519PublicKey) -> None:
    """Each entry carries the signed receipt the voter was given."""
    for i, (entry, signature) in enumerate(zip(entries, export["signatures"], strict=True), 1):
        check_signature(key, signature, canonical(signed_ballot(entry)), f"entry {i}")


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


def check_sealed_choices(poll: dict[str, Any], entries: list) -> None:
    """An encrypted poll's entries show no choices: they are in its ballots."""
    for i, entry in enumerate(entries, start=1):
        if entry["choices"] != []:
            raise Fault(f"entry {i}: an encrypted ballot's entry shows choices")


def check_encrypted(
    export: dict[str, Any], poll: dict[str, Any], entries: list, head: dict
) -> Hidden:
    """The encrypted record (section 11): signed by the head through its hash,
    then every proof, product, partial decryption and total
    (voting.encrypted_record), and the tally the totals give. The "other"
    class's per-option weights, decrypted from the one product the verifier
    cannot recompute, must be a split of its voters' weights (polls of one
    mark) or lie within its bounds (polls of several marks)."""
    try:
        from voting import encrypted_record as record
    except ImportError as exc:  # voting/crypto/ or rbcl missing here
        raise Fault(
            f"encrypted poll: checking it needs voting/crypto/ and the rbcl package ({exc})"
        ) from None
    document = export.get("encrypted")
    if head.get("encrypted_hash") != sha256_hex(canonical(document)):
        raise Fault("tree head: the encrypted record does not match the hash it signs")
    options = sorted(poll["options"], key=lambda o: o["position"])
    marks = record.marks_range(
        poll["kind"], poll["min_choices"], poll["max_choices"], [o["role"] for o in options]
    )
    classes = head["weight_classes"]
    try:
        checked = record.check_record(
            document,
            poll_id=poll["id"],
            n_options=len(options),
            marks=marks,
            receipts=[e["receipt"] for e in entries],
            labels=[e["class"] for e in entries],
            classes=classes,
        )
    except record.RecordFault as fault:
        raise Fault(str(fault)) from None
    decrypted = checked.decrypted
    by_option: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    abstain = Decimal(0)
    for j, option in enumerate(options):
        if decrypted.counts.get(j):  # as the server counts (voting.services.tellers)
            by_option[option["id"]] = decrypted.weights[j]
            counts[option["id"]] = decrypted.counts[j]
            if option["role"] == rules.Role.ABSTAIN:
                abstain += decrypted.weights[j]
    cast = Decimal(str(head["total_weight"]))  # check_roll: the voters' weights
    counted = Counted(by_option, counts, cast, abstain, encrypted_summary(checked, len(entries)))
    shown = Counter({Decimal(c["weight"]): c["ballots"] for c in classes["classes"]})
    merged = list((Counter(voted_weights(export)) - shown).elements())
    ids = [o["id"] for o in options]
    targets = {oid: decrypted.other_weights.get(j, Decimal(0)) for j, oid in enumerate(ids)}
    marked = {oid: decrypted.other_counts.get(j, 0) for j, oid in enumerate(ids)}
    split = other_split(merged, marked, targets, marks[:2])
    if split is False:
        raise Fault(
            "result: the option weights are not a split of the merged weight class "
            f"({OTHER!r}) among its ballots"
        )
    return Hidden(
        Decimal(classes["other"]["weight"]),
        targets,
        split,
        undecided="each ballot's marks are secret",
        counted=counted,
    )


def encrypted_summary(checked: Checked, ballots: int) -> str:
    """The summary's line on an encrypted record."""
    recomputed = checked.products - checked.unseen
    line = (
        f"encrypted: {ballots} ballots' proofs hold, no ciphertext twice; "
        f"{checked.tellers} tellers' key (fingerprint {checked.fingerprint}, "
        f"{checked.threshold} needed) follows from their commitments; "
        f"{checked.products} products, {recomputed} recomputed from the ballots"
    )
    if checked.unseen:
        line += (
            f" and {checked.unseen} (the weights of class {OTHER!r}) checked through their totals"
        )
    return line + f"; totals decrypted by tellers {', '.join(map(str, checked.decrypting))}"


def other_split(
    weights: list[Decimal],
    marked: dict[int, int],
    targets: dict[int, Decimal],
    marks: tuple[int, int],
) -> bool | None:
    """Whether the "other" class's decrypted per-option weights can come from
    its voters' `weights`, given how many of its ballots mark each option.
    `marks` is (least, most) on options other than abstain, which a ballot
    marks alone. With one mark at most, each ballot's choice is a single option (or none):
    an exact search (`split_possible`). With more, which options a ballot
    marks together is secret: only the bounds are checked (False if they fail,
    None if they hold)."""
    if marks[1] <= 1:
        empty = len(weights) - sum(marked.values())
        if empty < 0 or (empty and marks[0] >= 1):
            return False
        patterns: Counter[tuple[int, ...]] = Counter({(o,): n for o, n in marked.items() if n})
        if empty:
            patterns[()] = empty
        return split_possible(weights, patterns, targets)
    ordered = sorted(weights)
    for option, n in marked.items():
        low = sum(ordered[:n], Decimal(0))
        high = sum(ordered[len(ordered) - n :], Decimal(0)) if n else Decimal(0)
        if not low <= targets.get(option, Decimal(0)) <= high:
            return False
    return None


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
    if classed(export):
        check_classes(entries, head, voted_weights)
        total = sum((w * n for w, n in voted_weights.items()), Decimal(0))
    else:
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


def check_classes(entries: list, head: dict[str, Any], voted: Counter[Decimal]) -> None:
    """The signed weight classes are those of the weights of the members who
    voted (the sealed roll), and each class has exactly that many entries."""
    expected = weight_classes(voted.elements())
    if head.get("weight_classes") != expected:
        raise Fault(
            "tree head: weight classes are not those of the weights of the members who voted"
        )
    wanted = Counter({c["weight"]: c["ballots"] for c in expected["classes"]})
    if expected["other"]["ballots"]:
        wanted[OTHER] = expected["other"]["ballots"]
    given = Counter(e["class"] for e in entries)
    for label in sorted(set(wanted) | set(given)):
        if given[label] != wanted[label]:
            raise Fault(
                f"entries: {given[label]} in weight class {label!r}, "
                f"the roll and the signed classes give {wanted[label]}"
            )


@dataclass(frozen=True)
class Hidden:
    """The merged class's part of a secret poll's totals (format 3): what its
    ballots weigh in all, and per option (as the result states it, less the
    part the entries with a class weight give)."""

    weight: Decimal
    by_option: dict[int, Decimal]
    # The merged class's weights can be split among its ballots as the
    # result says: True, or None when it was not decided (why: `undecided`).
    split: bool | None
    undecided: str = "too many combinations"
    # An encrypted poll: the whole tally, from the decrypted totals.
    counted: Counted | None = None


@dataclass(frozen=True)
class Counted:
    """An encrypted poll's tally, from its decrypted totals (not its entries,
    which show no choices): weight and number of ballots per option id."""

    by_option: dict[int, Decimal]
    counts: dict[int, int]
    cast: Decimal
    abstain: Decimal
    summary: str = ""


def entry_weight(entry: dict[str, Any]) -> Decimal | None:
    """The entry's weight, or None for an entry of the merged class."""
    if "class" in entry:
        return None if entry["class"] == OTHER else Decimal(entry["class"])
    return Decimal(entry["weight"])


def split_possible(
    weights: list[Decimal],
    patterns: Counter[tuple[int, ...]],
    targets: dict[int, Decimal],
    budget: int = SPLIT_BUDGET,
) -> bool | None:
    """Whether the `weights` (one per ballot of the merged class) can be given
    to its ballots (`patterns`: choices -> number of ballots) so that each
    option's weights add up to `targets[option]`. None when undecided after
    `budget` steps."""
    kinds = sorted(Counter(weights).items(), reverse=True)  # (weight, how many), heaviest first
    shapes = sorted(patterns)
    room = [patterns[p] for p in shapes]
    options = sorted({o for p in shapes for o in p} | {o for o, t in targets.items() if t})
    if any(o not in {c for p in shapes for c in p} and targets.get(o) for o in options):
        return False
    sums = dict.fromkeys(options, Decimal(0))
    steps = 0

    def bounds_hold(start: int) -> bool:
        left = [w for w, n in kinds[start:] for _ in range(n)]  # heaviest first
        for o in options:
            free = sum(r for p, r in zip(shapes, room, strict=True) if o in p)
            need = targets.get(o, Decimal(0)) - sums[o]
            if need < 0 or need > sum(left[:free]) or need < sum(left[len(left) - free :]):
                return False
        return True

    def place(kind: int, count: int, shape: int) -> bool | None:
        """Give `count` ballots of weight kinds[kind] to shapes from `shape` on."""
        nonlocal steps
        steps += 1
        if steps > budget:
            return None
        if count == 0:
            return descend(kind + 1)
        if shape == len(shapes):
            return False
        value = kinds[kind][0]
        undecided = False
        for take in range(min(count, room[shape]), -1, -1):
            room[shape] -= take
            for o in shapes[shape]:
                sums[o] += value * take
            answer = place(kind, count - take, shape + 1)
            room[shape] += take
            for o in shapes[shape]:
                sums[o] -= value * take
            if answer:
                return True
            undecided = undecided or answer is None
        return None if undecided else False

    def descend(kind: int) -> bool | None:
        if not bounds_hold(kind):
            return False
        if kind == len(kinds):
            return all(sums[o] == targets.get(o, Decimal(0)) for o in options)
        return place(kind, kinds[kind][1], 0)

    return descend(0)


def voted_weights(export: dict[str, Any]) -> list[Decimal]:
    """The weight of each member who voted, from the sealed roll (which
    check_roll has checked)."""
    roll = export["roll"]
    by_member = {str(r.get("member_id")): Decimal(r["weight"]) for r in roll["entitled"]}
    return [by_member[str(r.get("member_id"))] for r in roll["voted"]]


def hidden_part(export: dict[str, Any], entries: list, head: dict[str, Any]) -> Hidden:
    """The merged class's totals, from the result less what the classed
    entries give; a Fault if no split of the merged voters' weights among
    the merged ballots gives them."""
    classes = head["weight_classes"]
    known: dict[int, Decimal] = {}
    patterns: Counter[tuple[int, ...]] = Counter()
    for entry in entries:
        w = entry_weight(entry)
        if w is None:
            patterns[tuple(entry["choices"])] += 1
            continue
        for c in entry["choices"]:
            known[c] = known.get(c, Decimal(0)) + w
    targets: dict[int, Decimal] = {}
    for given in export["result"]["options"]:  # the poll's options (check_result)
        oid = int(given["id"])
        try:
            stated = Decimal(str(given.get("weight")))
        except (InvalidOperation, ValueError):
            raise Fault(f"result: option {oid} has a malformed weight") from None
        targets[oid] = stated - known.get(oid, Decimal(0))
    shown = Counter({Decimal(c["weight"]): c["ballots"] for c in classes["classes"]})
    merged = list((Counter(voted_weights(export)) - shown).elements())
    split = split_possible(merged, patterns, targets)
    if split is False:
        raise Fault(
            "result: the option weights are not a split of the merged weight class "
            f"({OTHER!r}) among its ballots"
        )
    return Hidden(Decimal(classes["other"]["weight"]), targets, split)


def recount(
    poll: dict[str, Any],
    entries: list,
    _: rules.Translate = rules.identity,
    ngettext: rules.Plural = rules.english_plural,
    hidden: Hidden | None = None,
) -> tuple[rules.Outcome, rules.Totals, dict[int, int]]:
    """The rule applied to the entries: the outcome, the weights and the
    number of ballots per option, as the server counts them at close. With
    `hidden`, the merged class's entries count by its stated totals; with
    `hidden.counted` (an encrypted poll), the decrypted tally counts instead
    of the entries."""
    options = [
        rules.Option(o["id"], rules.Role(o["role"]), o["label"])
        for o in sorted(poll["options"], key=lambda o: o["position"])
    ]
    abstain_ids = {o.id for o in options if o.role is rules.Role.ABSTAIN}
    by_option: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    cast = abstain = Decimal(0)
    if hidden is not None and hidden.counted is not None:
        by_option, counts = dict(hidden.counted.by_option), dict(hidden.counted.counts)
        cast, abstain, entries, hidden = hidden.counted.cast, hidden.counted.abstain, [], None
    for entry in entries:
        w = entry_weight(entry)
        for c in entry["choices"]:
            counts[c] = counts.get(c, 0) + 1
        if w is None:
            continue
        cast += w
        if any(c in abstain_ids for c in entry["choices"]):
            abstain += w
        for c in entry["choices"]:
            by_option[c] = by_option.get(c, Decimal(0)) + w
    if hidden is not None:
        cast += hidden.weight
        for c, w in hidden.by_option.items():
            by_option[c] = by_option.get(c, Decimal(0)) + w
            if c in abstain_ids:
                abstain += w
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
        _=_,
        ngettext=ngettext,
    )
    return outcome, totals, counts


# --- sentences in every language --------------------------------------------------


def _po_string(line: str) -> str:
    return str(json.loads(line))  # a .po string literal is a JSON string literal here


@dataclass
class Catalogue:
    """A .po file's translations: plain ones, plural ones (each form), and
    its plural rule (the C expression of its Plural-Forms header)."""

    singular: dict[str, str] = dc_field(default_factory=dict)
    plural: dict[tuple[str, str], list[str]] = dc_field(default_factory=dict)
    plural_forms: str = ""

    def gettext(self, text: str) -> str:
        return self.singular.get(text, text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.plural.get((singular, plural))
        match = re.search(r"plural\s*=\s*([^;]+)", self.plural_forms)
        if not forms or match is None:
            return rules.english_plural(singular, plural, n)
        index = gettext_module.c2py(match.group(1).strip())(n)  # the stdlib's own parser
        return forms[index] if index < len(forms) else rules.english_plural(singular, plural, n)


def read_catalogue(path: Path) -> Catalogue:
    """The translations of a .po file, plural forms included (no contexts:
    the rules use none); fuzzy and empty translations are left out, as
    gettext does."""
    catalogue = Catalogue()
    field, msgid, msgid_plural, msgstr, fuzzy = "", "", "", "", False
    forms: dict[int, str] = {}

    def flush() -> None:
        if msgid == "" and msgstr and field != "":  # the header, even fuzzy (as msgfmt)
            header = re.search(r"^Plural-Forms:(.*)$", msgstr, re.MULTILINE)
            catalogue.plural_forms = header.group(1).strip() if header else ""
        elif fuzzy:
            return
        elif msgid and msgid_plural and forms and all(forms.values()):
            catalogue.plural[(msgid, msgid_plural)] = [forms[i] for i in sorted(forms)]
        elif msgid and msgstr and not msgid_plural:
            catalogue.singular[msgid] = msgstr

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):  # entries are apart by a blank line: flushed there
            skip = field == "ctxt"
            field, msgid, msgid_plural, msgstr, forms = "id", _po_string(line[6:]), "", "", {}
            fuzzy = fuzzy or skip
        elif line.startswith("msgid_plural "):
            field, msgid_plural = "plural", _po_string(line[13:])
        elif line.startswith("msgstr "):
            field, msgstr = "str", _po_string(line[7:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            field, forms[index] = f"form{index}", _po_string(line[line.index("]") + 1 :].strip())
        elif line.startswith('"'):
            text = _po_string(line)
            if field == "id":
                msgid += text
            elif field == "plural":
                msgid_plural += text
            elif field == "str":
                msgstr += text
            elif field.startswith("form"):
                forms[int(field[4:])] += text
        elif not line:
            flush()
            field, msgid, msgid_plural, msgstr, forms, fuzzy = "", "", "", "", {}, False
        elif line.startswith("msgctxt"):
            # A context's entry is not the rules' one: read it, keep none of it.
            field = "ctxt"
    flush()
    return catalogue


@dataclass(frozen=True)
class Words:
    """How a language words a result: gettext and ngettext."""

    gettext: rules.Translate
    ngettext: rules.Plural


def translator(language: str, locale: Path) -> Words | None:
    """The words of `language` as the server's catalogue has them; None when
    the catalogue is not at hand. English is the source language."""
    if language == "en":
        return Words(rules.identity, rules.english_plural)
    path = locale / language / "LC_MESSAGES" / "django.po"
    if not path.is_file():
        return None
    catalogue = read_catalogue(path)
    return Words(catalogue.gettext, catalogue.ngettext)


# --- the result -------------------------------------------------------------------------


def _same_weight(given: Any, expected: Decimal) -> bool:
    try:
        return Decimal(str(given)) == expected
    except (InvalidOperation, ValueError):
        return False


def check_quorum(poll: dict[str, Any], result: dict[str, Any]) -> None:
    """The quorum frozen at opening: its numbers agree with one another, and a
    poll opened without it says why."""
    quorum = poll.get("quorum")
    if result.get("quorum") != quorum:
        raise Fault("result: quorum differs from the poll's")
    if quorum is None:
        return
    if not isinstance(quorum, dict):
        raise Fault("poll: malformed quorum")
    present = Decimal(str(quorum.get("present_weight", "0")))
    if present != Decimal(poll["present_weight"]):
        raise Fault("result: quorum's weight present differs from the poll's")
    kind, required = quorum.get("kind"), quorum.get("required")
    if kind == "count":
        met = int(quorum.get("present", 0)) >= int(str(required))
    elif kind == "share":
        met = present > Decimal(str(required))
    else:
        met = True
    if bool(quorum.get("met")) != met:
        raise Fault(f"result: quorum 'met' is {quorum.get('met')!r}, its numbers say {met}")
    if not met and not str(quorum.get("override_reason") or "").strip():
        raise Fault("result: the poll opened without quorum and no reason is recorded")


def check_result(
    export: dict[str, Any],
    poll: dict[str, Any],
    entries: list,
    head: dict,
    locale: Path = LOCALE,
    hidden: Hidden | None = None,
) -> tuple[list[str], Hidden | None]:
    """Every field of the sealed result is what the rule gives for these
    entries and this roll: numbers, winners, tie, lot, quorum and each
    sentence in each language. For a secret poll in format 3, the merged
    weight class counts by the per-option weights the result states, once
    they are shown to be a split of its voters' weights (`hidden_part`).
    Returns the languages whose sentence could not be worded here (no
    catalogue), and the merged class's part."""
    result = require(export, "result", dict, "file")
    if head.get("result") != result:
        raise Fault("result: differs from the result in the signed tree head")
    options = sorted(poll["options"], key=lambda o: o["position"])
    announced = result.get("options")
    if not isinstance(announced, list) or len(announced) != len(options):
        raise Fault("result: the options listed are not the poll's")
    for given, option_ in zip(announced, options, strict=True):
        if not isinstance(given, dict) or (
            given.get("id"),
            given.get("label"),
            given.get("role"),
        ) != (
            option_["id"],
            option_["label"],
            option_["role"],
        ):
            raise Fault("result: the options listed are not the poll's")
    if hidden is None and classed(export):
        hidden = hidden_part(export, entries, head)
    outcome, totals, counts = recount(poll, entries, hidden=hidden)
    for given, option_ in zip(announced, options, strict=True):
        oid = option_["id"]
        if not _same_weight(given.get("weight"), totals.by_option.get(oid, Decimal(0))):
            raise Fault(f"result: option {oid} has a weight the ballots do not give")
        if given.get("ballots") != counts.get(oid, 0):
            raise Fault(f"result: option {oid} has a number of ballots the entries do not give")
    numbers = {
        "cast_weight": totals.cast,
        "abstain_weight": totals.abstain,
        "valid_weight": totals.cast - totals.abstain,
        "present_weight": totals.present,
        "entitled_weight": totals.entitled,
        "base_weight": outcome.base,
    }
    for name, expected in numbers.items():
        if not _same_weight(result.get(name), expected):
            raise Fault(f"result: {name} {result.get(name)!r} is not {expected}")
    if outcome.required is None:
        if result.get("required") is not None:
            raise Fault("result: 'required' should be empty for this rule")
    elif not _same_weight(result.get("required"), outcome.required):
        raise Fault(f"result: required {result.get('required')!r} is not {outcome.required}")
    if result.get("ballots") != len(entries):
        raise Fault("result: number of ballots does not match the entries")
    if totals.cast > totals.present:
        raise Fault("result: more weight was cast than was present")
    if sorted(result.get("winners") or []) != sorted(outcome.winners):
        raise Fault("result: the announced winners are not what the rule gives")
    if result.get("carried") != outcome.carried:
        raise Fault("result: carried / not carried is not what the rule gives")
    if sorted(result.get("tied") or []) != sorted(outcome.tied):
        raise Fault("result: the tie is not the one the rule gives")
    if result.get("seats_open") != outcome.seats_open:
        raise Fault("result: the seats left open are not what the rule gives")
    if result.get("lot_draw") != outcome.lot_draw:
        raise Fault("result: the lot drawn is not what the seed gives")
    if result.get("lot_seed", "") != poll.get("lot_seed", ""):
        raise Fault("result: lot seed differs from the poll's")
    if result.get("rule") != poll.get("rule"):
        raise Fault("result: rule differs from the poll's")
    check_quorum(poll, result)
    # Format 2 records were sealed before sentences isolated names (U+2068..
    # U+2069) and took plural forms: their wording is an earlier version's.
    earlier = export.get("format") == FORMAT_2
    unchecked = check_sentences(poll, entries, result, locale, hidden, earlier_wording=earlier)
    check_tie_decision(export, poll, result, outcome)
    return unchecked, hidden


def check_sentences(
    poll: dict[str, Any],
    entries: list,
    result: dict[str, Any],
    locale: Path,
    hidden: Hidden | None = None,
    *,
    earlier_wording: bool = False,
) -> list[str]:
    """Each stored sentence is the rule's, worded in its language. With
    `earlier_wording` (a format 2 record), a sentence worded otherwise is
    not a fault but named in the summary: every number it states is
    recounted above, and the signed head covers the sentence itself.
    Returns the languages not compared, each with why."""
    sentences = result.get("sentences")
    if not isinstance(sentences, dict) or "en" not in sentences:
        raise Fault("result: the sentences in each language are missing")
    unchecked = []
    worded = {}
    for language, sentence in sorted(sentences.items()):
        words = translator(language, locale)
        if words is None:
            unchecked.append(f"{language} (no catalogue here)")
            continue
        expected = recount(poll, entries, words.gettext, words.ngettext, hidden)[0].sentence
        if sentence != expected and earlier_wording:
            unchecked.append(f"{language} (worded by an earlier version)")
            continue
        if sentence != expected:
            raise Fault(f"result: the {language} sentence is not what the rule gives: {expected!r}")
        worded[language] = expected
    if result.get("sentence") not in sentences.values():
        raise Fault("result: the sentence is none of the sentences in each language")
    return unchecked


def check_tie_decision(
    export: dict[str, Any], poll: dict[str, Any], result: dict[str, Any], outcome: rules.Outcome
) -> None:
    """A tie the rule left to the chair was decided among the tied options."""
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
    closed: list[str] = []
    for i, event in enumerate(log, start=1):
        if not isinstance(event, dict):
            raise Fault(f"meeting log event {i}: not an object")
        body = {k: v for k, v in event.items() if k != "hash"}
        if event.get("number") != i or event.get("previous") != previous:
            raise Fault(f"meeting log event {i}: chain broken")
        if event.get("hash") != sha256_hex(canonical(body)):
            raise Fault(f"meeting log event {i}: hash mismatch")
        previous = event["hash"]
        data = event.get("data")
        if (
            event.get("action") == "poll.closed"
            and isinstance(data, dict)
            and data.get("poll") == head.get("poll")
        ):
            closed.append(str(previous))
    if len(closed) != 1:
        raise Fault(f"meeting log: {len(closed)} 'poll.closed' events for this poll, not one")
    if head.get("log_hash") != closed[0]:
        raise Fault("tree head: log_hash is not the hash of this poll's 'poll.closed' event")
    log_head = require(export, "log_head", dict, "file")
    body = {k: v for k, v in log_head.items() if k != "signature"}
    check_signature(key, log_head.get("signature"), canonical(body), "meeting log head")
    if log_head.get("size") != len(log) or log_head.get("hash") != previous:
        raise Fault("meeting log: does not end where its signed head says")
    return len(log)


def hex_digits(text: str) -> str:
    return re.sub(r"[\s:-]", "", text).lower()


def check_pin(key_text: str, public_key: str | None, fingerprint: str | None) -> None:
    """The file's key is the one the caller trusts, given whole or by the
    fingerprint the projector, the minutes and the key page show."""
    if public_key is not None and public_key.strip() != key_text:
        raise Fault("public key: the file's key is not the one given with --public-key")
    if fingerprint is not None:
        given = hex_digits(fingerprint)
        full = sha256_hex(base64.b64decode(key_text))
        if not re.fullmatch(r"[0-9a-f]{16,64}", given):
            raise Fault("public key: --fingerprint must be 16 to 64 hex digits")
        if not full.startswith(given):
            raise Fault(
                f"public key: the file's key has fingerprint {key_fingerprint(key_text)}, "
                "not the one given with --fingerprint"
            )


def check_expected_head(export: dict[str, Any], expected: str) -> None:
    """A head seen earlier (on the projector, a phone, the minutes) is in this
    export's chain: the record was not cut back before it."""
    given = hex_digits(expected)
    if not re.fullmatch(r"[0-9a-f]{16,64}", given):
        raise Fault("--expect-head must be 16 to 64 hex digits")
    heads = [*export["previous_heads"], export["tree_head"]]
    if not any(head_hash(h).startswith(given) for h in heads):
        raise Fault(
            f"tree head: the chain does not contain the expected head {expected.strip()} "
            "(the record was cut, or the head is later than this poll)"
        )


def verify(
    export: Any,
    *,
    public_key: str | None = None,
    fingerprint: str | None = None,
    expect_head: str | None = None,
    receipt: str | None = None,
    locale: Path = LOCALE,
) -> str:
    """Check everything; return the summary or raise Fault."""
    if not isinstance(export, dict) or export.get("format") not in FORMATS:
        raise Fault(f"file: not a {FORMAT} (or {FORMAT_2}, {FORMAT_ENCRYPTED}) export")
    key_text = require(export, "public_key", str, "file")
    key = load_key(key_text)
    check_pin(key_text, public_key, fingerprint)
    if "fingerprint" in export and export["fingerprint"] != key_fingerprint(key_text):
        raise Fault("public key: the fingerprint in the file is not the key's")
    poll = require(export, "poll", dict, "file")
    head = check_heads(export, key)
    if head.get("poll") != poll.get("id") or head.get("meeting") != poll.get("meeting"):
        raise Fault("tree head: names another poll")
    check_definition(poll, head)
    if bool(poll.get("encrypted")) != encrypted(export):
        raise Fault(
            f"poll: its definition and the format ({export['format']}) disagree on encryption"
        )
    if encrypted(export) and poll.get("secrecy") != "secret":
        raise Fault("poll: an encrypted poll is secret")
    entries = check_entries(export, poll)
    tree = check_tree(export, entries, head)
    check_entry_signatures(export, entries, key)
    if encrypted(export):
        check_sealed_choices(poll, entries)
    else:
        check_choices(poll, entries)
    check_roll(export, entries, head)
    counted = check_encrypted(export, poll, entries, head) if encrypted(export) else None
    unchecked, hidden = check_result(export, poll, entries, head, locale, counted)
    events = check_log(export, head, key)
    if expect_head is not None:
        check_expected_head(export, expect_head)
    summary = (
        f"OK: poll {poll['id']} ({poll.get('title', '')!s}): {tree.size} ballots, "
        f"root {tree.root().hex()[:16]}…, result recounted, {events} meeting events chained"
    )
    if receipt is not None:
        summary += "; " + check_receipt(entries, tree, receipt)
    summary += f"\nkey fingerprint: {key_fingerprint(key_text)}"
    summary += (
        f"\nhead: {group_hex(head_hash(head))} ({len(export['previous_heads']) + 1} in chain)"
    )
    if hidden is not None and hidden.counted is not None:
        summary += "\n" + hidden.counted.summary
    if hidden is not None:
        summary += "\n" + hidden_summary(head["weight_classes"], hidden)
    if unchecked:
        summary += f"\nsentences not compared: {', '.join(unchecked)}"
    return summary


def hidden_summary(classes: dict[str, Any], hidden: Hidden) -> str:
    """What the recount of a secret poll in weight classes rests on."""
    shown = ", ".join(f"{c['weight']} x {c['ballots']}" for c in classes["classes"]) or "none"
    other = classes["other"]
    line = f"weight classes: {shown}; merged ({OTHER}): {other['ballots']} ballots"
    if not other["ballots"]:
        return line
    line += f" weighing {other['weight']}, "
    if hidden.split:
        return line + "its per-option weights are a possible split of its voters' weights"
    return line + (
        "its per-option weights were NOT checked as a split of its voters' weights "
        f"({hidden.undecided}); only their bounds were"
    )


def group_hex(digest: str, length: int = 16) -> str:
    head = digest[:length]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))


def check_receipt(entries: Sequence[dict[str, Any]], tree: merkle.Tree, code: str) -> str:
    wanted = re.sub(r"[\s-]", "", code).upper()
    if TRACKER.match(wanted.lower()):  # an encrypted ballot's tracker: lower-case hex
        wanted = wanted.lower()
    for index, entry in enumerate(entries):
        if entry["receipt"] == wanted:
            proof = tree.inclusion_proof(index)
            if not merkle.verify_inclusion(index, tree.size, canonical(entry), proof, tree.root()):
                raise Fault(f"receipt {wanted}: inclusion proof does not verify")
            if TRACKER.match(entry["receipt"]):
                return f"receipt {wanted} is included as entry {index + 1} (an encrypted ballot)"
            return (
                f"receipt {wanted} is included as entry {index + 1} with choices {entry['choices']}"
            )
    raise Fault(f"receipt {wanted}: not on the board")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python voting/verify.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--receipt", help="check that this receipt code is included")
    pin = parser.add_mutually_exclusive_group()
    pin.add_argument("--public-key", help="the installation's key (base64), to pin it")
    pin.add_argument(
        "--fingerprint",
        help="the key's fingerprint as the projector, minutes and key page show it, to pin it",
    )
    parser.add_argument(
        "--expect-head",
        help="a head hash seen earlier (projector, phone, minutes): the chain must contain it",
    )
    parser.add_argument("--locale", type=Path, default=LOCALE, help="the .po catalogues")
    args = parser.parse_args(argv)
    try:
        export = json.loads(args.file.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return UNREADABLE
    try:
        summary = verify(
            export,
            public_key=args.public_key,
            fingerprint=args.fingerprint,
            expect_head=args.expect_head,
            receipt=args.receipt,
            locale=args.locale,
        )
    except Fault as fault:
        print(f"FAILED: {fault}", file=sys.stderr)
        return FAILED
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        print(f"FAILED: malformed export ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return FAILED
    print(summary)
    if args.public_key is None and args.fingerprint is None:
        print(
            "NOT PINNED: the key was taken from the file itself, so anyone could have made "
            "it. Give --fingerprint (from the projector, minutes or key page) or --public-key.",
            file=sys.stderr,
        )
        return NOT_PINNED
    return OK


if __name__ == "__main__":
    sys.exit(main())
