"""Ballots: phone ballots with receipts and resends, paper ballots."""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, NoReturn

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import plainsql
from core.commit import after_commit
from live import events
from meetings import log
from meetings.models import Member, Participant
from meetings.selectors import (
    participant_for,
)
from voting import audit, ballot_writer, permissions, rules, turnout
from voting.ballot_poll import BallotPoll, accepts_ballots, ballot_poll_read
from voting.crypto.ballots import BallotContext, EncryptedBallot, encrypt_ballot, verify_ballot
from voting.crypto.group import CryptoError
from voting.events import POLL_PAPER_BALLOT
from voting.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from voting.models import Ballot, Poll, RollEntry, RollMark
from voting.services.closing import close
from voting.services.common import lock_poll
from voting.services.encrypted import marks_range, poll_context, voter_context

RECEIPT_ALPHABET = re.compile(r"^[A-Z2-7]{10,32}$")
NONCE_ALPHABET = RECEIPT_ALPHABET


@dataclass(frozen=True)
class Receipt:
    """What the voter gets back for an accepted ballot."""

    poll_id: int
    receipt_code: str
    choices: list[int]
    weight: Decimal
    on_behalf_of: str | None  # the represented member's name, for a proxy ballot
    created: bool  # False when this answers a resend of the same ballot
    signature: str  # the installation's Ed25519 signature over the ballot entry
    # Whether the signed entry holds the weight (not on secret polls, format 3:
    # docs/audit-format.md), so that the phone can write the entry it signs.
    weight_signed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "poll_id": self.poll_id,
            "receipt_code": self.receipt_code,
            "choices": self.choices,
            "weight": str(self.weight),
            "on_behalf_of": self.on_behalf_of,
            "signature": self.signature,
            "weight_signed": self.weight_signed,
        }


def normalise_receipt(code: str) -> str:
    cleaned = re.sub(r"[\s-]", "", str(code or "")).upper()
    if not RECEIPT_ALPHABET.match(cleaned):
        raise InvalidInput(
            _("The receipt code must be 10 to 32 letters A-Z and digits 2-7 (base32).")
        )
    return cleaned


def normalise_nonce(nonce: str) -> str:
    cleaned = re.sub(r"[\s-]", "", str(nonce or "")).upper()
    if not NONCE_ALPHABET.match(cleaned):
        raise InvalidInput(_("The nonce must be 10 to 32 letters A-Z and digits 2-7 (base32)."))
    return cleaned


def issue_receipt() -> str:
    """A receipt code: 80 random bits from the server, in base32. Never text a
    client chose: a client could write a name into it, or claim another's."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def nonce_key(poll_id: int, roll_entry_id: int, nonce: str) -> str:
    """What a ballot keeps of the phone's nonce: bound to the roll entry, so
    that another member's nonce finds nothing, and useless without the nonce
    for telling which entry a ballot belongs to."""
    return hashlib.sha256(f"{poll_id}:{roll_entry_id}:{nonce}".encode()).hexdigest()


def validate_choices(poll: BallotPoll, choices: Any) -> list[int]:
    """The chosen option ids, sorted, if they form a valid ballot for the poll."""
    if not isinstance(choices, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in choices
    ):
        raise InvalidInput(_("Choices must be a list of option ids."))
    if len(set(choices)) != len(choices):
        raise InvalidInput(_("An option is chosen twice."))
    by_id = {o.id: o for o in poll.options}
    unknown = [c for c in choices if c not in by_id]
    if unknown:
        raise InvalidInput(_("Unknown option: %s") % ", ".join(map(str, unknown)))
    roles = [by_id[c].role for c in choices]
    if rules.Role.ABSTAIN in roles:
        if len(choices) != 1:
            raise InvalidInput(_("Abstain cannot be combined with other choices."))
        return sorted(choices)
    if poll.kind == rules.Kind.MOTION or rules.Role.NO in {o.role for o in poll.options}:
        if len(choices) != 1:
            raise InvalidInput(_("Choose exactly one answer."))
        return sorted(choices)
    if not poll.min_choices <= len(choices) <= poll.max_choices:
        if poll.min_choices == poll.max_choices:
            raise InvalidInput(
                ngettext(
                    "Choose exactly %(n)d option.",
                    "Choose exactly %(n)d options.",
                    poll.max_choices,
                )
                % {"n": poll.max_choices}
            )
        raise InvalidInput(
            _("Choose between %(low)d and %(high)d.")
            % {"low": poll.min_choices, "high": poll.max_choices}
        )
    return sorted(choices)


@functools.lru_cache(maxsize=512)
def _opened_poll(poll_id: int, created_at: object, opened_at: object) -> BallotPoll:
    """The value of a poll as it was opened, read once per process and
    opening. Keyed by the opening time (a poll opens once, and its fields
    other than state and deadline stay as they were while it is open) and
    by the creation time (a database may reuse the id of a deleted poll)."""
    return ballot_poll_read(poll_id)


def _roll_entry(poll_id: int, voter: Member, on_behalf_of: int | None) -> RollEntry | None:
    """The roll entry the voter casts: their own, or that of the participant
    `on_behalf_of` whose proxy they carry. One plain query: built through
    the ORM, this read cost more CPU than the rest of the ballot together."""
    member = "e.caster_id" if on_behalf_of is None else "%s"
    sql = (
        f"SELECT {plainsql.columns(RollEntry, 'e')} FROM {RollEntry._meta.db_table} e"
        f" JOIN {Participant._meta.db_table} c ON c.id = e.caster_id"
        f" WHERE e.poll_id = %s AND c.member_id = %s AND e.member_id = {member}"
    )
    params = [poll_id, voter.pk] if on_behalf_of is None else [poll_id, voter.pk, on_behalf_of]
    row = plainsql.fetch_one(sql, params)  # at most one: a member has one entry per poll
    return None if row is None else plainsql.instance(RollEntry, row)


class _PollRow(NamedTuple):
    """What a ballot reads of the poll's row each time."""

    id: int
    meeting_id: int
    state: str
    closes_at: datetime | None
    created_at: object  # as the database gives them: cache keys only
    opened_at: object


