"""Auditable records of polls: signed ballot entries, the Merkle log sealed
at close, inclusion proofs, the bulletin board and the audit export.

The formats are in docs/audit-format.md; `voting.verify` checks them without
the server. Entries are RFC 8785 canonical JSON with decimals as strings,
sorted by receipt code; for secret polls they name no voter, and (format 3)
show a weight only when at least three ballots of the poll share it.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

import rfc8785
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, DomainError, NotAllowed, NotFound
from meetings import log
from meetings.models import Meeting, Member, Membership, Participant
from voting import keys, merkle
from voting.ballot_poll import BallotPoll
from voting.encrypted_record import marks_range, poll_context
from voting.models import Ballot, Poll, PollSeal, RollEntry, RollMark, Teller
from voting.services import encrypted
from voting.verify import (
    FORMAT,
    FORMAT_2,
    FORMAT_ENCRYPTED,
    class_labels,
    head_hash,
    weight_classes,
)

WEIGHT_PLACES = Decimal("0.0001")
# The receipt of an encrypted ballot: its tracker (docs/encrypted-ballots.md).
TRACKER = re.compile(r"[0-9A-Fa-f]{64}")


def weight_text(value: Decimal) -> str:
    return str(Decimal(value).quantize(WEIGHT_PLACES))


def ballot_entry(
    *,
    poll: Poll | BallotPoll,
    receipt: str,
    choices: list[int],
    weight: Decimal,
    voter: int | None,
) -> dict[str, Any]:
    """The entry a ballot is signed as when it is cast (the voter's receipt).
    `voter` (the participant whose vote it is) only for named polls. A secret
    ballot of a format 3 poll is signed without its weight: a published
    signature would confirm a guessed weight. Its weight class is added to
    its entry at the close (`poll_entries`)."""
    entry: dict[str, Any] = {"poll": poll.id, "receipt": receipt, "choices": sorted(choices)}
    if weight_hidden(poll):
        return entry
    entry["weight"] = weight_text(weight)
    if poll.secrecy == Poll.Secrecy.NAMED:
        entry["voter"] = str(voter)
    return entry


def weight_hidden(poll: Poll | BallotPoll) -> bool:
    """The poll's entries carry weight classes, not weights (secret, format 3)."""
    return poll.secrecy != Poll.Secrecy.NAMED and poll.record_format >= 3


def export_format(poll: Poll) -> str:
    if poll.encrypted:
        return FORMAT_ENCRYPTED
    return FORMAT if poll.record_format >= 3 else FORMAT_2


def sign_entry(entry: dict[str, Any]) -> str:
    return keys.sign(rfc8785.dumps(entry))


def poll_entries(poll: Poll) -> tuple[list[dict[str, Any]], list[str]]:
    """Every ballot's entry in tree order (by receipt code), with its signature.

    A secret poll's entries (format 3) carry the ballot's weight class in
    `class`: its weight when at least three ballots of the poll have it, else
    "other" (`voting.verify.weight_classes` and `class_labels`); the
    signature covers the entry without it."""
    entries, signatures = [], []
    ballots = list(
        Ballot.objects.filter(poll=poll).select_related("roll_entry").order_by("receipt_code")
    )
    labels: list[str | None] = [None] * len(ballots)
    if weight_hidden(poll):
        weights = [b.weight for b in ballots]
        labels = list(class_labels(weights, weight_classes(weights)))
    for ballot, label in zip(ballots, labels, strict=True):
        voter = ballot.roll_entry.member_id if ballot.roll_entry else None
        entry = ballot_entry(
            poll=poll,
            receipt=ballot.receipt_code,
            choices=list(ballot.choices),
            weight=ballot.weight,
            voter=voter,
        )
        if label is not None:
            entry["class"] = label
        entries.append(entry)
        signatures.append(ballot.signature)
    return entries, signatures


def ballot_weights(poll: Poll) -> list[Decimal]:
    return list(Ballot.objects.filter(poll=poll).values_list("weight", flat=True))


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
    """What the verifier needs to know of the poll to recount it. An
    encrypted poll says so (a plain poll's definition, and its hash, are as
    they were before encrypted polls)."""
    definition = {
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
    if poll.encrypted:
        definition["encrypted"] = True
    return definition


def jsonable(value: Any) -> Any:
    """`value` as the export's JSON shows it (datetimes and decimals as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def definition_document(poll: Poll) -> dict[str, Any]:
    """The poll's definition as exported; the head signs its hash, so that the
    question, the options and the rule cannot be changed after the close."""
    return jsonable(poll_definition(poll))


def seal(poll: Poll) -> PollSeal:
    """Sign the closed poll's tree head, chained to the meeting's previous one.

    Precondition: inside the closing transaction, after the result is stored
    and the close is logged (the head names the log's latest hash).
    """
    entries, _signatures = poll_entries(poll)
    tree = merkle.Tree([rfc8785.dumps(e) for e in entries])
    previous = PollSeal.objects.filter(poll__meeting_id=poll.meeting_id).order_by("-id").first()
    weights = ballot_weights(poll)
    total = sum(weights, Decimal(0))
    roll = roll_document(poll)
    head: dict[str, Any] = {
        "poll": poll.pk,
        "meeting": poll.meeting_id,
        "size": tree.size,
        "root": tree.root().hex(),
        "definition_hash": hashlib.sha256(rfc8785.dumps(definition_document(poll))).hexdigest(),
        "roll_hash": hashlib.sha256(rfc8785.dumps(roll)).hexdigest(),
        "total_weight": weight_text(total),
        "result": poll.result,
        "previous_head_hash": previous.head_hash if previous else None,
        "log_hash": log.log_head(poll.meeting_id),
        "sealed_at": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    if weight_hidden(poll):
        head["weight_classes"] = weight_classes(weights)
    if poll.encrypted:
        head["encrypted_hash"] = encrypted_hash(encrypted_document(poll))
    signature = keys.sign(rfc8785.dumps(head))
    return PollSeal.objects.create(
        poll=poll,
        head=head,
        signature=signature,
        head_hash=head_hash({**head, "signature": signature}),
        roll=roll,
    )


def encrypted_document(poll: Poll) -> dict[str, Any]:
    """An encrypted poll's record (docs/audit-format.md section 11): the
    tellers' ceremony (transport keys, commitments, confirmations: never the
    shares, which only the transport keys open), every ballot in tree order
    with its voter context (`ballot:<nonce key>`, which names nobody without
    the phone's nonce), the products, every partial decryption and the
    totals they give. Nothing in it changes after the close, so the hash the
    seal signs holds for every later export."""
    ballots = list(Ballot.objects.filter(poll=poll).order_by("receipt_code"))
    tellers = list(Teller.objects.filter(poll=poll).order_by("index"))
    options = list(poll.options.order_by("position"))
    low, high, _abstain = marks_range(
        str(poll.kind), poll.min_choices, poll.max_choices, [str(o.role) for o in options]
    )
    return {
        "poll": poll_context(poll.pk),
        "threshold": poll.teller_threshold,
        "public_key": poll.public_key,
        "fingerprint": encrypted.ceremony_fingerprint(poll),
        "marks": {"min": low, "max": high},
        "tellers": [
            {
                "index": t.index,
                "transport_key": t.transport_key,
                "commitments": t.commitments,
                "confirmation": t.confirmation,
            }
            for t in tellers
        ],
        "ballots": [
            {
                "receipt": b.receipt_code,
                "voter": encrypted.voter_context(str(b.nonce_key)),
                "ballot": b.ciphertext,
            }
            for b in ballots
        ],
        "products": poll.products or [],
        "partials": [
            {"index": t.index, "values": t.partials} for t in tellers if t.partials is not None
        ],
        "totals": encrypted.decrypted_totals(poll),
    }


def encrypted_hash(document: dict[str, Any]) -> str:
    """What the tree head signs of the encrypted record: its SHA-256, hex."""
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def sealed_roll(seal_: PollSeal) -> dict[str, Any]:
    """The roll as it was at close (seals from before it was kept: as it is now)."""
    return seal_.roll if seal_.roll is not None else roll_document(seal_.poll)


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
        "signed_at": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    definition = definition_document(poll)
    definition["tie_decision"] = poll.tie_decision
    record = {
        "format": export_format(poll),
        "public_key": keys.public_key_b64(),
        "fingerprint": keys.fingerprint(),
        "poll": definition,
        "roll": sealed_roll(seal_),
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
    if poll.encrypted:
        record["encrypted"] = encrypted_document(poll)
    return record


def export_text(poll: Poll) -> str:
    """The audit export as the file people download (UTF-8 JSON)."""
    return json.dumps(export(poll), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"


def export_filename(poll: Poll) -> str:
    return f"audit-meeting-{poll.meeting_id}-poll-{poll.pk}.json"


# --- the bulletin board: who may see it, and what it shows ----------------------------

SEALED_STATES = (Poll.State.CLOSED, Poll.State.PUBLISHED)


class LoginRequired(DomainError):
    """The board is for members and nobody is logged in."""

    status = 401
    code = "not_authenticated"


def group_hex(digest: str, length: int = 16) -> str:
    """The first `length` hex digits in groups of four, to read aloud."""
    head = digest[:length]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))


def head_fingerprint(seal_: PollSeal) -> str:
    """The tree head's fingerprint: SHA-256 of the canonical signed head (the
    hash the next head chains to), first 16 hex digits, grouped."""
    return group_hex(seal_.head_hash)


def key_info() -> dict[str, str]:
    """The installation's public key, as /api/audit/key/ publishes it."""
    return {
        "public_key": keys.public_key_b64(),
        "fingerprint": keys.fingerprint(),
        "algorithm": "Ed25519",
    }


def board_access_check(meeting: Meeting, user: Member | AnonymousUser) -> None:
    """Anyone when the meeting's board is public; otherwise members of the
    meeting's union (any membership), its participants and superusers."""
    if meeting.board_public:
        return
    if not isinstance(user, Member) or not user.is_authenticated:
        raise LoginRequired(_("Log in to see this meeting's bulletin board."))
    if user.is_superuser:
        return
    if Membership.objects.filter(member=user, union_id=meeting.union_id).exists():
        return
    if Participant.objects.filter(meeting=meeting, member=user).exists():
        return
    raise NotAllowed(_("Only members of this meeting's union may see its bulletin board."))


def board_meeting_get(*, meeting_id: int, user: Member | AnonymousUser) -> Meeting:
    """The meeting whose board the user may see. NotFound, LoginRequired or NotAllowed."""
    meeting = Meeting.objects.select_related("union").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    board_access_check(meeting, user)
    return meeting


def board_poll_get(*, poll_id: int, user: Member | AnonymousUser) -> Poll:
    """A sealed poll whose board the user may see.

    NotFound for an unknown poll or one never opened (drafts stay private);
    LoginRequired / NotAllowed as `board_access_check`; Conflict (code
    `poll_not_closed`) while the poll is open, or if it was cancelled.
    """
    poll = Poll.objects.select_related("meeting__union").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("No such poll."))
    board_access_check(poll.meeting, user)
    if poll.opened_at is None:
        raise NotFound(_("No such poll."))
    if poll.state not in SEALED_STATES or not PollSeal.objects.filter(poll=poll).exists():
        raise Conflict(
            _("This poll has no board: only closed polls are sealed and published."),
            code="poll_not_closed",
        )
    return poll


def board_payload(poll: Poll) -> dict[str, Any]:
    """One poll's board: its definition, the entitled roll (names, weights,
    proxies), who voted (names only), every entry (receipt, choices with
    labels, weight, signature), the result and the signed head.

    For secret polls nothing here pairs a person with an entry: entries are
    in receipt order, the voted list in member order, and (format 3) an
    entry's `weight` is its weight class's, or None in the merged class
    ("other", `weight_class`), as in the signed entries.
    """
    seal_ = PollSeal.objects.get(poll=poll)
    definition = definition_document(poll)
    definition["tie_decision"] = poll.tie_decision
    labels = {o["id"]: o["label"] for o in definition["options"]}
    roll = sealed_roll(seal_)
    names = {row["member_id"]: row["name"] for row in roll["entitled"]}
    entries, signatures = poll_entries(poll)
    tree = merkle.Tree([rfc8785.dumps(e) for e in entries])
    rows = []
    for entry, signature, leaf in zip(entries, signatures, tree.leaves, strict=True):
        row: dict[str, Any] = {
            "entry": entry,
            "receipt": entry["receipt"],
            "choices": entry["choices"],
            "choice_labels": [labels.get(c, str(c)) for c in entry["choices"]],
            "weight": entry_weight_shown(entry),
            "weight_class": entry.get("class"),
            "signature": signature,
            "leaf_hash": leaf.hex(),
        }
        if "voter" in entry:
            row["voter_name"] = names.get(entry["voter"], "")
        rows.append(row)
    return {
        "poll": definition,
        "state": poll.state,
        "roll": {
            "entitled": [
                {"name": r["name"], "weight": r["weight"], "cast_by": r["cast_by"]}
                for r in roll["entitled"]
            ],
            "voted": sorted(r["name"] for r in roll["voted"]),
        },
        "entries": rows,
        "weight_classes": seal_.head.get("weight_classes"),
        "result": poll.result,
        "tree_head": signed_head(seal_),
        "head_hash": seal_.head_hash,
        "head_fingerprint": head_fingerprint(seal_),
        "key": key_info(),
    }


def entry_weight_shown(entry: dict[str, Any]) -> str | None:
    """The weight the board shows for an entry: None in the merged class."""
    if "class" in entry:
        return None if entry["class"] == "other" else str(entry["class"])
    return str(entry["weight"])


def meeting_board(meeting: Meeting) -> list[dict[str, Any]]:
    """The boards of the meeting's sealed polls, oldest first."""
    polls = Poll.objects.filter(
        meeting=meeting, state__in=SEALED_STATES, seal__isnull=False
    ).order_by("closed_at", "id")
    return [board_payload(poll) for poll in polls]


def receipt_proof(poll: Poll, receipt: str) -> dict[str, Any]:
    """The inclusion proof of a receipt, with the signed head to check it
    against. NotFound when the receipt is not on the poll's board."""
    code = "".join(str(receipt or "").split()).replace("-", "").upper()
    if TRACKER.fullmatch(code):  # an encrypted ballot's tracker: lower-case hex
        code = code.lower()
    proof = inclusion_proof(poll, code) if code else None
    if proof is None:
        raise NotFound(
            _("Receipt %(code)s is not on the board of this poll.") % {"code": code or "-"},
            code="receipt_not_found",
        )
    seal_ = PollSeal.objects.get(poll=poll)
    return {**proof, "tree_head": signed_head(seal_), "head_fingerprint": head_fingerprint(seal_)}
