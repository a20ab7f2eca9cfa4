"""Auditable records of polls: signed ballot entries, the Merkle log sealed
at close, inclusion proofs, the bulletin board and the audit export.

The formats are in docs/audit-format.md; `voting.verify` checks them without
the server. Entries are RFC 8785 canonical JSON with decimals as strings,
sorted by receipt code; for secret polls they name no voter.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import rfc8785
from django.utils import timezone

from meetings import log
from voting import keys, merkle
from voting.models import Ballot, Poll, PollSeal, RollEntry, RollMark
from voting.verify import FORMAT, head_hash

WEIGHT_PLACES = Decimal("0.0001")


def weight_text(value: Decimal) -> str:
    return str(Decimal(value).quantize(WEIGHT_PLACES))


def ballot_entry(
    *, poll: Poll, receipt: str, choices: list[int], weight: Decimal, voter: int | None
) -> dict[str, Any]:
    """The entry a ballot is recorded as. `voter` (the participant whose vote
    it is) only for named polls."""
    entry: dict[str, Any] = {
        "poll": poll.pk,
        "receipt": receipt,
        "choices": sorted(choices),
        "weight": weight_text(weight),
    }
    if poll.secrecy == Poll.Secrecy.NAMED:
        entry["voter"] = str(voter)
    return entry


def sign_entry(entry: dict[str, Any]) -> str:
    return keys.sign(rfc8785.dumps(entry))


def poll_entries(poll: Poll) -> tuple[list[dict[str, Any]], list[str]]:
    """Every ballot's entry in tree order (by receipt code), with its signature."""
    entries, signatures = [], []
    ballots = Ballot.objects.filter(poll=poll).select_related("roll_entry").order_by("receipt_code")
    for ballot in ballots:
        voter = ballot.roll_entry.member_id if ballot.roll_entry else None
        entries.append(
            ballot_entry(
                poll=poll,
                receipt=ballot.receipt_code,
                choices=list(ballot.choices),
                weight=ballot.weight,
                voter=voter,
            )
        )
        signatures.append(ballot.signature)
    return entries, signatures


def roll_document(poll: Poll) -> dict[str, Any]:
    """The frozen roll and who voted. For secret polls, names only: the
    'voted' list is ordered by member, not by time, and pairs no one with a
    ballot."""
    roll = (
        RollEntry.objects.filter(poll=poll)
        .select_related("member__member", "caster__member", "mark")
        .order_by("member_id")
    )
    entitled, voted = [], []
    for entry in roll:
        row = {
            "member_id": str(entry.member_id),
            "name": entry.member.member.full_name,
            "member_number": entry.member.member.member_number,
            "weight": weight_text(entry.weight),
            "cast_by": entry.caster.member.full_name if entry.is_proxy else None,
        }
        entitled.append(row)
        if _has_mark(entry):
            voted.append({"member_id": row["member_id"], "name": row["name"]})
    return {"entitled": entitled, "voted": voted}


def _has_mark(entry: RollEntry) -> bool:
    try:
        return entry.mark is not None
    except RollMark.DoesNotExist:
        return False


def poll_definition(poll: Poll) -> dict[str, Any]:
    """What the verifier needs to know of the poll to recount it."""
    return {
        "id": poll.pk,
        "meeting": poll.meeting_id,
        "title": poll.title,
        "kind": poll.kind,
        "secrecy": poll.secrecy,
        "options": [
            {"id": o.pk, "position": o.position, "role": o.role, "label": o.label}
            for o in poll.options.order_by("position")
        ],
        "min_choices": poll.min_choices,
        "max_choices": poll.max_choices,
        "seats": poll.seats,
        "rule": {"majority": poll.majority, "base": poll.base, "tie": poll.tie_rule},
        "present_weight": weight_text(poll.present_weight),
        "entitled_weight": weight_text(poll.entitled_weight),
        "lot_seed": poll.lot_seed,
        "quorum": poll.quorum,
        "opened_at": poll.opened_at,
        "closed_at": poll.closed_at,
    }


def seal(poll: Poll) -> PollSeal:
    """Sign the closed poll's tree head, chained to the meeting's previous one.

    Precondition: inside the closing transaction, after the result is stored
    and the close is logged (the head names the log's latest hash).
    """
    entries, _signatures = poll_entries(poll)
    tree = merkle.Tree([rfc8785.dumps(e) for e in entries])
    previous = PollSeal.objects.filter(poll__meeting_id=poll.meeting_id).order_by("-id").first()
    total = sum((Decimal(e["weight"]) for e in entries), Decimal(0))
    head = {
        "poll": poll.pk,
        "meeting": poll.meeting_id,
        "size": tree.size,
        "root": tree.root().hex(),
        "roll_hash": hashlib.sha256(rfc8785.dumps(roll_document(poll))).hexdigest(),
        "total_weight": weight_text(total),
        "result": poll.result,
        "previous_head_hash": previous.head_hash if previous else None,
        "log_hash": log.log_head(poll.meeting_id),
        "sealed_at": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    signature = keys.sign(rfc8785.dumps(head))
    return PollSeal.objects.create(
        poll=poll,
        head=head,
        signature=signature,
        head_hash=head_hash({**head, "signature": signature}),
    )


def signed_head(seal_: PollSeal) -> dict[str, Any]:
    return {**seal_.head, "signature": seal_.signature}


def inclusion_proof(poll: Poll, receipt: str) -> dict[str, Any] | None:
    """The audit path of one receipt's entry, or None if it is not on the board."""
    entries, signatures = poll_entries(poll)
    index = next((i for i, e in enumerate(entries) if e["receipt"] == receipt), None)
    if index is None:
        return None
    tree = merkle.Tree([rfc8785.dumps(e) for e in entries])
    return {
        "entry": entries[index],
        "signature": signatures[index],
        "index": index,
        "size": tree.size,
        "leaf_hash": tree.leaves[index].hex(),
        "path": [h.hex() for h in tree.inclusion_proof(index)],
        "root": tree.root().hex(),
    }


def export(poll: Poll) -> dict[str, Any]:
    """Everything needed to check the poll without the server (a closed poll)."""
    seal_ = PollSeal.objects.get(poll=poll)
    earlier = PollSeal.objects.filter(poll__meeting_id=poll.meeting_id, id__lt=seal_.pk).order_by(
        "id"
    )
    entries, signatures = poll_entries(poll)
    tree = merkle.Tree([rfc8785.dumps(e) for e in entries])
    events = log.log_export(poll.meeting_id)
    log_head_body = {
        "meeting": poll.meeting_id,
        "size": len(events),
        "hash": events[-1]["hash"] if events else None,
    }
    definition = poll_definition(poll)
    definition["tie_decision"] = poll.tie_decision
    return {
        "format": FORMAT,
        "public_key": keys.public_key_b64(),
        "fingerprint": keys.fingerprint(),
        "poll": definition,
        "roll": roll_document(poll),
        "entries": entries,
        "signatures": signatures,
        "leaf_hashes": [leaf.hex() for leaf in tree.leaves],
        "result": seal_.head["result"],
        "final_result": poll.result,
        "tree_head": signed_head(seal_),
        "previous_heads": [signed_head(s) for s in earlier],
        "meeting_log": events,
        "log_head": {**log_head_body, "signature": keys.sign(rfc8785.dumps(log_head_body))},
    }