def _poll_shared(poll_id: int) -> _PollRow | None:
    """The poll's row, held in share mode: ballots run side by side, while
    closing (FOR UPDATE) waits until ballots in flight have committed, so the
    state read here cannot change before this ballot commits. (SQLite takes
    one writer at a time anyway.) A raw query: Django has no FOR SHARE."""
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    row = plainsql.fetch_one(
        "SELECT meeting_id, state, closes_at, created_at, opened_at"
        f" FROM {Poll._meta.db_table} WHERE id = %s{lock}",
        [poll_id],
    )
    if row is None:
        return None
    meeting_id, state, closes_at, created_at, opened_at = row
    closes_at = plainsql.from_db(Poll._meta.get_field("closes_at"), closes_at)
    return _PollRow(poll_id, meeting_id, state, closes_at, created_at, opened_at)


def _ballot_poll(row: _PollRow) -> BallotPoll:
    """The value of an open poll, with the state and deadline of its row
    just read. Building the model (or this value) from the database on
    each ballot cost more than the rest of the ballot's reads."""
    opened = _opened_poll(row.id, row.created_at, row.opened_at)
    return dataclasses.replace(opened, state=row.state, closes_at=row.closes_at)


def _same_ballot(existing: Ballot, choices: list[int], entry: RollEntry) -> Receipt:
    try:  # stored choices are sorted; a resend may list them in another order
        same = existing.choices == sorted(choices)
    except TypeError:
        same = False
    if not same:
        raise Conflict(
            _("This ballot was already sent with other choices."),
            code="receipt_conflict",
        )
    # The first answer named the represented member of a proxy ballot; so does a resend.
    represented = entry.member.member.full_name if entry.is_proxy else None
    return Receipt(
        poll_id=existing.poll_id,
        receipt_code=existing.receipt_code,
        choices=list(existing.choices),
        weight=existing.weight,
        on_behalf_of=represented,
        created=False,
        signature=existing.signature,
        weight_signed=not audit.weight_hidden(existing.poll),
    )


def _find_roll_entry(poll: Poll, caster: Participant, on_behalf_of: int | None) -> RollEntry:
    member_id = caster.pk if on_behalf_of is None else on_behalf_of
    entry = (
        RollEntry.objects.select_related("member__member")
        .filter(poll=poll, member_id=member_id, caster=caster)
        .first()
    )
    if entry is not None:
        return entry
    # Checked first: a remote delegate is refused for the same reason.
    if not poll.allow_remote and caster.presence == Participant.Presence.REMOTE:
        raise NotAllowed(_("This poll is for members in the room; remote members cannot vote."))
    if on_behalf_of is not None:
        raise NotAllowed(_("You do not carry that member's proxy for this poll."))
    raise NotAllowed(_("You are not on this poll's roll."), code="not_on_roll")


def _record_ballot(
    *,
    poll: BallotPoll,
    entry: RollEntry,
    choices: list[int],
    receipt_code: str,
    nonce: str | None,
    method: str,
    entered_by: Member | None,
    sealed: EncryptedBallot | None = None,
) -> str:
    """Mark the roll entry as voted and store the signed ballot, or raise
    IntegrityError. Returns the signature over the ballot's entry. Plain
    inserts (core.plainsql): through the ORM they were a third of the
    ballot's CPU. A secret ballot waits for the ballot writer to shuffle it."""
    plainsql.insert(RollMark(roll_entry=entry, method=method, entered_by=entered_by))
    signature = audit.sign_entry(
        audit.ballot_entry(
            poll=poll,
            receipt=receipt_code,
            choices=choices,
            weight=entry.weight,
            voter=entry.member_id,
        )
    )
    plainsql.insert(
        Ballot(
            poll_id=poll.id,
            receipt_code=receipt_code,
            choices=choices,
            weight=entry.weight,
            roll_entry=entry if poll.secrecy == Poll.Secrecy.NAMED else None,
            signature=signature,
            nonce_key=None if nonce is None else nonce_key(poll.id, entry.pk, nonce),
            shuffled=poll.secrecy == Poll.Secrecy.NAMED,
            ciphertext=None if sealed is None else sealed.to_json(),
            points="" if sealed is None else _points(sealed),
        )
    )
    if poll.secrecy != Poll.Secrecy.NAMED:
        after_commit(ballot_writer.write_batch, poll.id)
    return signature


def ballot_cast(
    *,
    voter: Member,
    poll_id: int,
    choices: Any,
    nonce: str,
    on_behalf_of: int | None = None,
    meeting_id: int | None = None,
) -> Receipt:
    """Cast a ballot from a phone. The nonce (random, drawn by the phone, never
    published) is the idempotency key: a resend of the same roll entry's
    ballot with the same nonce and choices returns the original receipt;
    other choices under it are refused. The receipt code is the server's.

    One ballot per roll entry is enforced by the unique key of RollMark, so
    concurrent requests cannot both succeed. `on_behalf_of` is the participant
    id of a member whose proxy the voter carries. With `meeting_id` (the
    meeting socket's), a poll of another meeting is refused as not found.
    """
    code = normalise_nonce(nonce)
    _check_on_behalf_of(on_behalf_of)
    return _exactly_once(
        lambda: _cast(voter, poll_id, choices, code, on_behalf_of, meeting_id),
        lambda: _resend(voter, poll_id, choices, code, on_behalf_of),
    )


def _check_on_behalf_of(on_behalf_of: object) -> None:
    if on_behalf_of is not None and (
        not isinstance(on_behalf_of, int) or isinstance(on_behalf_of, bool)
    ):
        raise InvalidInput(_("on_behalf_of must be a participant id."))


def _exactly_once(cast: Callable[[], Receipt], resend: Callable[[], Receipt | None]) -> Receipt:
    """Cast in a transaction; when the roll entry's unique mark refuses it
    (it has voted, or this very nonce just did: the same ballot sent twice at
    once), a resend of the same ballot gets its receipt back."""
    try:
        with transaction.atomic():
            return cast()
    except IntegrityError:
        with transaction.atomic():
            receipt = resend()
            if receipt is None:
                raise Conflict(
                    _("This vote has already been cast."), code="already_voted"
                ) from None
            return receipt


def _cast(
    voter: Member,
    poll_id: int,
    choices: Any,
    code: str,
    on_behalf_of: int | None,
    meeting_id: int | None,
) -> Receipt:
    """The common case in few queries: the poll with its share lock, the
    voter's roll entry, two inserts. Anything unusual goes the slow way."""
    row = _poll_shared(poll_id)
    if row is not None and meeting_id is not None and row.meeting_id != meeting_id:
        raise NotFound(_("No such poll in this meeting."))
    poll = _ballot_poll(row) if row is not None and accepts_ballots(row) else None
    entry = _roll_entry(poll_id, voter, on_behalf_of) if poll is not None else None
    if poll is None or entry is None:
        receipt = _resend(voter, poll_id, choices, code, on_behalf_of)
        if receipt is not None:
            return receipt
        _refuse(voter, poll_id, on_behalf_of)
    chosen = validate_choices(poll, choices)
    if poll.encrypted:
        raise Conflict(_("This poll takes encrypted ballots only."), code="encrypted_only")
    receipt_code = issue_receipt()
    signature = _record_ballot(
        poll=poll,
        entry=entry,
        choices=chosen,
        receipt_code=receipt_code,
        nonce=code,
        method=RollMark.Method.PHONE,
        entered_by=None,
    )
    _after_ballot(poll)
    represented = entry.member.member.full_name if entry.is_proxy else None
    return Receipt(
        poll_id=poll.id,
        receipt_code=receipt_code,
        choices=chosen,
        weight=entry.weight,
        on_behalf_of=represented,
        created=True,
        signature=signature,
        weight_signed=not audit.weight_hidden(poll),
    )


def _resend(
    voter: Member, poll_id: int, choices: Any, nonce: str, on_behalf_of: int | None
) -> Receipt | None:
    """The receipt of this roll entry's ballot stored under this nonce (the
    phone lost the answer), or None. Other choices under it are refused.
    Someone else's nonce finds nothing here, exactly as a fresh one."""
    entry = _roll_entry(poll_id, voter, on_behalf_of)
    if entry is None:
        return None
    existing = (  # with its poll: the receipt says how the ballot was signed
        Ballot.objects.select_related("poll")
        .filter(poll_id=poll_id, nonce_key=nonce_key(poll_id, entry.pk, nonce))
        .first()
    )
    if existing is None:
        return None
    return _same_ballot(existing, choices if isinstance(choices, list) else [], entry)


def _refuse(voter: Member, poll_id: int, on_behalf_of: int | None) -> NoReturn:
    """Say exactly why this voter cannot vote on this poll now."""
    poll = Poll.objects.select_related("meeting").filter(pk=poll_id).first()
    if poll is None:
        raise NotFound(_("No such poll."))
    if poll.state != Poll.State.OPEN:
        raise Conflict(_("This poll is not open."), code="poll_not_open")
    if not accepts_ballots(poll):
        raise Conflict(_("Voting time is over."), code="poll_not_open")
    caster = participant_for(poll.meeting_id, voter)
    if caster is None:
        raise NotAllowed(_("You are not on this meeting's roster."), code="not_on_roll")
    _find_roll_entry(poll, caster, on_behalf_of)  # raises: no entry matched above
    raise NotAllowed(_("You are not on this poll's roll."), code="not_on_roll")


def _after_ballot(poll: BallotPoll) -> None:
    after_commit(turnout.turnout_changed, poll.meeting_id, poll.id)
    if poll.close_when_all_voted:
        after_commit(_close_if_complete, poll.id)


def _close_if_complete(poll_id: int) -> None:
    with transaction.atomic():
        poll = lock_poll(poll_id)
        if poll.state != Poll.State.OPEN:
            return
        if RollMark.objects.filter(roll_entry__poll=poll).count() < poll.roll.count():
            return
        close(poll, actor=None)


@transaction.atomic
def paper_ballot_enter(
    *,
    actor: Member,
    poll: Poll,
    roll_entry_id: int,
    choices: Any,
) -> Receipt:
    """A clerk enters the paper ballot of a roll entry that has not voted. It
    counts with phone ballots, is marked paper with the clerk recorded, and
    the entry can no longer vote by phone."""
    permissions.require(
        actor=actor,
        meeting=Poll.objects.select_related("meeting").get(pk=poll.pk).meeting,
        action=permissions.BALLOT_PAPER,
    )
    row = _poll_shared(poll.pk)
    if row is None:
        raise NotFound(_("No such poll."))
    if row.state != Poll.State.OPEN:
        raise Conflict(_("This poll is not open."), code="poll_not_open")
    if not accepts_ballots(row):
        raise Conflict(_("Voting time is over."), code="poll_not_open")
    value = _ballot_poll(row)
    entry = RollEntry.objects.filter(poll_id=value.id, pk=roll_entry_id).first()
    if entry is None:
        raise NotFound(_("No such entry on this poll's roll."))
    chosen = validate_choices(value, choices)
    code, nonce, sealed = issue_receipt(), None, None
    if value.encrypted:
        # Encrypted by the server as a phone would, under a nonce no one keeps.
        nonce = issue_receipt()
        sealed = _encrypt_paper(value, entry, chosen, nonce)
        code, chosen = sealed.tracker, []
    try:
        with transaction.atomic():
            signature = _record_ballot(
                poll=value,
                entry=entry,
                choices=chosen,
                receipt_code=code,
                nonce=nonce,
                method=RollMark.Method.PAPER,
                entered_by=actor,
                sealed=sealed,
            )
    except IntegrityError:
        raise Conflict(_("This vote has already been cast."), code="already_voted") from None
    events.publish(
        value.meeting_id,
        POLL_PAPER_BALLOT,
        {"poll_id": value.id, "clerk": actor.full_name},
    )
    log.log_append(
        meeting_id=value.meeting_id,
        action="poll.paper_ballot",
        actor=actor,
        data={"poll": value.id, "member": entry.member.member.full_name},
    )
    _after_ballot(value)
    return Receipt(
        poll_id=value.id,
        receipt_code=code,
        choices=chosen,
        weight=entry.weight,
        on_behalf_of=None,
        created=True,
        signature=signature,
        weight_signed=not audit.weight_hidden(value),
    )


# --- encrypted ballots (docs/encrypted-ballots.md) ------------------------------------


def _points(sealed: EncryptedBallot) -> str:
    return " ".join(c.a.hex() for c in sealed.ciphertexts)


def _context(poll: BallotPoll, key: str) -> tuple[BallotContext, tuple[int, int, int | None]]:
    marks = marks_range(poll, [o.role for o in poll.options])
    return BallotContext(poll_context(poll.id), voter_context(key)), marks


def _encrypt_paper(
    poll: BallotPoll, entry: RollEntry, chosen: list[int], nonce: str
) -> EncryptedBallot:
    context, (low, high, abstain) = _context(poll, nonce_key(poll.id, entry.pk, nonce))
    marks = [1 if o.id in chosen else 0 for o in poll.options]
    return encrypt_ballot(
        bytes.fromhex(poll.public_key), marks, low, high, context, abstain=abstain
    )


def _verified(poll: BallotPoll, entry: RollEntry, nonce: str, ballot: Any) -> EncryptedBallot:
    """The ballot, if every proof holds for this poll and this roll entry's
    nonce key; the library's own message otherwise."""
    context, (low, high, abstain) = _context(poll, nonce_key(poll.id, entry.pk, nonce))
    try:
        sealed = EncryptedBallot.from_json(ballot)
        verify_ballot(
            bytes.fromhex(poll.public_key), sealed, len(poll.options), low, high, context, abstain
        )
    except CryptoError as exc:
        raise InvalidInput(str(exc), code="ballot_refused") from None
    return sealed


def _refuse_replay(poll_id: int, sealed: EncryptedBallot) -> None:
    """A ciphertext already on the board is never accepted again: a copied
    ballot, or a phone that reused its randomness."""
    seen = Q()
    for c in sealed.ciphertexts:
        seen |= Q(points__contains=c.a.hex())
    if Ballot.objects.filter(poll_id=poll_id).filter(seen).exists():
        raise Conflict(
            _("A ciphertext of this ballot is already on the board; it cannot be cast again."),
            code="replayed",
        )


def _same_encrypted(existing: Ballot, ballot: Any, entry: RollEntry) -> Receipt:
    """A resend under the same nonce: the same ciphertexts get the same receipt."""
    try:
        same = EncryptedBallot.from_json(ballot).tracker == existing.receipt_code
    except CryptoError:
        same = False
    if not same:
        raise Conflict(
            _("This ballot was already sent with other choices."), code="receipt_conflict"
        )
    represented = entry.member.member.full_name if entry.is_proxy else None
    return Receipt(
        poll_id=existing.poll_id,
        receipt_code=existing.receipt_code,
        choices=[],
        weight=existing.weight,
        on_behalf_of=represented,
        created=False,
        signature=existing.signature,
        weight_signed=not audit.weight_hidden(existing.poll),
    )


def _resend_encrypted(
    voter: Member, poll_id: int, ballot: Any, nonce: str, on_behalf_of: int | None
) -> Receipt | None:
    entry = _roll_entry(poll_id, voter, on_behalf_of)
    if entry is None:
        return None
    existing = (
        Ballot.objects.select_related("poll")
        .filter(poll_id=poll_id, nonce_key=nonce_key(poll_id, entry.pk, nonce))
        .first()
    )
    return None if existing is None else _same_encrypted(existing, ballot, entry)


def encrypted_ballot_cast(
    *,
    voter: Member,
    poll_id: int,
    ballot: Any,
    nonce: str,
    on_behalf_of: int | None = None,
    meeting_id: int | None = None,
) -> Receipt:
    """Cast an encrypted ballot from a phone (an encrypted poll's only kind).

    Every proof is checked, bound to the poll and to the nonce key of the
    caster's roll entry (`voter_context`), before anything is stored; a
    ciphertext already on the board is refused. The receipt is the ballot's
    tracker. Otherwise as `ballot_cast`: the nonce is the idempotency key
    (the same ballot resent gets its receipt back), one ballot per roll
    entry, and the ballot waits for the ballot writer to lose its order."""
    code = normalise_nonce(nonce)
    _check_on_behalf_of(on_behalf_of)
    checked = _check_early(voter, poll_id, ballot, code, on_behalf_of)
    return _exactly_once(
        lambda: _cast_encrypted(voter, poll_id, ballot, code, on_behalf_of, meeting_id, checked),
        lambda: _resend_encrypted(voter, poll_id, ballot, code, on_behalf_of),
    )


@dataclass(frozen=True)
class _Checked:
    """A ballot's proofs checked before the transaction, and what they were
    checked against: (poll id, poll key, roll entry id)."""

    against: tuple[int, str, int]
    sealed: EncryptedBallot | None
    refused: InvalidInput | None


def _check_early(
    voter: Member, poll_id: int, ballot: Any, code: str, on_behalf_of: int | None
) -> _Checked | None:
    """Check the proofs before the transaction opens: milliseconds of CPU
    that would otherwise hold a database connection and the poll's share
    lock (which the close waits on). Plain reads, no lock kept (autocommit);
    the transaction reads again and uses this only if the poll key and the
    roll entry are those checked against. None when the ballot is not for an
    open encrypted poll of the voter's: the transaction says why."""
    row = _poll_shared(poll_id)
    if row is None or not accepts_ballots(row):
        return None
    poll = _ballot_poll(row)
    entry = _roll_entry(poll_id, voter, on_behalf_of) if poll.encrypted else None
    if entry is None:
        return None
    against = (poll.id, poll.public_key, entry.pk)
    try:
        return _Checked(against, _verified(poll, entry, code, ballot), None)
    except InvalidInput as exc:
        return _Checked(against, None, exc)


def _verified_once(
    checked: _Checked | None, poll: BallotPoll, entry: RollEntry, code: str, ballot: Any
) -> EncryptedBallot:
    """The early check's verdict if it was made against this poll key and
    roll entry; else the proofs are checked now."""
    if checked is None or checked.against != (poll.id, poll.public_key, entry.pk):
        return _verified(poll, entry, code, ballot)
    if checked.refused is not None:
        raise checked.refused
    assert checked.sealed is not None
    return checked.sealed


def _cast_encrypted(
    voter: Member,
    poll_id: int,
    ballot: Any,
    code: str,
    on_behalf_of: int | None,
    meeting_id: int | None,
    checked: _Checked | None,
) -> Receipt:
    row = _poll_shared(poll_id)
    if row is not None and meeting_id is not None and row.meeting_id != meeting_id:
        raise NotFound(_("No such poll in this meeting."))
    poll = _ballot_poll(row) if row is not None and accepts_ballots(row) else None
    entry = _roll_entry(poll_id, voter, on_behalf_of) if poll is not None else None
    if poll is None or entry is None:
        receipt = _resend_encrypted(voter, poll_id, ballot, code, on_behalf_of)
        if receipt is not None:
            return receipt
        _refuse(voter, poll_id, on_behalf_of)
    if not poll.encrypted:
        raise Conflict(_("This poll does not take encrypted ballots."), code="not_encrypted")
    existing = (
        Ballot.objects.select_related("poll")
        .filter(poll_id=poll.id, nonce_key=nonce_key(poll.id, entry.pk, code))
        .first()
    )
    if existing is not None:
        return _same_encrypted(existing, ballot, entry)
    sealed = _verified_once(checked, poll, entry, code, ballot)
    _refuse_replay(poll.id, sealed)
    signature = _record_ballot(
        poll=poll,
        entry=entry,
        choices=[],
        receipt_code=sealed.tracker,
        nonce=code,
        method=RollMark.Method.PHONE,
        entered_by=None,
        sealed=sealed,
    )
    _after_ballot(poll)
    return Receipt(
        poll_id=poll.id,
        receipt_code=sealed.tracker,
        choices=[],
        weight=entry.weight,
        on_behalf_of=entry.member.member.full_name if entry.is_proxy else None,
        created=True,
        signature=signature,
        weight_signed=not audit.weight_hidden(poll),
    )
